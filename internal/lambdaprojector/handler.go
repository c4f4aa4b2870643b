package lambdaprojector

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	hevents "github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/streamevent"
	"github.com/hubstream/hubstream/internal/table"
)

// Options are what New takes besides the Config. Zero fields take the
// documented defaults.
type Options struct {
	// Configure, when set, adjusts the client configuration last (tests:
	// the embedded engine's in-process HTTP client).
	Configure func(*table.ClientConfig)
	// Batch adjusts the BatchApplier's options after New filled them in
	// from the Config (tests: retry bounds).
	Batch func(*projector.BatchOptions)
	// Metrics receives one embedded-metric-format line per invocation.
	// Default: discarded.
	Metrics io.Writer
	// Logger receives operational records (with attributes such as shard
	// and error). Default: discarded; cmd/projector-lambda passes its
	// process logger (the function's log group).
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Handler handles the event source mapping's invocations.
type Handler struct {
	batch   *projector.BatchApplier
	margin  time.Duration
	metrics io.Writer
	fn      string
	log     *slog.Logger
	now     func() time.Time
}

// New builds the handler: DynamoDB clients from cfg (and opts), a check
// that the table matches hubstream's schema, and the BatchApplier. It
// fails with table.ErrTableMissing or a *table.SchemaError when the table
// is missing or different, and when the AWS configuration cannot be
// loaded.
func New(ctx context.Context, cfg Config, opts Options) (*Handler, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Metrics == nil {
		opts.Metrics = io.Discard
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	cc := cfg.Clients
	if opts.Configure != nil {
		opts.Configure(&cc)
	}
	clients, err := table.NewClients(ctx, cc)
	if err != nil {
		return nil, err
	}
	// Lambda's init phase has 10 s: a table still being created fails the
	// cold start (and is retried at the next invocation) rather than
	// outliving it. An UPDATING table is used at once (CheckTable).
	if err := table.CheckTable(ctx, clients.DB, cfg.Table, 8*time.Second); err != nil {
		return nil, err
	}
	bo := projector.BatchOptions{
		Name: cfg.Name, WorkerID: "lambda:" + cfg.Function, Park: cfg.Park, Concurrency: cfg.Concurrency,
		Logger: opts.Logger, Now: opts.Now,
	}
	if opts.Batch != nil {
		opts.Batch(&bo)
	}
	applier := projector.NewApplier(clients.DB, cfg.Table, hevents.NewCodec())
	return &Handler{
		batch:   projector.NewBatchApplier(clients.DB, cfg.Table, applier, bo),
		margin:  cfg.Margin,
		metrics: opts.Metrics,
		fn:      cfg.Function,
		log:     opts.Logger,
		now:     opts.Now,
	}, nil
}

// Handle applies one batch and reports the records to deliver again. It
// never returns an error: a function error would make the mapping retry
// (or bisect) the whole batch, where the response can say exactly where to
// resume. It stops applying Margin before ctx's deadline (at most half of
// the time left) so that the response is delivered.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	recs, convertible, convErr := convert(ev)
	work := ctx
	if dl, ok := ctx.Deadline(); ok {
		margin := min(h.margin, time.Until(dl)/2)
		var cancel context.CancelFunc
		work, cancel = context.WithDeadline(ctx, dl.Add(-margin))
		defer cancel()
	}
	res := h.batch.ApplyRecords(work, "lambda", recs)
	from, why := res.Handled, res.Err
	if from == len(recs) {
		from, why = convertible, convErr
	}
	failed := len(ev.Records) - from
	if failed > 0 {
		h.log.Warn("records not handled; they are delivered again", slog.Int("failed", failed), slog.Int("records", len(ev.Records)),
			slog.String("from_sequence_number", ev.Records[from].Change.SequenceNumber), slog.Any("error", why))
	}
	h.emit(len(ev.Records), res, failed)
	return streamevent.Response(ev.Records, from), nil
}

// convert converts ev's records up to the first that cannot be (which
// the Lambda service never sends: nothing valid decodes to it). That
// record is reported failed, so the mapping retries it and finally sends
// it to the on-failure destination: never skipped silently.
func convert(ev events.DynamoDBEvent) ([]streams.Record, int, error) {
	out := make([]streams.Record, 0, len(ev.Records))
	for i, r := range ev.Records {
		rec, err := streamevent.Record(r)
		if err != nil {
			return out, i, fmt.Errorf("record %s: %w", r.Change.SequenceNumber, err)
		}
		out = append(out, rec)
	}
	return out, len(out), nil
}
