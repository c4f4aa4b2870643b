package replay_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// modelUser is what the test expects the system to know about one user.
type modelUser struct {
	login            string // as typed at creation
	name, email, bio string
	version          int64
}

// TestReplayEqualsLive runs a random but seeded sequence of commands
// through the Executor while the in-process projector tails the stream,
// waits until every aggregate's marker reached its head, and then rebuilds
// the read model from the event log alone into a fresh table: both read
// models must be identical, item for item, attribute for attribute. Along
// the way every command's outcome and the final read items are checked
// against a plain in-memory model.
//
// It runs on the default stream layout and on one whose shards roll over
// (and split) every few tens of milliseconds, so that the projector must
// follow closed parents into their children while commands arrive.
func TestReplayEqualsLive(t *testing.T) {
	for _, l := range streamLayouts() {
		t.Run(l.name, func(t *testing.T) { replayEqualsLive(t, l.opts, testkit.MinShards(l.minShards)) })
	}
}

// streamLayout is a stream layout the replay tests run on.
type streamLayout struct {
	name string
	opts testkit.Options
	// minShards is the least number of shards (open and closed) the
	// stream must have had, proving the layout was exercised.
	minShards int
}

// streamLayouts are the default stream layout and one whose shards roll
// over and split every few tens of milliseconds.
func streamLayouts() []streamLayout {
	return []streamLayout{
		{"default stream", testkit.Options{}, 1},
		{"shards roll over and split", testkit.Options{Configure: func(c *app.Config) {
			c.Engine.Streams = ddblocal.StreamOptions{Shards: 2, ShardLifetime: 40 * time.Millisecond, SplitOnRollover: true, MaxOpenShards: 8, MaintenanceInterval: 10 * time.Millisecond}
			c.Projector.DiscoverInterval = 20 * time.Millisecond
			// This layout makes thousands of shards; the subscriptions'
			// stream reader would list them too and slow the projector's
			// catch-up on a loaded 2-core machine. It follows split shards
			// in its own test (test/e2e subscriptions).
			c.Subscriptions.Disabled = true
		}}, 6},
	}
}

// streamShards counts the shards of the table's stream, open and closed.
func streamShards(t *testing.T, srv *testkit.Server) int {
	t.Helper()
	ctx := context.Background()
	desc, err := srv.DB().DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(srv.Table())})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var start *string
	for {
		res, err := srv.App.Clients().Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: desc.Table.LatestStreamArn, ExclusiveStartShardId: start})
		if err != nil {
			t.Fatal(err)
		}
		n += len(res.StreamDescription.Shards)
		if start = res.StreamDescription.LastEvaluatedShardId; start == nil {
			return n
		}
	}
}

func replayEqualsLive(t *testing.T, opts testkit.Options, minShards int) {
	const (
		commands = 500
		seed     = 20240301
	)
	ctx := context.Background()
	srv := testkit.Start(t, opts)
	x := srv.App.Executor()
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))

	users := map[string]*modelUser{} // by lower-cased login
	var order []string               // lower-cased logins, creation order
	pick := func() *modelUser { return users[order[rng.IntN(len(order))]] }
	stats := map[string]int{}

	for i := range commands {
		var (
			cmd      entities.Command
			wantCode entities.Code // "" for success
			apply    func(*modelUser) bool
			target   *modelUser
			newUser  *modelUser
			kind     string
		)
		r := rng.IntN(100)
		switch {
		case r < 30 || len(order) == 0:
			kind = "create"
			login := randomLogin(rng)
			for users[strings.ToLower(login)] != nil {
				login = randomLogin(rng)
			}
			c := entities.CreateUser{Login: login, Name: maybe(rng, randomText(rng, 40)), Email: maybe(rng, randomEmail(rng)), Bio: maybe(rng, randomText(rng, 160))}
			cmd, newUser = c, &modelUser{login: login, name: c.Name, email: c.Email, bio: c.Bio, version: 1}
		case r < 35:
			kind = "create duplicate"
			u := pick()
			cmd, wantCode = entities.CreateUser{Login: randomCase(rng, u.login), Name: "impostor"}, entities.CodeAlreadyExists
		case r < 40:
			kind = "create invalid"
			cmd, wantCode = invalidCreate(rng), entities.CodeBadInput
		case r < 80:
			kind = "update"
			target = pick()
			c := entities.UpdateProfile{Login: randomCase(rng, target.login)}
			for c.Name == nil && c.Email == nil && c.Bio == nil {
				if rng.IntN(2) == 0 {
					c.Name = ptr(maybe(rng, randomText(rng, 60)))
				}
				if rng.IntN(3) == 0 {
					c.Email = ptr(maybe(rng, randomEmail(rng)))
				}
				if rng.IntN(2) == 0 {
					c.Bio = ptr(maybe(rng, randomText(rng, 160)))
				}
			}
			cmd = c
			apply = func(u *modelUser) bool {
				before := *u
				if c.Name != nil {
					u.name = *c.Name
				}
				if c.Email != nil {
					u.email = *c.Email
				}
				if c.Bio != nil {
					u.bio = *c.Bio
				}
				return u.name != before.name || u.email != before.email || u.bio != before.bio
			}
		case r < 88:
			kind = "no-op update"
			target = pick()
			c := entities.UpdateProfile{Login: target.login}
			if rng.IntN(2) == 0 {
				c.Name, c.Bio = ptr(target.name), ptr(target.bio)
			}
			cmd, apply = c, func(*modelUser) bool { return false }
		case r < 95:
			kind = "update invalid"
			target = pick()
			c := entities.UpdateProfile{Login: target.login, Name: ptr("fine")}
			if rng.IntN(2) == 0 {
				c.Email = ptr("broken@")
			} else {
				c.Bio = ptr(strings.Repeat("ü", entities.MaxBioLen+1))
			}
			cmd, wantCode, target = c, entities.CodeBadInput, nil
		default:
			kind = "update missing"
			cmd, wantCode = entities.UpdateProfile{Login: "ghost-" + fmt.Sprint(i), Bio: ptr("boo")}, entities.CodeNotFound
		}
		stats[kind]++

		// Each command runs as the login it names: only a user creates or
		// edits their own account (entities.CanEditAccount).
		actor := "replay-test"
		switch c := cmd.(type) {
		case entities.CreateUser:
			actor = c.Login
		case entities.UpdateProfile:
			actor = c.Login
		}
		res, err := x.Execute(ctx, actor, cmd)
		if wantCode != "" {
			var de *entities.Error
			if !errors.As(err, &de) || de.Code != wantCode {
				t.Fatalf("command %d (%s) %+v: err = %v, want %s", i, kind, cmd, err, wantCode)
			}
			continue
		}
		if err != nil {
			t.Fatalf("command %d (%s) %+v: %v", i, kind, cmd, err)
		}
		var id entities.ID
		switch {
		case newUser != nil:
			id = entities.NewAccountID(newUser.login)
			users[strings.ToLower(newUser.login)] = newUser
			order = append(order, strings.ToLower(newUser.login))
			target = newUser
		default:
			id = entities.NewAccountID(target.login)
			if apply(target) {
				target.version++
			} else {
				stats["unchanged"]++
			}
		}
		snap := res.Snapshot(id)
		acc, ok := snap.State.(*entities.Account)
		if !ok || snap.Version != target.version || acc.Login != target.login || acc.Name != target.name || acc.Email != target.email || acc.Bio != target.bio {
			t.Fatalf("command %d (%s): result %+v v%d, model %+v", i, kind, snap.State, snap.Version, *target)
		}
	}
	t.Logf("commands: %v; %d users", stats, len(users))

	// Wait until the projector reflects every head.
	testkit.Eventually(t, 30*time.Second, func() bool {
		n, behind, err := testkit.Progress(ctx, srv.DB(), srv.Table())
		return err == nil && n == len(users) && behind == 0
	}, "projector caught up with %d aggregates", len(users))

	if n := streamShards(t, srv); n < minShards {
		t.Errorf("the stream had %d shards, want at least %d", n, minShards)
	}

	live, err := testkit.ReadModel(ctx, srv.DB(), srv.Table())
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstModel(t, live, users)

	// Rebuild from the event log alone into a fresh table.
	log, err := testkit.EventLog(ctx, srv.DB(), srv.Table())
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != len(users) {
		t.Fatalf("event log has %d aggregates, model %d", len(log), len(users))
	}
	for lower, u := range users {
		if got := int64(len(log[string(table.AccountPartition(lower))])); got != u.version {
			t.Errorf("%s: %d events in the log, model version %d", u.login, got, u.version)
		}
	}
	fresh := testkit.FreshTable(t)
	if err := testkit.Rebuild(ctx, fresh.Clients().DB, fresh.TableName(), log); err != nil {
		t.Fatal(err)
	}
	rebuilt, err := testkit.ReadModel(ctx, fresh.Clients().DB, fresh.TableName())
	if err != nil {
		t.Fatal(err)
	}
	if diffs := testkit.DiffItems(live, rebuilt, 20); len(diffs) > 0 {
		t.Errorf("rebuilt read model differs from the live one (want = live, got = rebuilt):\n%s", strings.Join(diffs, "\n"))
	}
	if len(live) != len(rebuilt) || len(live) != 2*len(users) {
		t.Errorf("live %d items, rebuilt %d, want %d", len(live), len(rebuilt), 2*len(users))
	}
}

// checkAgainstModel verifies the live read model holds exactly the model's
// users, each at its version.
func checkAgainstModel(t *testing.T, items []testkit.Item, users map[string]*modelUser) {
	t.Helper()
	byKey := map[table.Key]testkit.Item{}
	for _, it := range items {
		byKey[table.Key{PK: testkit.S(it, table.AttrPK), SK: testkit.S(it, table.AttrSK)}] = it
	}
	if len(items) != 2*len(users) {
		t.Errorf("%d read-model items, want %d", len(items), 2*len(users))
	}
	for lower, u := range users {
		it := byKey[table.AccountKey(lower)]
		if it == nil {
			t.Errorf("%s: no read item", u.login)
			continue
		}
		v := fmt.Sprint(u.version)
		got := [...]string{testkit.S(it, "login"), testkit.S(it, "kind"), testkit.S(it, "name"), testkit.S(it, "email"), testkit.S(it, "bio"), testkit.N(it, table.AttrVersion)}
		want := [...]string{u.login, string(entities.AccountUser), u.name, u.email, u.bio, v}
		if got != want {
			t.Errorf("%s: read item (login, kind, name, email, bio, _v) = %q, want %q", u.login, got, want)
		}
		if m := byKey[table.Key{PK: string(table.AccountPartition(lower)), SK: testkit.MarkerSK}]; testkit.N(m, table.AttrVersion) != v {
			t.Errorf("%s: marker %v, want _v %s", u.login, m, v)
		}
	}
}

func ptr(s string) *string { return &s }

// maybe returns s or, one time in four, "".
func maybe(rng *rand.Rand, s string) string {
	if rng.IntN(4) == 0 {
		return ""
	}
	return s
}

const loginChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// randomLogin returns a valid login: 1–39 letters and digits with single
// inner hyphens.
func randomLogin(rng *rand.Rand) string {
	n := 1 + rng.IntN(entities.MaxLoginLen)
	if rng.IntN(3) > 0 {
		n = 1 + rng.IntN(12)
	}
	b := make([]byte, 0, n)
	for len(b) < n {
		if len(b) > 0 && len(b) < n-1 && b[len(b)-1] != '-' && rng.IntN(6) == 0 {
			b = append(b, '-')
			continue
		}
		b = append(b, loginChars[rng.IntN(len(loginChars))])
	}
	return string(b)
}

// randomCase re-cases a login at random.
func randomCase(rng *rand.Rand, s string) string {
	b := []byte(s)
	for i, c := range b {
		if rng.IntN(2) == 0 {
			b[i] = strings.ToUpper(string(c))[0]
		} else {
			b[i] = strings.ToLower(string(c))[0]
		}
	}
	return string(b)
}

var textRunes = []rune("abcdefghijklmnopqrstuvwxyz ABCXYZ 0123456789 .,!?-'\"\\/ éüßñøå 日本語 🐙✨🚀 ")

// randomText returns 1..max runes, sometimes exactly max.
func randomText(rng *rand.Rand, max int) string {
	n := 1 + rng.IntN(max)
	if rng.IntN(10) == 0 {
		n = max
	}
	r := make([]rune, n)
	for i := range r {
		r[i] = textRunes[rng.IntN(len(textRunes))]
	}
	return string(r)
}

func randomEmail(rng *rand.Rand) string {
	return strings.ToLower(randomLogin(rng)) + "@" + []string{"example.com", "example.org", "mail.example.net"}[rng.IntN(3)]
}

func invalidCreate(rng *rand.Rand) entities.CreateUser {
	switch rng.IntN(5) {
	case 0:
		return entities.CreateUser{Login: []string{"", "-x", "x-", "a--b", "a_b", "a b", "ä", strings.Repeat("z", 40)}[rng.IntN(8)]}
	case 1:
		return entities.CreateUser{Login: "valid-login", Email: []string{"no-at", "a@b", "@x.com", "a b@x.com", "a@@x.com"}[rng.IntN(5)]}
	case 2:
		return entities.CreateUser{Login: "valid-login", Bio: strings.Repeat("x", entities.MaxBioLen+1)}
	case 3:
		return entities.CreateUser{Login: "valid-login", Name: strings.Repeat("n", entities.MaxNameLen+1)}
	default:
		return entities.CreateUser{Login: "valid-login", Bio: "\xff invalid UTF-8"}
	}
}
