package testkit

// Helpers for the whole-domain acceptance tests: replays of a grouped
// event log in a chosen order, waiting for the projector over every
// aggregate, and reading single items and one partition's history.

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/table"
)

// RepositoriesFirst ranks aggregate partitions for RebuildGroups:
// accounts, then memberships, then repositories, then everything that
// hangs off a repository (stars, issues, pull requests, comments,
// reactions). Relations of a reused repository name must find the
// repository's earlier lives already replayed (see internal/projector,
// apply.go, "Deletes: purges, tombstones and guards").
func RepositoriesFirst(partition string) int {
	switch {
	case strings.HasPrefix(partition, "ACCOUNT#"):
		return 0
	case strings.HasPrefix(partition, "MEMBER#"):
		return 1
	case strings.HasPrefix(partition, "REPO#"):
		return 2
	}
	return 3
}

// RebuildGroups replays a grouped event log into tbl with a fresh
// Applier, one aggregate at a time (its whole log), aggregates ordered by
// rank and then by partition.
func RebuildGroups(ctx context.Context, db *dynamodb.Client, tbl string, log map[string][]events.Envelope, rank func(partition string) int) error {
	ap := projector.NewApplier(db, tbl, events.NewCodec())
	parts := make([]string, 0, len(log))
	for p := range log {
		parts = append(parts, p)
	}
	sort.Slice(parts, func(i, j int) bool {
		ri, rj := rank(parts[i]), rank(parts[j])
		if ri != rj {
			return ri < rj
		}
		return parts[i] < parts[j]
	})
	for _, p := range parts {
		g := log[p]
		id, err := events.ParseID(g[0].Kind, g[0].Aggregate)
		if err != nil {
			return err
		}
		if err := ap.ApplyLog(ctx, id, nil, 0, g); err != nil {
			return fmt.Errorf("rebuilding %s: %w", p, err)
		}
	}
	return nil
}

// CommitOrder returns every envelope of a grouped log in the order the
// events were committed: by time (the appending command's clock), then
// partition, then version. It fails if that order contradicts an
// aggregate's version order.
func CommitOrder(log map[string][]events.Envelope) ([]PartitionEnvelope, error) {
	var all []PartitionEnvelope
	for p, g := range log {
		for _, env := range g {
			all = append(all, PartitionEnvelope{Partition: p, Env: env})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if !a.Env.At.Equal(b.Env.At) {
			return a.Env.At.Before(b.Env.At)
		}
		if a.Partition != b.Partition {
			return a.Partition < b.Partition
		}
		return a.Env.Version < b.Env.Version
	})
	next := map[string]int64{}
	for _, pe := range all {
		if want := next[pe.Partition] + 1; pe.Env.Version != want {
			return nil, fmt.Errorf("commit order of %s: version %d comes where %d should", pe.Partition, pe.Env.Version, want)
		}
		next[pe.Partition] = pe.Env.Version
	}
	return all, nil
}

// PartitionEnvelope is one event with its aggregate's partition.
type PartitionEnvelope struct {
	Partition string
	Env       events.Envelope
}

// RebuildInCommitOrder replays a grouped event log into tbl with a fresh
// Applier event by event, interleaving aggregates in commit order
// (CommitOrder): the order a projector without lag would have seen.
func RebuildInCommitOrder(ctx context.Context, db *dynamodb.Client, tbl string, log map[string][]events.Envelope) error {
	order, err := CommitOrder(log)
	if err != nil {
		return err
	}
	return ReplayInOrder(ctx, db, tbl, order)
}

// ReplayInOrder applies events to tbl's read model one at a time in the
// given order, with a fresh Applier, as a projector would that received
// them in that order; each aggregate's events must come in version order.
func ReplayInOrder(ctx context.Context, db *dynamodb.Client, tbl string, order []PartitionEnvelope) error {
	ap := projector.NewApplier(db, tbl, events.NewCodec())
	codec := events.NewCodec()
	type agg struct {
		id    entities.ID
		state entities.State
		v     int64
	}
	aggs := map[string]*agg{}
	for _, pe := range order {
		a := aggs[pe.Partition]
		if a == nil {
			id, err := events.ParseID(pe.Env.Kind, pe.Env.Aggregate)
			if err != nil {
				return err
			}
			a = &agg{id: id}
			aggs[pe.Partition] = a
		}
		if pe.Env.Version != a.v+1 {
			return fmt.Errorf("replaying %s: version %d after %d", pe.Partition, pe.Env.Version, a.v)
		}
		if err := ap.ApplyLog(ctx, a.id, a.state, a.v, []events.Envelope{pe.Env}); err != nil {
			return fmt.Errorf("replaying %s v%d: %w", pe.Partition, pe.Env.Version, err)
		}
		ev, err := codec.Decode(pe.Env)
		if err != nil {
			return err
		}
		if a.state, err = entities.Evolve(a.state, ev, pe.Env.At); err != nil {
			return err
		}
		a.v = pe.Env.Version
	}
	return nil
}

// WithPartitions pairs envelopes (e.g. a command's events.Result.Appended)
// with their aggregates' partitions.
func WithPartitions(envs []events.Envelope) ([]PartitionEnvelope, error) {
	out := make([]PartitionEnvelope, len(envs))
	for i, env := range envs {
		p, err := partitionOf(env)
		if err != nil {
			return nil, err
		}
		out[i] = PartitionEnvelope{Partition: string(p), Env: env}
	}
	return out, nil
}

// AwaitProjected waits until the projector reflects every head of srv's
// table (each aggregate's marker at its head's version) and returns the
// number of aggregates.
func AwaitProjected(tb testing.TB, srv *Server, deadline time.Duration) int {
	tb.Helper()
	var n, behind int
	var err error
	ok := Poll(deadline, func() bool {
		n, behind, err = Progress(context.Background(), srv.DB(), srv.Table())
		return err == nil && n > 0 && behind == 0
	})
	if !ok {
		tb.Fatalf("testkit: the projector did not catch up within %v: %d aggregates, %d behind (err %v)", deadline, n, behind, err)
	}
	return n
}

// GetItem reads one item by key (consistently); nil when there is none.
func GetItem(tb testing.TB, srv *Server, k table.Key) Item {
	tb.Helper()
	res, err := srv.DB().GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(srv.Table()), Key: k.AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		tb.Fatalf("testkit: get %v: %v", k, err)
	}
	return res.Item
}

// NumberAttr returns the number attribute name of it (0 when absent).
func NumberAttr(tb testing.TB, it Item, name string) int {
	tb.Helper()
	s := N(it, name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		tb.Fatalf("testkit: attribute %s = %q: %v", name, s, err)
	}
	return n
}

// QueryPrefix returns the items of partition pk (of the table, or of
// index when set) whose sort key begins with prefix, all pages, in key
// order: an access pattern read directly, to see what the read model
// holds.
func QueryPrefix(tb testing.TB, srv *Server, index, pk, prefix string) []Item {
	tb.Helper()
	pkName, skName := table.AttrPK, table.AttrSK
	in := &dynamodb.QueryInput{
		TableName:              aws.String(srv.Table()),
		KeyConditionExpression: aws.String("#pk = :pk AND begins_with(#sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": &types.AttributeValueMemberS{Value: pk}, ":prefix": &types.AttributeValueMemberS{Value: prefix},
		},
	}
	if index != "" {
		pkName, skName = index+"PK", index+"SK"
		in.IndexName = aws.String(index)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	in.ExpressionAttributeNames = map[string]string{"#pk": pkName, "#sk": skName}
	var out []Item
	p := dynamodb.NewQueryPaginator(srv.DB(), in)
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			tb.Fatalf("testkit: query %s %s %q: %v", index, pk, prefix, err)
		}
		out = append(out, page.Items...)
	}
	return out
}

// History returns the events of one aggregate partition, oldest first:
// the history access pattern (Query begins_with EVENT#0).
func History(tb testing.TB, srv *Server, p table.Partition) []events.Envelope {
	tb.Helper()
	var out []events.Envelope
	for _, it := range QueryPrefix(tb, srv, "", string(p), table.EventSKPrefix) {
		env, err := events.DecodeEventItem(it)
		if err != nil {
			tb.Fatalf("testkit: event %s/%s: %v", S(it, table.AttrPK), S(it, table.AttrSK), err)
		}
		out = append(out, env)
	}
	return out
}

// EventTypes lists the types of envs, in order.
func EventTypes(envs []events.Envelope) []string {
	out := make([]string, len(envs))
	for i, e := range envs {
		out[i] = e.Type
	}
	return out
}
