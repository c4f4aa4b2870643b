package events

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// Idempotent mutations (DESIGN.md §3 "idempotency", §4 step 4).
//
// A client may send a key with a mutation. Execute then keeps the
// command's result under table.IdempotencyKey(actor, key) for
// IdempotencyWindow, written in the same TransactWriteItems as the
// command's events (or alone, when the command changed nothing), so the
// result is recorded if and only if the command's effect is:
//
//   - The item is read in the same consistent BatchGetItem as the heads.
//     If it is there (and not expired), the command is not decided again:
//     Execute returns the stored result, with no write.
//   - Otherwise the command runs, and the transaction puts the item on the
//     condition that there is none (or only an expired one). A concurrent
//     duplicate that decided at the same time fails on that condition;
//     the cancellation returns the winner's item (ALL_OLD), and the loser
//     returns the winner's result, judged on heads it reads again: the
//     ones it decided on predate the winner's write (and anything after
//     it). Exactly one set of events is appended.
//   - The item holds a fingerprint of the request; the same key with
//     another fingerprint is BAD_USER_INPUT, never a replay of something
//     else.
//   - The stored result is the command's Result — the post-command
//     snapshot of every aggregate it loaded and the appended envelopes —
//     from which the caller rebuilds its payload exactly as for a fresh
//     execution. A replay hands it out with those aggregates' current
//     heads instead of the stored snapshots, and NOT_FOUND when one it
//     showed alive was deleted since (entities.CurrentReplay): a retry
//     never shows what was since deleted or edited away.
//
// Domain errors are not stored: a refused command changed nothing, so
// retrying it is safe and may succeed once the reason is gone.

// IdempotencyWindow is how long a key's result is kept and replayed.
const IdempotencyWindow = 24 * time.Hour

// MaxIdempotencyKeyLen bounds a client's key (it is part of a partition
// key).
const MaxIdempotencyKeyLen = 255

// Attributes of an idempotency item.
const (
	attrIdemActor  = "actor"
	attrIdemKey    = "key"
	attrIdemHash   = "hash"
	attrIdemResult = "result" // gzip-compressed JSON of storedResult
	attrIdemAt     = "at"
)

// ExecOption configures one Execute call.
type ExecOption func(*execOptions)

type execOptions struct {
	key, fingerprint string
	asUser           bool
}

// AsUser makes one Execute apply the actor rule of the domain
// (entities.CheckActor): the actor must be a user account (a login
// without one may only create it). The GraphQL layer runs every mutation
// with it; it is an option so that tools and tests that replay commands
// under synthetic actors keep working.
func AsUser() ExecOption {
	return func(o *execOptions) { o.asUser = true }
}

// Idempotent makes one Execute idempotent under the client's key: see the
// package's idempotency notes. fingerprint identifies the request (e.g. a
// hash of the operation and its input); the same key with another
// fingerprint is BAD_USER_INPUT. An empty key changes nothing.
func Idempotent(key, fingerprint string) ExecOption {
	return func(o *execOptions) { o.key, o.fingerprint = key, fingerprint }
}

// ValidateIdempotencyKey checks a client's key: 1–255 printable ASCII
// characters without spaces.
func ValidateIdempotencyKey(key string) error {
	if key == "" || len(key) > MaxIdempotencyKeyLen {
		return entities.BadInput("idempotencyKey", "must be 1 to %d characters", MaxIdempotencyKeyLen)
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x21 || c > 0x7e {
			return entities.BadInput("idempotencyKey", "may contain only printable ASCII characters without spaces")
		}
	}
	return nil
}

// idempotency is one Execute's key.
type idempotency struct {
	key         table.Key
	actor, raw  string
	fingerprint string
}

func newIdempotency(actor string, o execOptions) (*idempotency, error) {
	if o.key == "" {
		return nil, nil
	}
	if err := entities.RequireActor(actor); err != nil {
		return nil, err
	}
	if err := ValidateIdempotencyKey(o.key); err != nil {
		return nil, err
	}
	k := table.IdempotencyKey(actor, o.key)
	if !k.Storable() {
		return nil, entities.BadInput("idempotencyKey", "the key cannot be stored for this viewer")
	}
	return &idempotency{key: k, actor: actor, raw: o.key, fingerprint: o.fingerprint}, nil
}

// errKeyReused is the answer to a key sent again with another request.
func errKeyReused() error {
	return entities.BadInput("idempotencyKey", "this key was already used for a different request in the last %v; use a new key", IdempotencyWindow)
}

// storedResult is the JSON form of a Result.
type storedResult struct {
	Snapshots []storedSnapshot `json:"snapshots"`
	Appended  []Envelope       `json:"appended,omitempty"`
}

type storedSnapshot struct {
	Kind    entities.Kind   `json:"kind"`
	ID      string          `json:"id"`
	Version int64           `json:"v,omitempty"`
	Seq     int64           `json:"seq,omitempty"`
	State   json.RawMessage `json:"state,omitempty"`
}

// putItem is the transaction item recording res under the key, written
// only if the key has no live result.
func (id *idempotency) putItem(tableName string, res Result, now time.Time) (types.TransactWriteItem, error) {
	var st storedResult
	for sid, snap := range res.Snapshots {
		ss := storedSnapshot{Kind: sid.Kind(), ID: sid.String(), Version: snap.Version, Seq: snap.Seq}
		if snap.State != nil {
			raw, err := marshalStored(snap.State)
			if err != nil {
				return types.TransactWriteItem{}, fmt.Errorf("events: encoding %s state: %w", sid.Kind(), err)
			}
			ss.State = raw
		}
		st.Snapshots = append(st.Snapshots, ss)
	}
	st.Appended = res.Appended
	raw, err := marshalStored(st)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	if _, err := zw.Write(raw); err != nil {
		return types.TransactWriteItem{}, err
	}
	if err := zw.Close(); err != nil {
		return types.TransactWriteItem{}, err
	}
	item := map[string]types.AttributeValue{
		table.AttrPK:   s(id.key.PK),
		table.AttrSK:   s(id.key.SK),
		table.AttrType: s(table.TypeIdempotency),
		attrIdemActor:  s(id.actor),
		attrIdemKey:    s(id.raw),
		attrIdemHash:   s(id.fingerprint),
		attrIdemResult: &types.AttributeValueMemberB{Value: zipped.Bytes()},
		attrIdemAt:     s(now.UTC().Format(timeLayout)),
		table.AttrTTL:  n(now.Add(IdempotencyWindow).Unix()),
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                           aws.String(tableName),
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(PK) OR #ttl <= :now"),
		ExpressionAttributeNames:            map[string]string{"#ttl": table.AttrTTL},
		ExpressionAttributeValues:           map[string]types.AttributeValue{":now": n(now.Unix())},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, nil
}

// replay returns the result stored in item, or ok false when item holds
// none that is live at now (absent or expired: TTL deletion is lazy). A
// live item of another request is BAD_USER_INPUT.
func (id *idempotency) replay(item map[string]types.AttributeValue, now time.Time) (Result, bool, error) {
	if item == nil {
		return Result{}, false, nil
	}
	if exp, ok := getN(item, table.AttrTTL); ok && exp <= now.Unix() {
		return Result{}, false, nil
	}
	if h, _ := getS(item, attrIdemHash); h != id.fingerprint {
		return Result{}, false, errKeyReused()
	}
	res, err := decodeStoredResult(item)
	if err != nil {
		return Result{}, false, err
	}
	return res, true, nil
}

func decodeStoredResult(item map[string]types.AttributeValue) (Result, error) {
	b, ok := item[attrIdemResult].(*types.AttributeValueMemberB)
	if !ok {
		return Result{}, fmt.Errorf("events: idempotency item without a result")
	}
	zr, err := gzip.NewReader(bytes.NewReader(b.Value))
	if err != nil {
		return Result{}, fmt.Errorf("events: idempotency result: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return Result{}, fmt.Errorf("events: idempotency result: %w", err)
	}
	var st storedResult
	if err := json.Unmarshal(raw, &st); err != nil {
		return Result{}, fmt.Errorf("events: idempotency result: %w", err)
	}
	res := Result{Snapshots: make(map[entities.ID]entities.Snapshot, len(st.Snapshots)), Appended: st.Appended, Replayed: true}
	for _, ss := range st.Snapshots {
		sid, err := ParseID(ss.Kind, ss.ID)
		if err != nil {
			return Result{}, err
		}
		snap := entities.Snapshot{ID: sid, Version: ss.Version, Seq: ss.Seq}
		if len(ss.State) > 0 && string(ss.State) != "null" {
			if snap.State, err = entities.DecodeState(ss.Kind, ss.State); err != nil {
				return Result{}, err
			}
		}
		res.Snapshots[sid] = snap
	}
	return res, nil
}
