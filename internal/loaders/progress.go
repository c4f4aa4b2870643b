package loaders

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
)

// The projection's progress, as readers can observe it wherever the
// projector runs (in process, as its own process, as a Lambda function):
// every aggregate partition holds a projection marker (table.MarkerKey)
// whose version moves in the same transaction as the read items that
// version's events project to. A version is visible to reads once its
// marker is at or past it.

// Mark is a version of an aggregate that a write appended: reads reflect
// it once the aggregate's projection marker reaches Version.
type Mark struct {
	Partition table.Partition
	Version   int64
}

// MaxMarks bounds how many marks one wait (and one consistency token)
// covers: a mutation appends to a handful of aggregates.
const MaxMarks = maxBatchGet

// errTooManyMarks: a wait for more marks than one BatchGetItem reads.
var errTooManyMarks = errors.New("loaders: too many marks to wait for")

// Projected reports whether every mark is projected: one strongly
// consistent BatchGetItem of their markers, outside the request's cache.
// More than MaxMarks marks is an error; so is a read failure.
func (l *Loaders) Projected(ctx context.Context, marks []Mark) (bool, error) {
	if len(marks) == 0 {
		return true, nil
	}
	if len(marks) > MaxMarks {
		return false, errTooManyMarks
	}
	want := map[table.Key]int64{}
	for _, m := range marks {
		k := table.MarkerKey(m.Partition)
		if !k.Storable() {
			return false, fmt.Errorf("loaders: mark of unstorable partition %.40q", m.Partition)
		}
		want[k] = max(want[k], m.Version)
	}
	keys := make([]map[string]types.AttributeValue, 0, len(want))
	for k := range want {
		keys = append(keys, k.AV())
	}
	req := map[string]types.KeysAndAttributes{l.src.Table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(req) > 0; attempt++ {
		if attempt > 0 {
			if attempt > maxUnprocessedRetries {
				return false, fmt.Errorf("loaders: markers still unprocessed after %d retries", maxUnprocessedRetries)
			}
			if err := sleepBackoff(ctx, attempt); err != nil {
				return false, err
			}
		}
		res, err := l.src.DB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		if err != nil {
			return false, fmt.Errorf("loaders: reading projection markers: %w", err)
		}
		for _, it := range res.Responses[l.src.Table] {
			pk, _ := it[table.AttrPK].(*types.AttributeValueMemberS)
			sk, _ := it[table.AttrSK].(*types.AttributeValueMemberS)
			if pk == nil || sk == nil {
				continue
			}
			k := table.Key{PK: pk.Value, SK: sk.Value}
			if v, ok := want[k]; ok && markerVersion(it) >= v {
				delete(want, k)
			}
		}
		req = res.UnprocessedKeys
	}
	return len(want) == 0, nil
}

// markerVersion is the version a projection marker records (0 without
// one).
func markerVersion(it map[string]types.AttributeValue) int64 {
	v, ok := it[table.AttrVersion].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// Await polls Projected until every mark is projected (true), timeout
// passes (false, nil) or ctx ends (its error). It polls after 1 ms, then
// doubling up to 20 ms apart, so that an in-process projector (a few
// milliseconds behind) is seen at once and a remote one costs at most 50
// reads a second per waiting request. Read errors are returned.
func (l *Loaders) Await(ctx context.Context, marks []Mark, timeout time.Duration) (bool, error) {
	deadline := time.Now().Add(timeout)
	pause := time.Millisecond
	for {
		ok, err := l.Projected(ctx, marks)
		if err != nil || ok {
			return ok, err
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false, nil
		}
		t := time.NewTimer(min(pause, left))
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, 20*time.Millisecond)
	}
}
