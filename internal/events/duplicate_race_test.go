package events_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestDuplicateLosesTheRaceAfterDeciding forces the interleaving of two
// copies of one idempotent mutation in which both read the heads before
// either wrote: the racing copy decides, then — just before its
// TransactWriteItems leaves — the other copy runs and commits (and, in
// some cases, the repository changes after it). The racing write fails on
// the idempotency item and the racing copy must answer the winner's
// result as a later retry would: under the heads as they are after the
// winner (what it created exists, what it changed shows changed), and
// NOT_FOUND once the repository was deleted or hidden from the viewer —
// never judged on the heads it decided on, which predate the winner.
func TestDuplicateLosesTheRaceAfterDeciding(t *testing.T) {
	ctx := context.Background()
	eng := testkit.MemEngine(t)
	racer := &interleaver{base: eng.HTTPClient()}
	var store *events.Store
	mk := func(h aws.HTTPClient) *events.Executor {
		clients, name := testkit.TableVia(t, h)
		store = events.NewStore(clients.DB, name, nil)
		return events.NewExecutor(store, events.ExecutorOptions{})
	}
	other := mk(eng.HTTPClient()) // the copy that wins
	racing := mk(racer)           // the copy that decided first and writes last
	run := func(t *testing.T, actor string, cmd entities.Command, opts ...events.ExecOption) events.Result {
		t.Helper()
		res, err := other.Execute(ctx, actor, cmd, append(opts, events.AsUser())...)
		if err != nil {
			t.Fatalf("%T: %v", cmd, err)
		}
		return res
	}
	for _, u := range []string{"alice", "bob"} {
		run(t, u, entities.CreateUser{Login: u})
	}
	private, description := true, "described"
	comment := func(r entities.RepositoryID, copy int) string {
		return entities.NewCommentLocalID(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), [10]byte{byte(len(r.Name())), byte(copy)})
	}
	cases := []struct {
		name  string
		actor string
		// cmd is the copy's command (0 wins, 1 races) on repository r,
		// which has issue #1.
		cmd func(r entities.RepositoryID, copy int) entities.Command
		// then runs after the winner, before the racing write (nil: nothing).
		then func(t *testing.T, r entities.RepositoryID)
		// hidden: the racing copy must be NOT_FOUND, not a replay.
		hidden bool
	}{
		{name: "starRepository creates the star the racing copy read as missing", actor: "bob",
			cmd: func(r entities.RepositoryID, _ int) entities.Command {
				return entities.StarRepository{Owner: r.Owner(), Name: r.Name(), Actor: "bob"}
			}},
		{name: "openIssue takes the number the racing copy read as free", actor: "bob",
			cmd: func(r entities.RepositoryID, _ int) entities.Command {
				return entities.OpenIssue{Actor: "bob", Repository: r, Title: "dup"}
			}},
		{name: "addComment with one comment id", actor: "bob",
			cmd: func(r entities.RepositoryID, _ int) entities.Command {
				return entities.AddComment{Actor: "bob", Repository: r, Number: 1, ID: comment(r, 0), Body: "dup"}
			}},
		{name: "addComment, each copy with its own comment id", actor: "bob",
			cmd: func(r entities.RepositoryID, copy int) entities.Command {
				return entities.AddComment{Actor: "bob", Repository: r, Number: 1, ID: comment(r, copy), Body: "dup"}
			}},
		{name: "updateRepository shows the repository as the winner left it", actor: "alice",
			cmd: func(r entities.RepositoryID, _ int) entities.Command {
				return entities.UpdateRepository{Owner: r.Owner(), Name: r.Name(), Description: &description, Actor: "alice"}
			}},
		{name: "createUser creates the account the racing copy read as missing", actor: "carol",
			cmd: func(entities.RepositoryID, int) entities.Command { return entities.CreateUser{Login: "carol"} }},
		{name: "addComment, then the repository is deleted", actor: "bob", hidden: true,
			cmd: func(r entities.RepositoryID, copy int) entities.Command {
				return entities.AddComment{Actor: "bob", Repository: r, Number: 1, ID: comment(r, copy), Body: "dup"}
			},
			then: func(t *testing.T, r entities.RepositoryID) {
				run(t, "alice", entities.DeleteRepository{Owner: r.Owner(), Name: r.Name(), Actor: "alice"})
			}},
		{name: "addComment, then the repository is made private to its author", actor: "bob", hidden: true,
			cmd: func(r entities.RepositoryID, copy int) entities.Command {
				return entities.AddComment{Actor: "bob", Repository: r, Number: 1, ID: comment(r, copy), Body: "dup"}
			},
			then: func(t *testing.T, r entities.RepositoryID) {
				run(t, "alice", entities.UpdateRepository{Owner: r.Owner(), Name: r.Name(), IsPrivate: &private, Actor: "alice"})
			}},
		{name: "updateRepository, then the repository is deleted", actor: "alice", hidden: true,
			cmd: func(r entities.RepositoryID, _ int) entities.Command {
				return entities.UpdateRepository{Owner: r.Owner(), Name: r.Name(), Description: &description, Actor: "alice"}
			},
			then: func(t *testing.T, r entities.RepositoryID) {
				run(t, "alice", entities.DeleteRepository{Owner: r.Owner(), Name: r.Name(), Actor: "alice"})
			}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			repo := entities.NewRepositoryID("alice", fmt.Sprintf("race%d", i))
			run(t, "alice", entities.CreateRepository{Owner: "alice", Name: repo.Name(), Actor: "alice"})
			run(t, "alice", entities.OpenIssue{Actor: "alice", Repository: repo, Title: "t"})
			key := events.Idempotent(fmt.Sprintf("race-%d", i), "fp")
			var winner events.Result
			ran := false
			racer.arm(func() {
				ran = true
				winner = run(t, c.actor, c.cmd(repo, 0), key)
				if c.then != nil {
					c.then(t, repo)
				}
			})
			got, err := racing.Execute(ctx, c.actor, c.cmd(repo, 1), key, events.AsUser())
			if !ran {
				t.Fatalf("the racing copy wrote nothing: the interleaving was not forced")
			}
			if winner.Replayed || len(winner.Appended) == 0 {
				t.Fatalf("the winner %+v, want a fresh execution that appended", winner)
			}
			if c.hidden {
				if !errors.Is(err, entities.ErrNotFound) {
					t.Fatalf("racing copy: %v (replayed %v), want NOT_FOUND", err, got.Replayed)
				}
				return
			}
			if err != nil {
				t.Fatalf("racing copy: %v, want the winner's result", err)
			}
			if !got.Replayed || len(got.Appended) != len(winner.Appended) {
				t.Fatalf("racing copy: replayed %v, appended %+v; want the winner's %+v replayed", got.Replayed, got.Appended, winner.Appended)
			}
			for j, e := range winner.Appended {
				if g := got.Appended[j]; g.Aggregate != e.Aggregate || g.Version != e.Version || g.Command != e.Command {
					t.Fatalf("racing copy appended[%d] = %s v%d (%s), want the winner's %s v%d (%s)", j, g.Aggregate, g.Version, g.Command, e.Aggregate, e.Version, e.Command)
				}
				id, err := events.ParseID(e.Kind, e.Aggregate)
				if err != nil {
					t.Fatal(err)
				}
				heads, err := store.LoadHeads(ctx, []entities.ID{id})
				if err != nil {
					t.Fatal(err)
				}
				if v := heads[id].Snapshot.Version; v != e.Version {
					t.Fatalf("%s is at version %d, want the winner's %d: the racing copy wrote too", e.Aggregate, v, e.Version)
				}
			}
			ids := make([]entities.ID, 0, len(winner.Snapshots))
			for id := range winner.Snapshots {
				ids = append(ids, id)
			}
			heads, err := store.LoadHeads(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range ids {
				want, g := heads[id].Snapshot, got.Snapshot(id)
				if g.Version != want.Version || g.Seq != want.Seq || g.Exists() != want.Exists() {
					t.Fatalf("racing copy shows %v at v%d seq %d (exists %v), the head is v%d seq %d (exists %v)", id, g.Version, g.Seq, g.Exists(), want.Version, want.Seq, want.Exists())
				}
			}
		})
	}
}
