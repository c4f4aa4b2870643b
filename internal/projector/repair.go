package projector

// Repairs from the event log: a gap in the stream (lost or trimmed
// records) is filled by applying the aggregate's events from the log.

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
)

// Repair brings the read model of id up to version upTo from the event log:
// it reads the marker and the log, folds the state up to the marker, and
// applies the missing events in chunks. It is how gaps from lost or trimmed
// stream data are closed.
func (ap *Applier) Repair(ctx context.Context, id entities.ID, upTo int64) error {
	_, err := ap.repair(ctx, id, upTo)
	return err
}

// repair is Repair that returns the marker's version it started from.
func (ap *Applier) repair(ctx context.Context, id entities.ID, upTo int64) (int64, error) {
	p, err := events.Partition(id)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrPoison, err)
	}
	mk, err := ap.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(ap.table), Key: table.MarkerKey(p).AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return 0, fmt.Errorf("projector: reading marker of %v: %w", id, err)
	}
	applied := markerVersion(mk.Item)
	if applied >= upTo {
		return applied, nil
	}
	log, err := loadLog(ctx, ap.db, ap.table, p, upTo)
	if err != nil {
		return applied, err
	}
	var state entities.State
	for _, env := range log {
		if env.Version > applied {
			break
		}
		ev, err := ap.codec.Decode(env)
		if err != nil {
			return applied, fmt.Errorf("%w: %v", ErrPoison, err)
		}
		if state, err = entities.Evolve(state, ev, env.At); err != nil {
			return applied, fmt.Errorf("%w: %v", ErrPoison, err)
		}
	}
	missing := log[min(int(applied), len(log)):]
	return applied, ap.ApplyLog(ctx, id, state, applied, missing)
}

// ApplyLog applies consecutive events of one aggregate, starting from state
// at version from, in chunks that fit one transaction.
func (ap *Applier) ApplyLog(ctx context.Context, id entities.ID, state entities.State, from int64, envs []events.Envelope) error {
	const chunk = 16
	for len(envs) > 0 {
		n := min(chunk, len(envs))
		err := ap.applyEvents(ctx, id, state, envs[:n])
		var behind errBehind
		if errors.As(err, &behind) {
			return fmt.Errorf("projector: repairing %v: the read model is at version %d, not %d", id, behind.applied, from)
		}
		if err != nil {
			return err
		}
		for _, env := range envs[:n] {
			ev, err := ap.codec.Decode(env)
			if err != nil {
				return fmt.Errorf("%w: %v", ErrPoison, err)
			}
			if state, err = entities.Evolve(state, ev, env.At); err != nil {
				return fmt.Errorf("%w: %v", ErrPoison, err)
			}
		}
		from = envs[n-1].Version
		envs = envs[n:]
	}
	return nil
}

// loadLog reads an aggregate's events up to version upTo, in order.
func loadLog(ctx context.Context, db *dynamodb.Client, tableName string, p table.Partition, upTo int64) ([]events.Envelope, error) {
	in := &dynamodb.QueryInput{
		TableName:              aws.String(tableName),
		KeyConditionExpression: aws.String("PK = :pk AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": sv(string(p)), ":lo": sv(table.EventKey(p, 1).SK), ":hi": sv(table.EventKey(p, upTo).SK),
		},
		ConsistentRead: aws.Bool(true),
	}
	var out []events.Envelope
	pager := dynamodb.NewQueryPaginator(db, in)
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("projector: reading event log of %s: %w", p, err)
		}
		for _, it := range page.Items {
			env, err := events.DecodeEventItem(it)
			if err != nil {
				return nil, fmt.Errorf("%w: %v", ErrPoison, err)
			}
			out = append(out, env)
		}
	}
	for i, env := range out {
		if env.Version != int64(i+1) {
			return nil, fmt.Errorf("projector: event log of %s has a hole at version %d", p, i+1)
		}
	}
	return out, nil
}
