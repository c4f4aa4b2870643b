package loaders

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/stackgrow"
	"github.com/hubstream/hubstream/internal/table"
)

// maxBatchGet is DynamoDB's BatchGetItem key limit.
const maxBatchGet = 100

// maxUnprocessedRetries bounds retries of UnprocessedKeys before the batch
// fails: DynamoDB returns them under throttling, which backoff resolves.
const maxUnprocessedRetries = 8

// batchGet reads keys with as few BatchGetItem calls as the 100-key limit
// allows, retrying UnprocessedKeys with jittered backoff. The result is
// aligned with keys; a missing item is nil. Duplicate keys are read once.
func batchGet(ctx context.Context, db *dynamodb.Client, tableName string, keys []table.Key) ([]map[string]types.AttributeValue, error) {
	// A batch runs on a fresh goroutine (the dataloader's): grow its stack
	// once for the SDK call rather than once per doubling.
	stackgrow.Grow()
	found := make(map[table.Key]map[string]types.AttributeValue, len(keys))
	var unique []table.Key
	seen := make(map[table.Key]bool, len(keys))
	for _, k := range keys {
		// A key DynamoDB would reject (a login of megabytes, say) cannot
		// name an item; leave it out rather than fail the whole batch.
		if !seen[k] && k.Storable() {
			seen[k] = true
			unique = append(unique, k)
		}
	}
	for start := 0; start < len(unique); start += maxBatchGet {
		chunk := unique[start:min(start+maxBatchGet, len(unique))]
		avs := make([]map[string]types.AttributeValue, len(chunk))
		for i, k := range chunk {
			avs[i] = k.AV()
		}
		req := map[string]types.KeysAndAttributes{tableName: {Keys: avs}}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				if attempt > maxUnprocessedRetries {
					return nil, fmt.Errorf("loaders: keys still unprocessed after %d retries", maxUnprocessedRetries)
				}
				if err := sleepBackoff(ctx, attempt); err != nil {
					return nil, err
				}
			}
			res, err := db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, fmt.Errorf("loaders: batch get: %w", err)
			}
			for _, it := range res.Responses[tableName] {
				pk, _ := it[table.AttrPK].(*types.AttributeValueMemberS)
				sk, _ := it[table.AttrSK].(*types.AttributeValueMemberS)
				if pk != nil && sk != nil {
					found[table.Key{PK: pk.Value, SK: sk.Value}] = it
				}
			}
			req = res.UnprocessedKeys
		}
	}
	out := make([]map[string]types.AttributeValue, len(keys))
	for i, k := range keys {
		out[i] = found[k]
	}
	return out, nil
}

// sleepBackoff waits before retry attempt (≥ 1) of UnprocessedKeys:
// about 8 ms, doubling up to 500 ms, jittered. It returns the context's
// error if ctx is done first.
func sleepBackoff(ctx context.Context, attempt int) error {
	return table.Backoff{Base: 8 * time.Millisecond, Max: 500 * time.Millisecond}.Sleep(ctx, attempt-1)
}
