package projector

import (
	"context"

	"github.com/hubstream/hubstream/internal/events"
)

// recordSink is what applying one aggregate's head records needs from the
// consumer that delivered them: the Runner's shard processor, or a
// BatchApplier fed by the Lambda event source mapping. Both apply through
// the same Applier and block poison through the same blocker; they differ
// only in how long they retry and what they count.
type recordSink interface {
	// apply applies a, retrying; an append that will not apply ends as a
	// poisonous error, anything else (cancellation, a lost lease, a
	// transient failure the caller stopped retrying) is returned as is.
	apply(ctx context.Context, a Append) error
	// poison blocks h's aggregate (halting it, or parking h) because of
	// cause.
	poison(ctx context.Context, h *headRecord, cause error) error
	// hold records h as held behind its aggregate's block; lifted reports
	// that the block is gone and h must be applied.
	hold(ctx context.Context, h *headRecord) (lifted bool, err error)
	// blocked reports whether the aggregate of partition is known to be
	// blocked.
	blocked(partition string) bool
	// applied is told about records whose events were applied.
	applied(recs []*headRecord)
}

// applyGroup applies one aggregate's records of a batch, in order.
// Consecutive records are applied in one transaction where they fit; a
// poison append blocks the aggregate and its later records are held. It
// returns how many records were handled (applied, blocked or held): when
// it returns an error, recs[n] is the first record that was not, and
// nothing after it was applied, so redelivering recs[n:] keeps the
// aggregate's order.
func applyGroup(ctx context.Context, s recordSink, recs []*headRecord) (n int, err error) {
	single := false
	for i := 0; i < len(recs); {
		h := recs[i]
		if h.err != nil {
			if err := s.poison(ctx, h, h.err); err != nil {
				return i, err
			}
			i++
			continue
		}
		if s.blocked(h.partition) {
			lifted, err := s.hold(ctx, h)
			if err != nil {
				return i, err
			}
			if !lifted {
				i++
				continue
			}
		}
		a, j := h.app, i+1
		if !single {
			for j < len(recs) && recs[j].err == nil && recs[j].app.BeforeVersion == a.Events[len(a.Events)-1].Version &&
				len(a.Events)+len(recs[j].app.Events) <= maxCoalesce {
				if j == i+1 {
					a.Events = append([]events.Envelope(nil), a.Events...)
				}
				a.Events = append(a.Events, recs[j].app.Events...)
				j++
			}
		}
		err := s.apply(ctx, a)
		switch {
		case err == nil:
			s.applied(recs[i:j])
			i = j
		case !isPoisonous(err):
			return i, err
		case j > i+1:
			single = true // find the poison record among them
		default:
			if err := s.poison(ctx, h, err); err != nil {
				return i, err
			}
			i++
		}
	}
	return len(recs), nil
}

// blocked makes the shard processor a recordSink.
func (p *shardProc) blocked(partition string) bool { return p.r.blk.blocked(partition) }
