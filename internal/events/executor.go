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
func (x *Executor) Execute(ctx context.Context, actor string, cmd entities.Command) (Result, error) {
	targets := cmd.Targets()
	heads, err := x.store.LoadHeads(ctx, targets)
	if err != nil {
		return Result{}, err
	}
	cmdID := newCommandID()
	for attempt := 1; ; attempt++ {
		in := entities.Input{Now: x.opts.Now().UTC(), Actor: actor, Snapshots: make(map[entities.ID]entities.Snapshot, len(heads))}
		for id, h := range heads {
			in.Snapshots[id] = h.Snapshot
		}
		changes, err := cmd.Decide(in)
		if err != nil {
			return Result{}, err
		}
		res, write, err := x.plan(in, heads, changes, actor, cmdID)
		if err != nil {
			return Result{}, err
		}
		if write == nil {
			return res, nil
		}
		_, err = x.store.db.TransactWriteItems(ctx, write)
		if err == nil {
			return res, nil
		}
		cancel, ok := table.AsCancellation(err)
		if !ok && !table.Retryable(err) {
			return Result{}, fmt.Errorf("events: appending: %w", err)
		}
		if attempt >= x.opts.MaxAttempts {
			return Result{}, fmt.Errorf("events: %d attempts: %w", attempt, entities.Conflict("the entity was changed concurrently too often; try again"))
		}
		if err := backoff(ctx, attempt); err != nil {
			return Result{}, err
		}
		if heads, err = x.refresh(ctx, targets, heads, write, cancel); err != nil {
			return Result{}, err
		}
	}
}

// refresh returns current heads after a conflict. When every failed
// condition returned the head it saw (ALL_OLD), no read is needed.
func (x *Executor) refresh(ctx context.Context, targets []entities.ID, heads map[entities.ID]Head, write *dynamodb.TransactWriteItemsInput, cancel table.Cancellation) (map[entities.ID]Head, error) {
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
			return nil, err
		}
		if _, loaded := next[h.Snapshot.ID]; loaded {
			next[h.Snapshot.ID] = h
		}
	}
	if complete {
		return next, nil
	}
	return x.store.LoadHeads(ctx, targets)
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
			items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
				TableName: aws.String(x.store.table), Key: headKey.AV(),
				ConditionExpression:                 condExpr(before),
				ExpressionAttributeValues:           condValues(before),
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
			env := Envelope{Kind: c.ID.Kind(), Aggregate: c.ID.String(), Type: e.EventType(), Version: after.Version, At: in.Now, Actor: actor, Command: cmdID, Schema: CurrentSchema, Data: data}
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
