package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// ExecutorOptions configure an Executor. Zero fields take the documented
// defaults.
type ExecutorOptions struct {
	// MaxAttempts bounds tries on version conflicts. Default 12: enough for
	// dozens of concurrent writers on one aggregate.
	MaxAttempts int
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// Observer, when set, is told the outcome of every append attempt of
	// every command (metrics: attempts, conflicts, retries). It must be
	// safe for concurrent use and quick. Default: none.
	Observer func(AppendAttempt)
}

// Executor runs commands: load heads, decide, append — DESIGN.md §4.
type Executor struct {
	store *Store
	opts  ExecutorOptions
}

// NewExecutor returns an Executor appending through store.
func NewExecutor(store *Store, opts ExecutorOptions) *Executor {
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 12
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Executor{store: store, opts: opts}
}

// Result is what a command did: the snapshot of every aggregate it loaded
// or changed, after the change, and the appended envelopes.
type Result struct {
	Snapshots map[entities.ID]entities.Snapshot
	Appended  []Envelope
	// Replayed is set when the result is the stored one of an earlier
	// execution with the same idempotency key (see Idempotent): nothing
	// was decided or written this time.
	Replayed bool
}

// Snapshot returns the post-command snapshot of id.
func (r Result) Snapshot(id entities.ID) entities.Snapshot {
	if s, ok := r.Snapshots[id]; ok {
		return s
	}
	return entities.Snapshot{ID: id}
}

// Execute runs cmd on behalf of actor. A single-aggregate command costs one
// BatchGetItem and one TransactWriteItems; a conflict with a concurrent
// writer costs a retry (reusing the current heads the cancellation
// returned where it can). It returns the command's domain *Error unchanged,
// entities.ErrConflict (wrapped) when retries are exhausted, and other
// errors for infrastructure failures.
//
// The command's fields are validated (cmd.Validate) before anything is
// read: a malformed or oversized input is BAD_USER_INPUT and costs no
// request. A change too large for DynamoDB's item limit is BAD_USER_INPUT
// too, found before the write is sent.
//
// With the Idempotent option the idempotency item is read in the same
// BatchGetItem and written in the same TransactWriteItems (see
// idempotency.go); a command that changes nothing then also costs one
// write, to record its result. A stored result is returned only while the
// actor may still see what it shows (entities.CheckReplay), judged on the
// heads read with it — or, for the result of a duplicate that committed
// between this call's read and its write, on heads read again then (one
// more BatchGetItem). With AsUser the actor's account is read in the same
// BatchGetItem and entities.CheckActor is applied before anything else.
func (x *Executor) Execute(ctx context.Context, actor string, cmd entities.Command, opts ...ExecOption) (Result, error) {
	var o execOptions
	for _, opt := range opts {
		opt(&o)
	}
	if err := cmd.Validate(); err != nil {
		return Result{}, err
	}
	idem, err := newIdempotency(actor, o)
	if err != nil {
		return Result{}, err
	}
	var idemKey *table.Key
	if idem != nil {
		idemKey = &idem.key
	}
	targets := cmd.Targets()
	if o.asUser {
		if err := entities.RequireActor(actor); err != nil {
			return Result{}, err
		}
		targets = entities.ActorTargets(cmd, actor)
	}
	if err := storableTargets(targets); err != nil {
		return Result{}, err
	}
	heads, stored, err := x.store.loadHeads(ctx, targets, idemKey)
	if err != nil {
		return Result{}, err
	}
	cmdID := newCommandID()
	for attempt := 1; ; attempt++ {
		now := x.opts.Now().UTC()
		in := newInput(now, actor, heads)
		if o.asUser {
			if err := entities.CheckActor(cmd, in); err != nil {
				return Result{}, err
			}
		}
		if idem != nil {
			if res, ok, err := idem.replay(stored, now); err != nil || ok {
				return x.checkedReplay(ctx, res, in, nil, err)
			}
		}
		changes, err := cmd.Decide(in)
		if err != nil {
			return Result{}, err
		}
		res, write, err := x.plan(in, heads, changes, actor, cmdID)
		if err != nil {
			return Result{}, err
		}
		idemAt := -1
		if idem != nil {
			if write == nil {
				write = &dynamodb.TransactWriteItemsInput{}
			}
			put, err := idem.putItem(x.store.table, res, now)
			if err != nil {
				return Result{}, err
			}
			idemAt = len(write.TransactItems)
			write.TransactItems = append(write.TransactItems, put)
			if len(write.TransactItems) > 100 {
				return Result{}, errors.New("events: a command may not write more than 100 items")
			}
		}
		if write == nil {
			return res, nil
		}
		if err := fitsItemLimit(write); err != nil {
			return Result{}, err
		}
		_, err = x.store.db.TransactWriteItems(ctx, write)
		if err == nil {
			x.observe(cmd, attempt, AttemptCommitted)
			return res, nil
		}
		cancel, ok := table.AsCancellation(err)
		if ok && idemAt >= 0 && idemAt < len(cancel.Reasons) && cancel.Reasons[idemAt] == table.ReasonConditionFailed {
			// A duplicate with the same key got there first: its result,
			// not ours, is the mutation's.
			if res, ok, err := idem.replay(cancel.Items[idemAt], now); err != nil || ok {
				return x.replayAfterConflict(ctx, cmd, targets, res, in, o.asUser, err)
			}
		}
		if (!ok && !table.Retryable(err)) || (ok && !cancel.Contended()) {
			// Only contention is worth another attempt; anything else
			// (an item over 400 KB, an unknown reason) would fail again and
			// end as a misleading CONFLICT.
			x.observe(cmd, attempt, AttemptFailed)
			return Result{}, fmt.Errorf("events: appending: %w", err)
		}
		if attempt >= x.opts.MaxAttempts {
			x.observe(cmd, attempt, AttemptConflict)
			return Result{}, fmt.Errorf("events: %d attempts: %w", attempt, entities.Conflict("the entity was changed concurrently too often; try again"))
		}
		x.observe(cmd, attempt, AttemptRetried)
		if err := backoff(ctx, attempt); err != nil {
			return Result{}, err
		}
		if heads, stored, err = x.refresh(ctx, targets, heads, write, cancel, idemKey); err != nil {
			return Result{}, err
		}
	}
}

// newInput is the input of a decision (or a replay's checks) at now by
// actor on heads.
func newInput(now time.Time, actor string, heads map[entities.ID]Head) entities.Input {
	in := entities.Input{Now: now, Actor: actor, Snapshots: make(map[entities.ID]entities.Snapshot, len(heads))}
	for id, h := range heads {
		in.Snapshots[id] = h.Snapshot
	}
	return in
}

// replayAfterConflict is checkedReplay for the result of a concurrent
// duplicate that committed between this execution's read and its write
// (found on the cancellation of its write). decided, the input this
// execution decided on, predates that duplicate's write: it shows missing
// what the duplicate created (the star, the opened issue, the comment),
// unchanged what it changed, and alive a repository deleted or hidden
// from the actor after it. So the heads of targets, and of the stored
// aggregates, are read again — one consistent BatchGetItem — and the
// replay is judged on them as a retry's would be (the actor rule again
// with AsUser, then entities.CheckReplay and entities.CurrentReplay).
// err (from decoding the stored result) is returned unchanged.
func (x *Executor) replayAfterConflict(ctx context.Context, cmd entities.Command, targets []entities.ID, res Result, decided entities.Input, asUser bool, err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	ids := append([]entities.ID(nil), targets...)
	for id := range res.Snapshots {
		ids = append(ids, id)
	}
	heads, err := x.store.LoadHeads(ctx, ids)
	if err != nil {
		return Result{}, err
	}
	// The checks see the targets only, as on the first read: a stored
	// aggregate read besides them (the comment of an addComment) serves
	// CurrentReplay alone.
	current := make(map[entities.ID]Head, len(targets))
	for _, id := range targets {
		current[id] = heads[id]
	}
	in := newInput(decided.Now, decided.Actor, current)
	if asUser {
		if err := entities.CheckActor(cmd, in); err != nil {
			return Result{}, err
		}
	}
	return x.checkedReplay(ctx, res, in, heads, nil)
}

// checkedReplay returns a stored result if the actor may still see what
// it shows, judged on the current heads in in (entities.CheckReplay),
// with every aggregate it shows in its current state
// (entities.CurrentReplay): NOT_FOUND when one was deleted since. The
// heads of stored aggregates that are neither among the command's targets
// (the comment an addComment created) nor in read (heads the caller read
// with in, possibly nil) cost one more BatchGetItem. A non-nil err (from
// decoding the stored result) is returned unchanged.
func (x *Executor) checkedReplay(ctx context.Context, res Result, in entities.Input, read map[entities.ID]Head, err error) (Result, error) {
	if err != nil {
		return Result{}, err
	}
	if err := entities.CheckReplay(res.Snapshots, in); err != nil {
		return Result{}, err
	}
	current := make(map[entities.ID]entities.Snapshot, len(res.Snapshots))
	var missing []entities.ID
	for id := range res.Snapshots {
		if s, ok := in.Snapshots[id]; ok {
			current[id] = s
		} else if h, ok := read[id]; ok {
			current[id] = h.Snapshot
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		heads, err := x.store.LoadHeads(ctx, missing)
		if err != nil {
			return Result{}, err
		}
		for id, h := range heads {
			current[id] = h.Snapshot
		}
	}
	snaps, err := entities.CurrentReplay(res.Snapshots, current)
	if err != nil {
		return Result{}, err
	}
	res.Snapshots = snaps
	return res, nil
}

// storableTargets returns BAD_USER_INPUT if an aggregate's head key would
// exceed DynamoDB's key limits. Validate makes that impossible for every
// command today; this keeps a command that forgets a check from turning
// into the engine's ValidationException (INTERNAL to the client).
func storableTargets(ids []entities.ID) error {
	for _, id := range ids {
		p, err := Partition(id)
		if err != nil {
			return err
		}
		if !table.HeadKey(p).Storable() {
			return entities.BadInput("", "a name or id in the input is too long")
		}
	}
	return nil
}

// refresh returns current heads after a conflict. When every failed
// condition returned the head it saw (ALL_OLD), no read is needed.
//
// The idempotency item (idemKey) is read again with the heads whenever a
// read is needed; when none is, its put did not fail (a failed put always
// returns the item it saw and is handled before), so there is no stored
// result to find.
func (x *Executor) refresh(ctx context.Context, targets []entities.ID, heads map[entities.ID]Head, write *dynamodb.TransactWriteItemsInput, cancel table.Cancellation, idemKey *table.Key) (map[entities.ID]Head, map[string]types.AttributeValue, error) {
	next := make(map[entities.ID]Head, len(heads))
	for id, h := range heads {
		next[id] = h
	}
	complete := len(cancel.Reasons) == len(write.TransactItems)
	for i, r := range cancel.Reasons {
		if r != table.ReasonConditionFailed {
			if r != table.ReasonNone {
				complete = false
			}
			continue
		}
		item := cancel.Items[i]
		if item == nil {
			complete = false
			continue
		}
		if sk, _ := getS(item, table.AttrSK); !table.IsHeadSK(sk) {
			complete = false
			continue
		}
		h, err := DecodeHead(nil, item)
		if err != nil {
			return nil, nil, err
		}
		if _, loaded := next[h.Snapshot.ID]; loaded {
			next[h.Snapshot.ID] = h
		}
	}
	if complete {
		return next, nil, nil
	}
	return x.store.loadHeads(ctx, targets, idemKey)
}

// plan turns changes into the post-command snapshots and the transaction
// that appends them; a nil transaction means there is nothing to write.
func (x *Executor) plan(in entities.Input, heads map[entities.ID]Head, changes []entities.Change, actor, cmdID string) (Result, *dynamodb.TransactWriteItemsInput, error) {
	res := Result{Snapshots: make(map[entities.ID]entities.Snapshot, len(heads)+len(changes))}
	for id, h := range heads {
		res.Snapshots[id] = h.Snapshot
	}
	var items []types.TransactWriteItem
	writes := false
	seen := map[entities.ID]bool{}
	for _, c := range changes {
		if seen[c.ID] {
			return Result{}, nil, fmt.Errorf("events: command changed %v twice", c.ID)
		}
		seen[c.ID] = true
		p, err := Partition(c.ID)
		if err != nil {
			return Result{}, nil, err
		}
		before := in.Snapshot(c.ID)
		headKey := table.HeadKey(p)
		if len(c.Events) == 0 && c.NewSeq == 0 {
			expr, values := condExpr(before), condValues(before)
			if c.VersionOnly && before.Version != 0 {
				expr = aws.String("v = :v")
				delete(values, ":seq")
			}
			items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
				TableName: aws.String(x.store.table), Key: headKey.AV(),
				ConditionExpression:                 expr,
				ExpressionAttributeValues:           values,
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
			}})
			continue
		}
		writes = true
		after := before
		var appended []Envelope
		for _, e := range c.Events {
			st, err := entities.Evolve(after.State, e, in.Now)
			if err != nil {
				return Result{}, nil, fmt.Errorf("events: %w", err)
			}
			data, err := x.store.codec.Encode(e)
			if err != nil {
				return Result{}, nil, err
			}
			after.State = st
			after.Version++
			env := Envelope{Kind: c.ID.Kind(), Aggregate: c.ID.String(), Type: e.EventType(), Version: after.Version, At: in.Now, Actor: actor, Command: cmdID, Schema: SchemaOf(e.EventType()), Data: data}
			appended = append(appended, env)
			items = append(items, types.TransactWriteItem{Put: &types.Put{
				TableName: aws.String(x.store.table), Item: eventItem(p, env),
				ConditionExpression: aws.String("attribute_not_exists(PK)"),
			}})
		}
		if c.NewSeq != 0 {
			after.Seq = c.NewSeq
		}
		head, err := headItem(p, after, appended, in.Now)
		if err != nil {
			return Result{}, nil, err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(x.store.table), Item: head,
			ConditionExpression:                 condExpr(before),
			ExpressionAttributeValues:           condValues(before),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
		res.Snapshots[c.ID] = after
		res.Appended = append(res.Appended, appended...)
	}
	if !writes {
		return res, nil, nil
	}
	if len(items) > 100 {
		return Result{}, nil, errors.New("events: a command may not write more than 100 items")
	}
	return res, &dynamodb.TransactWriteItemsInput{TransactItems: items}, nil
}

// condExpr is the optimistic-concurrency condition on a head: absent for a
// new aggregate, else unchanged version and sequence counter.
func condExpr(before entities.Snapshot) *string {
	if before.Version == 0 && before.Seq == 0 {
		return aws.String("attribute_not_exists(PK)")
	}
	return aws.String("v = :v AND seq = :seq")
}

func condValues(before entities.Snapshot) map[string]types.AttributeValue {
	if before.Version == 0 && before.Seq == 0 {
		return nil
	}
	return map[string]types.AttributeValue{":v": n(before.Version), ":seq": n(before.Seq)}
}

func newCommandID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
