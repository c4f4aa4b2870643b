package projector_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// aggLog builds the event log of one aggregate for the purge tests.
type aggLog struct {
	id   entities.ID
	envs []events.Envelope
}

var purgeT0 = time.Date(2024, 7, 1, 9, 0, 0, 0, time.UTC)

func newAggLog(id entities.ID) *aggLog { return &aggLog{id: id} }

// add appends e at purgeT0 plus minutes.
func (l *aggLog) add(t *testing.T, minutes int, e entities.Event) *aggLog {
	t.Helper()
	data, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	l.envs = append(l.envs, events.Envelope{
		Kind: l.id.Kind(), Aggregate: l.id.String(), Type: e.EventType(), Version: int64(len(l.envs) + 1),
		At: purgeT0.Add(time.Duration(minutes) * time.Minute), Command: "c", Schema: events.SchemaOf(e.EventType()), Data: data,
	})
	return l
}

// state folds the first n events.
func (l *aggLog) state(t *testing.T, n int) entities.State {
	t.Helper()
	codec := events.NewCodec()
	var s entities.State
	for _, env := range l.envs[:n] {
		ev, err := codec.Decode(env)
		if err != nil {
			t.Fatal(err)
		}
		if s, err = entities.Evolve(s, ev, env.At); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// apply applies events from..to (1-based, inclusive) as one append.
func (l *aggLog) apply(t *testing.T, ap *projector.Applier, from, to int) {
	t.Helper()
	a := projector.Append{ID: l.id, Before: l.state(t, from-1), BeforeVersion: int64(from - 1), Events: l.envs[from-1 : to]}
	if err := ap.Apply(context.Background(), a); err != nil {
		t.Fatalf("applying %v v%d..%d: %v", l.id, from, to, err)
	}
}

func getItem(t *testing.T, db *dynamodb.Client, tbl string, k table.Key) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(tbl), Key: k.AV(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func numAttr(it map[string]types.AttributeValue, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		return v.Value
	}
	return ""
}

// partitionItems returns the sort keys of the items in partition pk.
func partitionItems(t *testing.T, db *dynamodb.Client, tbl, pk string) []string {
	t.Helper()
	out, err := db.Query(context.Background(), &dynamodb.QueryInput{
		TableName: aws.String(tbl), KeyConditionExpression: aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: pk}}, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	var sks []string
	for _, it := range out.Items {
		sks = append(sks, it[table.AttrSK].(*types.AttributeValueMemberS).Value)
	}
	return sks
}

// purgeWorld is a repository octo/r with one star by mona, issue #1 with a
// comment and a reaction, and the repository's delete, as separate logs.
type purgeWorld struct {
	repo, user, star, issue, comment, reaction *aggLog
}

func newPurgeWorld(t *testing.T) purgeWorld {
	repositoryID := entities.NewRepositoryID("octo", "r")
	issueID := entities.NewIssueID(repositoryID, 1)
	w := purgeWorld{
		user:     newAggLog(entities.NewAccountID("mona")).add(t, 0, &entities.UserCreated{Login: "mona"}),
		repo:     newAggLog(repositoryID).add(t, 1, &entities.RepositoryCreated{Owner: "octo", Name: "r"}),
		star:     newAggLog(entities.NewStarID("mona", repositoryID)).add(t, 2, &entities.Starred{Login: "mona", Owner: "octo", Name: "r", RepositoryLife: 1}),
		issue:    newAggLog(issueID).add(t, 3, &entities.IssueOpened{Owner: "octo", Repository: "r", Number: 1, Title: "t", Author: "mona", Life: 1}),
		comment:  newAggLog(entities.NewCommentID(repositoryID, 1, "0001")).add(t, 4, &entities.CommentAdded{Owner: "octo", Repository: "r", Number: 1, Subject: entities.KindIssue, ID: "0001", Body: "b", Author: "mona", Life: 1}),
		reaction: newAggLog(entities.NewReactionID(issueID, "mona", entities.ReactionHeart)).add(t, 5, &entities.ReactionAdded{Content: entities.ReactionHeart, Life: 1}),
	}
	w.repo.add(t, 10, &entities.RepositoryDeleted{LastNumber: 1})
	return w
}

// TestRepositoryPurge applies a repository's delete after everything under
// it was projected: the purge removes the repository item, the star (and
// uncounts it on the user), the issue with its partition's reaction, and
// the comment, and leaves the write side and markers alone. Delivering the
// delete again changes nothing.
func TestRepositoryPurge(t *testing.T) {
	db, tbl := testkit.MemTable(t)
	ap := projector.NewApplier(db, tbl, events.NewCodec())
	w := newPurgeWorld(t)
	w.user.apply(t, ap, 1, 1)
	w.repo.apply(t, ap, 1, 1)
	for _, l := range []*aggLog{w.star, w.issue, w.comment, w.reaction} {
		l.apply(t, ap, 1, 1)
	}
	repositoryKey := table.RepositoryKey("octo", "r")
	if it := getItem(t, db, tbl, repositoryKey); numAttr(it, readmodel.AttrStargazerCount) != "1" || numAttr(it, readmodel.AttrOpenIssueCount) != "1" {
		t.Fatalf("before the delete, repository item = %v", it)
	}
	issuePK := string(table.IssuePartition("octo", "r", 1))
	if sks := partitionItems(t, db, tbl, issuePK); len(sks) < 3 {
		t.Fatalf("before the delete, issue partition holds %v, want the issue, its reaction and the marker", sks)
	}

	for range 2 { // the second delivery is a duplicate
		w.repo.apply(t, ap, 2, 2)
		if it := getItem(t, db, tbl, repositoryKey); it != nil {
			t.Fatalf("repository item survived the delete: %v", it)
		}
		if got := numAttr(getItem(t, db, tbl, table.AccountKey("mona")), readmodel.AttrStarredCount); got != "0" {
			t.Fatalf("mona's starredCount = %q, want 0", got)
		}
		if got := numAttr(getItem(t, db, tbl, table.AccountKey("octo")), readmodel.AttrRepositoryCount); got != "0" {
			t.Fatalf("octo's repositoryCount = %q, want 0", got)
		}
		wantPurged(t, db, tbl)
	}
}

// TestLateEventsOfDeletedRepository projects the delete first and the
// star, issue, comment and reaction afterwards, as a lagging projector or
// a rebuild may: their guarded writes are dropped, nothing reappears, no
// counter residue is left (mona's starredCount is 0, as when the star is
// projected first and then purged), and their markers still advance.
func TestLateEventsOfDeletedRepository(t *testing.T) {
	db, tbl := testkit.MemTable(t)
	ap := projector.NewApplier(db, tbl, events.NewCodec())
	w := newPurgeWorld(t)
	w.user.apply(t, ap, 1, 1)
	w.repo.apply(t, ap, 1, 2)
	for _, l := range []*aggLog{w.star, w.issue, w.comment, w.reaction} {
		l.apply(t, ap, 1, 1)
		p, _ := events.Partition(l.id)
		if got := numAttr(getItem(t, db, tbl, table.Key{PK: string(p), SK: "PROJECTION"}), table.AttrVersion); got != "1" {
			t.Fatalf("%v: marker at %q, want 1", l.id, got)
		}
	}
	if it := getItem(t, db, tbl, table.RepositoryKey("octo", "r")); it != nil {
		t.Fatalf("late events left a repository item (counter residue): %v", it)
	}
	// As in TestRepositoryPurge (the star projected before the delete,
	// then uncounted): 0, not absent, so the order leaves no trace.
	if it := getItem(t, db, tbl, table.AccountKey("mona")); numAttr(it, readmodel.AttrStarredCount) != "0" {
		t.Fatalf("late star: mona's starredCount = %q, want 0: %v", numAttr(it, readmodel.AttrStarredCount), it)
	}
	wantPurged(t, db, tbl)
}

// TestPurgeMatchesItsLife reuses the name and projects the new life's star
// before the old life's delete (the repository's partition lagging): the
// purge deletes only what belongs to the old life, so the new star stays
// and mona's starredCount ends at 1. Redelivering the old delete later is
// skipped by the marker check and touches nothing.
func TestPurgeMatchesItsLife(t *testing.T) {
	db, tbl := testkit.MemTable(t)
	ap := projector.NewApplier(db, tbl, events.NewCodec())
	w := newPurgeWorld(t)
	w.user.apply(t, ap, 1, 1)
	w.repo.add(t, 20, &entities.RepositoryCreated{Owner: "octo", Name: "R", NumberBase: 1})
	w.star.add(t, 21, &entities.Starred{Login: "mona", Owner: "octo", Name: "R", RepositoryLife: 2})
	w.repo.apply(t, ap, 1, 1)
	w.star.apply(t, ap, 1, 1)
	w.star.apply(t, ap, 2, 2)
	w.repo.apply(t, ap, 2, 3)
	w.repo.apply(t, ap, 2, 2) // the old delete, redelivered
	if it := getItem(t, db, tbl, table.RepositoryKey("octo", "r")); numAttr(it, table.ReadLife) != "2" {
		t.Fatalf("repository item = %v, want the second life", it)
	}
	if got := numAttr(getItem(t, db, tbl, table.AccountKey("mona")), readmodel.AttrStarredCount); got != "1" {
		t.Fatalf("mona's starredCount = %q, want 1", got)
	}
	sks := partitionItems(t, db, tbl, string(table.AccountPartition("mona")))
	if len(sks) != 3 || sks[2] != "STAR#octo#r#2024-07-01T09:21:00.000000000Z" {
		t.Fatalf("mona's partition = %v, want her account item, marker and the second life's star", sks)
	}
}

// wantPurged checks what the purge of octo/r's first life leaves: mona's
// account item and marker, the marker of its issue #1, and the
// repository partition's marker and tombstone.
func wantPurged(t *testing.T, db *dynamodb.Client, tbl string) {
	t.Helper()
	if got := partitionItems(t, db, tbl, string(table.AccountPartition("mona"))); len(got) != 2 {
		t.Fatalf("mona's partition = %v, want only her account item and marker", got)
	}
	if got := partitionItems(t, db, tbl, string(table.IssuePartition("octo", "r", 1))); len(got) != 1 || got[0] != "PROJECTION" {
		t.Fatalf("issue partition = %v, want only the marker", got)
	}
	want := []string{"PROJECTION", "TOMBSTONE#00000001"}
	if got := partitionItems(t, db, tbl, string(table.RepositoryPartition("octo", "r"))); !slices.Equal(got, want) {
		t.Fatalf("repository partition = %v, want %v", got, want)
	}
}

// TestConcurrentStarsAndDelete stars and unstars a repository from many
// users while its owner deletes it, through the real Executor, then
// projects every aggregate in a shuffled order: the condition check on the
// repository head means no star commits after the delete, and purge plus
// guards leave no star item, no star counted on any user and no
// repository item, whatever the order.
func TestConcurrentStarsAndDelete(t *testing.T) {
	db, tbl := testkit.MemTable(t)
	ctx := context.Background()
	x := events.NewExecutor(events.NewStore(db, tbl, nil), events.ExecutorOptions{})
	ap := projector.NewApplier(db, tbl, events.NewCodec())
	logins := []string{"owner", "u1", "u2", "u3", "u4", "u5", "u6"}
	for _, u := range logins {
		if _, err := x.Execute(ctx, u, entities.CreateUser{Login: u}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := x.Execute(ctx, "owner", entities.CreateRepository{Owner: "owner", Name: "r", Actor: "owner"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, u := range logins[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range 6 {
				var cmd entities.Command = entities.StarRepository{Owner: "owner", Name: "r", Actor: u}
				if i%2 == 1 {
					cmd = entities.UnstarRepository{Owner: "owner", Name: "r", Actor: u}
				}
				if _, err := x.Execute(ctx, u, cmd); err != nil && !errors.Is(err, entities.ErrNotFound) {
					t.Errorf("%s: %v", u, err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-start
		time.Sleep(2 * time.Millisecond)
		if _, err := x.Execute(ctx, "owner", entities.DeleteRepository{Owner: "owner", Name: "r", Actor: "owner"}); err != nil {
			t.Errorf("delete: %v", err)
		}
	}()
	close(start)
	wg.Wait()

	repositoryID := entities.NewRepositoryID("owner", "r")
	ids := []entities.ID{repositoryID}
	for _, u := range logins {
		ids = append(ids, entities.NewAccountID(u), entities.NewStarID(u, repositoryID))
	}
	rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	heads, err := events.NewStore(db, tbl, nil).LoadHeads(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if v := heads[id].Snapshot.Version; v > 0 {
			if err := ap.Repair(ctx, id, v); err != nil {
				t.Fatalf("projecting %v: %v", id, err)
			}
		}
	}
	if it := getItem(t, db, tbl, table.RepositoryKey("owner", "r")); it != nil {
		t.Fatalf("repository item after delete: %v", it)
	}
	for _, u := range logins {
		if n := numAttr(getItem(t, db, tbl, table.AccountKey(u)), readmodel.AttrStarredCount); n != "" && n != "0" {
			t.Errorf("%s: starredCount %s, want 0", u, n)
		}
		for _, sk := range partitionItems(t, db, tbl, string(table.AccountPartition(u))) {
			if strings.HasPrefix(sk, "STAR#") {
				t.Errorf("%s: star item %s survived the delete", u, sk)
			}
		}
	}
}
