package events_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// countedWorld is newWorld with every DynamoDB request counted.
func countedWorld(t *testing.T) (*world, *table.RequestCounter) {
	t.Helper()
	counter := table.NewRequestCounter(testkit.MemEngine(t).HTTPClient())
	w := worldVia(t, counter)
	counter.Reset()
	return w, counter
}

func wantCode(t *testing.T, err error, code entities.Code) {
	t.Helper()
	var de *entities.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("error %v, want %s", err, code)
	}
}

// TestAsUser: with AsUser only a user account acts; an organization's
// login and a login without an account are refused with FORBIDDEN before
// anything is written, and the account is read in the same request as the
// command's heads.
func TestAsUser(t *testing.T) {
	w, counter := countedWorld(t)
	ctx := context.Background()
	w.must(t, "octo", entities.CreateUser{Login: "octo"})
	w.must(t, "octo", entities.CreateOrganization{Login: "acme", Actor: "octo"})
	w.must(t, "octo", entities.CreateRepository{Owner: "octo", Name: "hello", Actor: "octo"})
	repo := entities.NewRepositoryID("octo", "hello")
	x := w.executor()
	for _, actor := range []string{"ghost", "acme", "ACME"} {
		t.Run(actor, func(t *testing.T) {
			counter.Reset()
			_, err := x.Execute(ctx, actor, entities.OpenIssue{Actor: actor, Repository: repo, Title: "t"}, events.AsUser())
			wantCode(t, err, entities.CodeForbidden)
			if got := counter.Counts(); got["BatchGetItem"] != 1 || len(got) != 1 {
				t.Errorf("a refused actor cost %s, want one BatchGetItem", counter)
			}
		})
	}
	if _, err := x.Execute(ctx, "", entities.OpenIssue{Repository: repo, Title: "t"}, events.AsUser()); !errors.Is(err, entities.ErrUnauthenticated) {
		t.Fatalf("anonymous: %v", err)
	}
	if n := w.eventCount(t, entities.NewIssueID(repo, 1)); n != 0 {
		t.Fatalf("a refused actor opened an issue (%d events)", n)
	}
	counter.Reset()
	res, err := x.Execute(ctx, "octo", entities.OpenIssue{Actor: "octo", Repository: repo, Title: "t"}, events.AsUser())
	if err != nil || len(res.Appended) != 1 {
		t.Fatalf("the user's open: %v %+v", err, res)
	}
	if got := counter.Counts(); got["BatchGetItem"] != 1 || got["TransactWriteItems"] != 1 || len(got) != 2 {
		t.Errorf("a user's open cost %s, want one BatchGetItem and one TransactWriteItems", counter)
	}
	if _, err := x.Execute(ctx, "ghost", entities.CreateUser{Login: "ghost"}, events.AsUser()); err != nil {
		t.Fatalf("a login without an account could not create it: %v", err)
	}
	if _, err := x.Execute(ctx, "acme", entities.CreateUser{Login: "acme"}, events.AsUser()); !errors.Is(err, entities.ErrForbidden) {
		t.Fatalf("an organization's login re-creating itself as a user: %v, want FORBIDDEN", err)
	}
}

// TestReplayUnderCurrentRights: a stored result is replayed only while the
// actor may see its repository — the same key answers NOT_FOUND while the
// repository is private, and the original result again once it is public.
func TestReplayUnderCurrentRights(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	for _, u := range []string{"octo", "mona"} {
		w.must(t, u, entities.CreateUser{Login: u})
	}
	w.must(t, "octo", entities.CreateRepository{Owner: "octo", Name: "hello", Actor: "octo"})
	x := w.executor()
	star := entities.StarRepository{Owner: "octo", Name: "hello", Actor: "mona"}
	key := events.Idempotent("k", "fp")
	first, err := x.Execute(ctx, "mona", star, key, events.AsUser())
	if err != nil {
		t.Fatal(err)
	}
	visibility := func(private bool) {
		t.Helper()
		w.must(t, "octo", entities.UpdateRepository{Owner: "octo", Name: "hello", IsPrivate: &private, Actor: "octo"})
	}
	visibility(true)
	if _, err := x.Execute(ctx, "mona", star, key, events.AsUser()); !errors.Is(err, entities.ErrNotFound) {
		t.Fatalf("replay of a star on a repository gone private: %v, want NOT_FOUND", err)
	}
	visibility(false)
	again, err := x.Execute(ctx, "mona", star, key, events.AsUser())
	if err != nil || !again.Replayed || len(again.Appended) != len(first.Appended) || again.Appended[0].Version != first.Appended[0].Version {
		t.Fatalf("replay once public again: %v %+v, want the stored result", err, again)
	}
}

// TestValidatedBeforeAnyRead: a command with an oversized field is
// BAD_USER_INPUT without a single DynamoDB request.
func TestValidatedBeforeAnyRead(t *testing.T) {
	w, counter := countedWorld(t)
	long := strings.Repeat("x", 3000)
	for _, cmd := range []entities.Command{
		entities.CreateUser{Login: long},
		entities.StarRepository{Owner: long, Name: "r", Actor: "mona"},
		entities.OpenIssue{Actor: "mona", Repository: entities.NewRepositoryID("octo", long), Title: "t"},
		entities.EditComment{Actor: "mona", ID: entities.NewCommentID(entities.NewRepositoryID("o", "r"), 1, long), Body: "b"},
	} {
		counter.Reset()
		_, err := w.executor().Execute(context.Background(), "mona", cmd, events.AsUser(), events.Idempotent("k", "fp"))
		wantCode(t, err, entities.CodeBadInput)
		if n := counter.Total(); n != 0 {
			t.Errorf("%T: %d requests before the input was refused (%s)", cmd, n, counter)
		}
	}
}

// TestLargestInputsAreStored: every documented maximum can be stored —
// bodies at their byte limit in the characters JSON escapes most, titles
// and refs at theirs, with an idempotency record — and one byte more is
// BAD_USER_INPUT, never the engine's item-size error.
func TestLargestInputsAreStored(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	repo := w.octoHello(t)
	x := w.executor()
	r := rand.New(rand.NewPCG(11, 11))
	// escapes doubles in JSON: each of these is 1 or 3 bytes of UTF-8 and
	// 2 or 6 of JSON; a random mix also defeats compression.
	escapes := []rune{'"', '\\', '\n', '\t', '\r', '\u2028', '\u2029'}
	worstBody := func() string {
		var b strings.Builder
		for b.Len() < entities.MaxBodyBytes-3 {
			b.WriteRune(escapes[r.IntN(len(escapes))])
		}
		for b.Len() < entities.MaxBodyBytes {
			b.WriteByte('"')
		}
		return b.String()
	}
	bodies := map[string]string{
		"line separators": strings.Repeat("\u2028", entities.MaxBodyBytes/3),
		"escaped mix":     worstBody(),
		"65,536 ASCII":    strings.Repeat("<", entities.MaxBodyLen),
		"4-byte emoji":    strings.Repeat("😀", entities.MaxBodyBytes/4),
	}
	title := strings.Repeat("😀", entities.MaxTitleLen)
	ref := func(c string) string { return strings.Repeat(c, entities.MaxRefLen) }
	n := 0
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			if len(body) > entities.MaxBodyBytes || len([]rune(body)) > entities.MaxBodyLen {
				t.Fatalf("the test body is over the limits: %d bytes, %d characters", len(body), len([]rune(body)))
			}
			key := func(s string) events.ExecOption {
				return events.Idempotent(strings.ReplaceAll(name, " ", "-")+"/"+s, s)
			}
			must := func(cmd entities.Command, k string) events.Result {
				t.Helper()
				res, err := x.Execute(ctx, "octo", cmd, key(k))
				if err != nil {
					t.Fatalf("%T with a maximal input: %v", cmd, err)
				}
				return res
			}
			must(entities.OpenIssue{Actor: "octo", Repository: repo, Title: title, Body: body}, "issue")
			n++
			issue := n
			// The edit changes the first character for one of the same size.
			_, size := utf8.DecodeRuneInString(body)
			edited := map[int]string{1: "!", 2: "é", 3: "€", 4: "😁"}[size] + body[size:]
			must(entities.EditIssue{Actor: "octo", Repository: repo, Number: issue, Title: &title, Body: &edited}, "edit")
			must(entities.OpenPullRequest{Actor: "octo", Repository: repo, Title: title, Body: body, HeadRef: ref("😀"), BaseRef: ref("\\")}, "pr")
			n++
			must(entities.AddComment{Actor: "octo", Repository: repo, Number: issue, ID: entities.NewCommentLocalID(time.Unix(int64(issue), 0), [10]byte{byte(issue)}), Body: edited}, "comment")
		})
	}
	t.Run("one byte over", func(t *testing.T) {
		_, err := x.Execute(ctx, "octo", entities.OpenIssue{Actor: "octo", Repository: repo, Title: "t", Body: strings.Repeat("a", entities.MaxBodyBytes-2) + "ü"})
		wantCode(t, err, entities.CodeBadInput)
		_, err = x.Execute(ctx, "octo", entities.OpenIssue{Actor: "octo", Repository: repo, Title: "t", Body: strings.Repeat("😀", 52000)})
		wantCode(t, err, entities.CodeBadInput)
	})
}
