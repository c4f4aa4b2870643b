package events_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/test/testkit"
)

// interleaver is the HTTP client of the executor under test: when armed,
// it runs a change through another client just before the next
// TransactWriteItems leaves — after the command was decided on the heads
// it read, before its write — which is the race a concurrent request wins
// now and then, made deterministic.
type interleaver struct {
	base aws.HTTPClient
	mu   sync.Mutex
	next func() // run once before the next TransactWriteItems
}

func (c *interleaver) Do(r *http.Request) (*http.Response, error) {
	if r.Header.Get("X-Amz-Target") == "DynamoDB_20120810.TransactWriteItems" {
		c.mu.Lock()
		f := c.next
		c.next = nil
		c.mu.Unlock()
		if f != nil {
			f()
		}
	}
	return c.base.Do(r)
}

func (c *interleaver) arm(f func()) {
	c.mu.Lock()
	c.next = f
	c.mu.Unlock()
}

// TestWorkWritesGuardTheRepository: a comment, a reaction or an edit
// decided while the repository was alive and visible to its actor does
// not land when the repository is deleted, or made private to the actor,
// between the decision and the write. The write fails its condition on
// the repository's head, the Executor retries on the new head, and the
// command is refused as a fresh one would be: NOT_FOUND, nothing
// appended.
func TestWorkWritesGuardTheRepository(t *testing.T) {
	ctx := context.Background()
	eng := testkit.MemEngine(t)
	racer := &interleaver{base: eng.HTTPClient()}
	var store *events.Store
	var attempts []events.AppendAttempt
	mk := func(h aws.HTTPClient) *events.Executor {
		clients, name := testkit.TableVia(t, h)
		store = events.NewStore(clients.DB, name, nil)
		return events.NewExecutor(store, events.ExecutorOptions{Observer: func(a events.AppendAttempt) { attempts = append(attempts, a) }})
	}
	other := mk(eng.HTTPClient()) // the concurrent request
	racing := mk(racer)           // the request that loses the race
	run := func(t *testing.T, x *events.Executor, actor string, cmd entities.Command) events.Result {
		t.Helper()
		res, err := x.Execute(ctx, actor, cmd)
		if err != nil {
			t.Fatalf("%T: %v", cmd, err)
		}
		return res
	}
	for _, u := range []string{"alice", "bob"} {
		run(t, other, u, entities.CreateUser{Login: u})
	}
	private := true
	changes := []struct {
		name string
		cmd  func(repo entities.RepositoryID) entities.Command
	}{
		{"deleted", func(r entities.RepositoryID) entities.Command {
			return entities.DeleteRepository{Owner: "alice", Name: r.Name(), Actor: "alice"}
		}},
		{"made private", func(r entities.RepositoryID) entities.Command {
			return entities.UpdateRepository{Owner: "alice", Name: r.Name(), IsPrivate: &private, Actor: "alice"}
		}},
	}
	commands := []struct {
		name string
		// cmd is bob's command on issue 1 of repo, whose comment c bob wrote.
		cmd func(repo entities.RepositoryID, c entities.CommentID) entities.Command
	}{
		{"addComment", func(r entities.RepositoryID, _ entities.CommentID) entities.Command {
			return entities.AddComment{Actor: "bob", Repository: r, Number: 1, ID: entities.NewCommentLocalID(time.Now(), [10]byte{9}), Body: "late"}
		}},
		{"editComment", func(_ entities.RepositoryID, c entities.CommentID) entities.Command {
			return entities.EditComment{Actor: "bob", ID: c, Body: "late edit"}
		}},
		{"deleteComment", func(_ entities.RepositoryID, c entities.CommentID) entities.Command {
			return entities.DeleteComment{Actor: "bob", ID: c}
		}},
		{"addReaction to the issue", func(r entities.RepositoryID, _ entities.CommentID) entities.Command {
			return entities.AddReaction{Actor: "bob", Subject: entities.NewIssueID(r, 1), Content: entities.ReactionHeart}
		}},
		{"addReaction to the comment", func(_ entities.RepositoryID, c entities.CommentID) entities.Command {
			return entities.AddReaction{Actor: "bob", Subject: c, Content: entities.ReactionRocket}
		}},
		{"editIssue", func(r entities.RepositoryID, _ entities.CommentID) entities.Command {
			title := "late title"
			return entities.EditIssue{Actor: "bob", Repository: r, Number: 1, Title: &title}
		}},
		{"closeIssue", func(r entities.RepositoryID, _ entities.CommentID) entities.Command {
			return entities.CloseIssue{Actor: "bob", Repository: r, Number: 1}
		}},
	}
	n := 0
	t.Run("an issue opened concurrently does not conflict with a comment", func(t *testing.T) {
		repo := entities.NewRepositoryID("alice", "busy")
		run(t, other, "alice", entities.CreateRepository{Owner: "alice", Name: repo.Name(), Actor: "alice"})
		run(t, other, "bob", entities.OpenIssue{Actor: "bob", Repository: repo, Title: "t"})
		racer.arm(func() {
			run(t, other, "alice", entities.OpenIssue{Actor: "alice", Repository: repo, Title: "meanwhile"})
		})
		attempts = nil
		run(t, racing, "bob", entities.AddComment{Actor: "bob", Repository: repo, Number: 1, ID: entities.NewCommentLocalID(time.Now(), [10]byte{7}), Body: "lands"})
		var mine []events.AttemptOutcome
		for _, a := range attempts {
			if _, ok := a.Command.(entities.AddComment); ok {
				mine = append(mine, a.Outcome)
			}
		}
		if len(mine) != 1 || mine[0] != events.AttemptCommitted {
			t.Fatalf("addComment attempts %v, want one, committed: the guard is on the repository's events, not its issue counter", mine)
		}
	})
	for _, change := range changes {
		for _, c := range commands {
			t.Run(c.name+" while the repository is "+change.name, func(t *testing.T) {
				n++
				repo := entities.NewRepositoryID("alice", "r"+string(rune('a'+n)))
				run(t, other, "alice", entities.CreateRepository{Owner: "alice", Name: repo.Name(), Actor: "alice"})
				run(t, other, "bob", entities.OpenIssue{Actor: "bob", Repository: repo, Title: "t"})
				comment := entities.NewCommentID(repo, 1, entities.NewCommentLocalID(time.Now(), [10]byte{byte(n)}))
				run(t, other, "bob", entities.AddComment{Actor: "bob", Repository: repo, Number: 1, ID: comment.Local(), Body: "first"})
				cmd := c.cmd(repo, comment)
				before := eventCounts(t, store, cmd.Targets())
				racer.arm(func() { run(t, other, "alice", change.cmd(repo)) })
				_, err := racing.Execute(ctx, "bob", cmd)
				if !errors.Is(err, entities.ErrNotFound) {
					t.Fatalf("%T after the repository was %s: err = %v, want NOT_FOUND", cmd, change.name, err)
				}
				if after := eventCounts(t, store, cmd.Targets()); after != before {
					t.Fatalf("the write landed: %d events on its targets, %d before", after, before)
				}
			})
		}
	}
}

// eventCounts is the sum of the versions of ids' heads, repositories
// aside (the concurrent change writes to its own).
func eventCounts(t *testing.T, st *events.Store, ids []entities.ID) int64 {
	t.Helper()
	heads, err := st.LoadHeads(context.Background(), ids)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for id, h := range heads {
		if _, ok := id.(entities.RepositoryID); ok {
			continue
		}
		n += h.Snapshot.Version
	}
	return n
}
