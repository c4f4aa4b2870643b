package replay_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/events"
	"github.com/hubstream/hubstream/internal/projector"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
	"github.com/hubstream/hubstream/test/testkit"
)

// TestDomainReplayEqualsLive is "replay equals live" over the whole
// domain: a seeded random mix of every command — users, organizations and
// their members, repositories under users and organizations (private
// ones too), forks, stars, issues and pull requests through their whole
// lifecycle, comments, reactions, repository deletes and re-creations of
// the same names — runs through the Executor with real actors while the
// in-process projector tails the stream. Every command's outcome (success
// with the expected number of events, or the expected domain error) is
// predicted by a plain in-memory model of the domain rules.
//
// When the projector has caught up with every aggregate, the live read
// model is checked against the model (entities, memberships and every
// counter), and then rebuilt from the event log alone into a fresh table:
// both read models must be identical, item for item, attribute for
// attribute. The log is replayed three ways: in commit order (the order a
// projector without lag sees; the reference), by the projector's own
// rebuild (cmd/projector rebuild: aggregates in parallel, in any order),
// and aggregate by aggregate with repositories first (the order
// internal/projector/apply.go recommends for rebuilds).
//
// It runs on the default stream layout and on one whose shards roll over
// and split every few tens of milliseconds.
func TestDomainReplayEqualsLive(t *testing.T) {
	for _, l := range streamLayouts() {
		t.Run(l.name, func(t *testing.T) { domainReplayEqualsLive(t, l.opts, testkit.MinShards(l.minShards)) })
	}
}

const (
	domCommands = 2400 // beyond the 20 users and 3 organizations of the set-up
	domSeed     = 20240611
)

func domainReplayEqualsLive(t *testing.T, opts testkit.Options, minShards int) {
	ctx := context.Background()
	srv := testkit.Start(t, opts)
	x := srv.App.Executor()
	w := newDomWorld(rand.New(rand.NewPCG(domSeed, domSeed^0x5851f42d4c957f2d)))

	run := func(i int, s *domStep) {
		t.Helper()
		res, err := x.Execute(ctx, s.actor, s.cmd)
		if s.wantCode != "" {
			var de *entities.Error
			if !errors.As(err, &de) || de.Code != s.wantCode {
				t.Fatalf("command %d (%s) as %s %+v: err = %v, want %s", i, s.kind, s.actor, s.cmd, err, s.wantCode)
			}
			w.stats[s.kind+" → "+string(s.wantCode)]++
			return
		}
		if err != nil {
			t.Fatalf("command %d (%s) as %s %+v: %v", i, s.kind, s.actor, s.cmd, err)
		}
		if len(res.Appended) != s.wantEvents {
			t.Fatalf("command %d (%s) as %s %+v: appended %d events %v, the model expects %d", i, s.kind, s.actor, s.cmd, len(res.Appended), domTypes(res.Appended), s.wantEvents)
		}
		if s.check != nil {
			if msg := s.check(res); msg != "" {
				t.Fatalf("command %d (%s) as %s %+v: %s", i, s.kind, s.actor, s.cmd, msg)
			}
		}
		if s.apply != nil {
			s.apply(res)
		}
		w.events += len(res.Appended)
		if s.wantEvents == 0 {
			w.stats[s.kind+" (no-op)"]++
		} else {
			w.stats[s.kind]++
		}
	}

	began := time.Now()
	for i, s := range w.setup() {
		run(i, s)
	}
	for i := range domCommands {
		run(i, w.next())
	}
	var missing []string
	for _, k := range domCommandKinds {
		if w.stats[k] == 0 { // successes that appended events
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		t.Errorf("the mix never ran %v successfully", missing)
	}
	t.Logf("commands: %v", w.stats)

	ran := time.Since(began)
	heads := testkit.AwaitProjected(t, srv, 2*time.Minute) // generous: under -race the rolling layout takes ~35 s
	t.Logf("commands ran in %v, projected %v later", ran.Round(time.Millisecond), (time.Since(began) - ran).Round(time.Millisecond))
	if n := streamShards(t, srv); n < minShards {
		t.Errorf("the stream had %d shards, want at least %d", n, minShards)
	}
	live, err := testkit.ReadModel(ctx, srv.DB(), srv.Table())
	if err != nil {
		t.Fatal(err)
	}
	w.checkReadModel(t, live)

	log, err := testkit.EventLog(ctx, srv.DB(), srv.Table())
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != heads {
		t.Errorf("the event log has %d aggregates, the table %d heads", len(log), heads)
	}
	events := 0
	for _, g := range log {
		events += len(g)
	}
	if events != w.events {
		t.Errorf("the event log has %d events, the commands appended %d", events, w.events)
	}
	t.Logf("%d aggregates, %d events, %d read-model items", heads, events, len(live))

	rebuilds := []struct {
		name    string
		rebuild func(*testing.T) []testkit.Item
	}{
		{"rebuilt in commit order", func(t *testing.T) []testkit.Item {
			fresh := testkit.FreshTable(t)
			if err := testkit.RebuildInCommitOrder(ctx, fresh.Clients().DB, fresh.TableName(), log); err != nil {
				t.Fatal(err)
			}
			return domReadModel(t, fresh)
		}},
		{"rebuilt by the projector's rebuild", func(t *testing.T) []testkit.Item {
			// The production path (cmd/projector rebuild): parallel scan,
			// aggregates applied concurrently in whatever order they come.
			fresh := testkit.FreshTable(t)
			st, err := projector.Rebuild(ctx, projector.RebuildOptions{SourceDB: srv.DB(), SourceTable: srv.Table(), TargetDB: fresh.Clients().DB, TargetTable: fresh.TableName()})
			if err != nil || st.Failed > 0 {
				t.Fatalf("rebuild: %v, %d aggregates failed: %v", err, st.Failed, st.Failures)
			}
			if st.Aggregates != int64(len(log)) || st.Events != int64(events) {
				t.Errorf("rebuild replayed %d aggregates and %d events, the log has %d and %d", st.Aggregates, st.Events, len(log), events)
			}
			return domReadModel(t, fresh)
		}},
		{"rebuilt per aggregate, repositories first", func(t *testing.T) []testkit.Item {
			fresh := testkit.FreshTable(t)
			if err := testkit.RebuildGroups(ctx, fresh.Clients().DB, fresh.TableName(), log, testkit.RepositoriesFirst); err != nil {
				t.Fatal(err)
			}
			return domReadModel(t, fresh)
		}},
	}
	for _, rb := range rebuilds {
		t.Run(rb.name, func(t *testing.T) {
			rebuilt := rb.rebuild(t)
			if diffs := testkit.DiffItems(live, rebuilt, 25); len(diffs) > 0 {
				t.Errorf("the rebuilt read model differs from the live one (want = live, got = rebuilt):\n%s", strings.Join(diffs, "\n"))
			}
			if len(live) != len(rebuilt) {
				t.Errorf("live %d items, rebuilt %d", len(live), len(rebuilt))
			}
		})
	}
}

// TestDomainProjectionOrder pins the cases where the read model depends
// on the order in which aggregates are projected. Each case runs a few
// commands through the Executor (no projector) and applies their events
// in an order a projector can meet — shards are read concurrently, so an
// aggregate's records may be applied before or after another's — and the
// result must equal the read model of the same events applied in commit
// order.
func TestDomainProjectionOrder(t *testing.T) {
	type cmd struct {
		actor string
		cmd   entities.Command
	}
	repo := entities.NewRepositoryID("octo", "hello")
	issue := entities.NewIssueID(repo, 1)
	create := cmd{"octo", entities.CreateRepository{Owner: "octo", Name: "hello", Actor: "octo"}}
	del := cmd{"octo", entities.DeleteRepository{Owner: "octo", Name: "hello", Actor: "octo"}}
	commentID := entities.NewCommentLocalID(time.Unix(1_700_000_000, 0), [10]byte{1})
	tests := []struct {
		name     string
		commands []cmd
		// order lists, by partition, which aggregate's next event is
		// applied next.
		order []table.Partition
	}{
		{
			// Counter residue: the star lands before the repository's
			// item exists; the item's creation must keep the count.
			name:     "star before the repository is projected",
			commands: []cmd{create, {"mona", entities.StarRepository{Owner: "octo", Name: "hello", Actor: "mona"}}},
			order:    []table.Partition{table.StarPartition("mona", "octo", "hello"), table.RepositoryPartition("octo", "hello")},
		},
		{
			// The star's shard lags behind the delete: its writes are
			// dropped by the tombstone, where in commit order they were
			// written and purged (leaving the user's starredCount at 0).
			name:     "star after its repository's delete",
			commands: []cmd{create, {"mona", entities.StarRepository{Owner: "octo", Name: "hello", Actor: "mona"}}, del},
			order:    []table.Partition{table.RepositoryPartition("octo", "hello"), table.RepositoryPartition("octo", "hello"), table.StarPartition("mona", "octo", "hello")},
		},
		{
			// The repository's shard lags: the star of the new life is
			// counted on the old life's item, which the delete's purge
			// then removes.
			name:     "star of a re-created repository before the delete",
			commands: []cmd{create, del, create, {"mona", entities.StarRepository{Owner: "octo", Name: "hello", Actor: "mona"}}},
			order:    []table.Partition{table.RepositoryPartition("octo", "hello"), table.StarPartition("mona", "octo", "hello"), table.RepositoryPartition("octo", "hello"), table.RepositoryPartition("octo", "hello")},
		},
		{
			name:     "fork of a re-created repository before the delete",
			commands: []cmd{create, del, create, {"mona", entities.ForkRepository{Owner: "octo", Name: "hello", Actor: "mona"}}},
			order:    []table.Partition{table.RepositoryPartition("octo", "hello"), table.RepositoryPartition("mona", "hello"), table.RepositoryPartition("octo", "hello"), table.RepositoryPartition("octo", "hello")},
		},
		{
			name:     "open issue of a re-created repository before the delete",
			commands: []cmd{create, del, create, {"mona", entities.OpenIssue{Actor: "mona", Repository: repo, Title: "bug"}}},
			order:    []table.Partition{table.RepositoryPartition("octo", "hello"), table.IssuePartition("octo", "hello", 1), table.RepositoryPartition("octo", "hello"), table.RepositoryPartition("octo", "hello")},
		},
		{
			// The issue's shard lags behind the reaction's and the
			// repository's: the purge does not find the unprojected
			// issue, the reaction and its counter survive it.
			name:     "reaction on an issue projected before the issue and the delete",
			commands: []cmd{create, {"mona", entities.OpenIssue{Actor: "mona", Repository: repo, Title: "bug"}}, {"hubot", entities.AddReaction{Actor: "hubot", Subject: issue, Content: entities.ReactionHeart}}, del},
			order:    []table.Partition{table.RepositoryPartition("octo", "hello"), table.ReactionPartition(table.IssuePartition("octo", "hello", 1), "hubot", "HEART"), table.RepositoryPartition("octo", "hello"), table.IssuePartition("octo", "hello", 1)},
		},
		{
			name:     "comment on an issue projected before the issue and the delete",
			commands: []cmd{create, {"mona", entities.OpenIssue{Actor: "mona", Repository: repo, Title: "bug"}}, {"hubot", entities.AddComment{Actor: "hubot", Repository: repo, Number: 1, ID: commentID, Body: "me too"}}, del},
			order:    []table.Partition{table.RepositoryPartition("octo", "hello"), table.CommentPartition("octo", "hello", 1, commentID), table.RepositoryPartition("octo", "hello"), table.IssuePartition("octo", "hello", 1)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv := testkit.Start(t, testkit.Options{NoProjector: true})
			x := srv.App.Executor()
			var appended []testkit.PartitionEnvelope
			for _, u := range []string{"octo", "mona", "hubot"} {
				res, err := x.Execute(ctx, u, entities.CreateUser{Login: u})
				if err != nil {
					t.Fatal(err)
				}
				pes, err := testkit.WithPartitions(res.Appended)
				if err != nil {
					t.Fatal(err)
				}
				appended = append(appended, pes...)
			}
			accounts := len(appended)
			for i, c := range tt.commands {
				res, err := x.Execute(ctx, c.actor, c.cmd)
				if err != nil {
					t.Fatalf("command %d %+v: %v", i, c.cmd, err)
				}
				pes, err := testkit.WithPartitions(res.Appended)
				if err != nil {
					t.Fatal(err)
				}
				appended = append(appended, pes...)
			}
			// The order of the case: the accounts first, then the next
			// pending event of each partition named.
			order := append([]testkit.PartitionEnvelope(nil), appended[:accounts]...)
			pending := appended[accounts:]
			for _, p := range tt.order {
				i := 0
				for i < len(pending) && pending[i].Partition != string(p) {
					i++
				}
				if i == len(pending) {
					t.Fatalf("no pending event of %s", p)
				}
				order = append(order, pending[i])
				pending = append(pending[:i:i], pending[i+1:]...)
			}
			if len(pending) > 0 {
				t.Fatalf("the order leaves %d events unapplied", len(pending))
			}
			if err := testkit.ReplayInOrder(ctx, srv.DB(), srv.Table(), order); err != nil {
				t.Fatal(err)
			}
			got := domReadModel(t, srv.App)

			fresh := testkit.FreshTable(t)
			if err := testkit.ReplayInOrder(ctx, fresh.Clients().DB, fresh.TableName(), appended); err != nil {
				t.Fatal(err)
			}
			want := domReadModel(t, fresh)
			if diffs := testkit.DiffItems(want, got, 20); len(diffs) > 0 {
				t.Errorf("projected in this order, the read model differs from commit order (want = commit order, got = this order):\n%s", strings.Join(diffs, "\n"))
			}
		})
	}
}

func domReadModel(t *testing.T, a *app.App) []testkit.Item {
	t.Helper()
	items, err := testkit.ReadModel(context.Background(), a.Clients().DB, a.TableName())
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func domTypes(envs []events.Envelope) []string { return testkit.EventTypes(envs) }

// domCommandKinds are the step kinds the mix must all have run
// successfully at least once.
var domCommandKinds = []string{
	"createUser", "updateProfile", "createOrganization", "updateOrganization", "addMember", "changeMemberRole", "removeMember",
	"createRepository", "recreateRepository", "updateRepository", "deleteRepository", "forkRepository", "star", "unstar",
	"openIssue", "editIssue", "closeIssue", "reopenIssue",
	"openPullRequest", "editPullRequest", "closePullRequest", "reopenPullRequest", "mergePullRequest",
	"addComment", "editComment", "deleteComment", "addReaction", "removeReaction",
	"createLabel", "renameLabel", "deleteLabel", "addLabels", "removeLabels",
}

// The model.

type domAccount struct {
	login   string // as created
	org     bool
	members map[string]string // org: lower-cased member login → role
}

type domComment struct {
	id      string
	author  string // lower-cased
	body    string
	deleted bool
}

type domWork struct {
	n        int
	pr       bool
	author   string // lower-cased
	title    string
	state    string // OPEN, CLOSED, MERGED
	comments []*domComment
	labels   []string // label IDs
	stale    []string // IDs of labels deleted while on the item: the next add drops them
}

type domLabel struct {
	id, name string
}

type domForkRef struct {
	key  string
	life int
}

type domRepository struct {
	owner, name string // as created
	key         string // lower-cased owner/name
	life        int
	private     bool
	fork        bool
	parentKey   string
	parentLife  int
	deleted     bool
	description string
	seq         int
	work        []*domWork  // of the current life, by number
	labels      []*domLabel // of the current life
	forks       []domForkRef
	// purged are the read keys of earlier lives' issues, pull requests
	// and comments: they must be gone.
	purged []table.Key
}

type domReaction struct {
	subject entities.ID
	key     table.Key // the subject's read item
	repo    string
	login   string // lower-cased
	content entities.ReactionContent
}

type domWorld struct {
	rng      *rand.Rand
	users    []string // lower-cased, creation order
	orgs     []string // lower-cased, creation order
	accounts map[string]*domAccount
	repos    map[string]*domRepository
	order    []string // repository keys, creation order
	stars    map[[2]string]bool
	// reactions lists the active reactions on live subjects; reacted
	// indexes them.
	reactions []domReaction
	reacted   map[string]bool
	stats     map[string]int
	events    int
	texts     int
}

func newDomWorld(rng *rand.Rand) *domWorld {
	return &domWorld{rng: rng, accounts: map[string]*domAccount{}, repos: map[string]*domRepository{}, stars: map[[2]string]bool{}, reacted: map[string]bool{}, stats: map[string]int{}}
}

// domStep is one command with its predicted outcome.
type domStep struct {
	kind       string
	actor      string
	cmd        entities.Command
	wantCode   entities.Code // "" for success
	wantEvents int
	check      func(events.Result) string // "" when the result fits the model
	apply      func(events.Result)
}

func (w *domWorld) pick(n int) int { return w.rng.IntN(n) }

func (w *domWorld) chance(p float64) bool { return w.rng.Float64() < p }

// recase spells s in random case (logins and names are case-insensitive).
func (w *domWorld) recase(s string) string {
	if !w.chance(0.3) {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if w.chance(0.5) {
			b[i] = strings.ToUpper(string(c))[0]
		} else {
			b[i] = strings.ToLower(string(c))[0]
		}
	}
	return string(b)
}

func (w *domWorld) login(lower string) string { return w.accounts[lower].login }

func (w *domWorld) randomUser() string { return w.users[w.pick(len(w.users))] }

func (w *domWorld) role(org, user string) string {
	a := w.accounts[org]
	if a == nil || !a.org {
		return ""
	}
	return a.members[user]
}

func (w *domWorld) admins(org string) int {
	n := 0
	for _, r := range w.accounts[org].members {
		if r == "ADMIN" {
			n++
		}
	}
	return n
}

// canAdmin: the owner itself or an admin of the owning organization.
func (w *domWorld) canAdmin(actor, owner string) bool {
	return actor == owner || w.role(owner, actor) == "ADMIN"
}

// canSee: public, or the owner, or a member of the owning organization.
func (w *domWorld) canSee(actor string, r *domRepository) bool {
	owner := strings.ToLower(r.owner)
	return !r.private || actor == owner || w.role(owner, actor) != ""
}

// liveRepositories returns the live repositories for which keep holds, in
// creation order.
func (w *domWorld) liveRepositories(keep func(*domRepository) bool) []*domRepository {
	var out []*domRepository
	for _, k := range w.order {
		if r := w.repos[k]; !r.deleted && (keep == nil || keep(r)) {
			out = append(out, r)
		}
	}
	return out
}

func (w *domWorld) repositoryID(r *domRepository) entities.RepositoryID {
	return entities.NewRepositoryID(w.recase(r.owner), w.recase(r.name))
}

func (w *domWorld) newCommentID() string {
	var e [10]byte
	for i := range e {
		e[i] = byte(w.pick(256))
	}
	return entities.NewCommentLocalID(time.Now(), e)
}

// text returns a text never returned before, so that every edit changes
// something.
func (w *domWorld) text(prefix string) string {
	w.texts++
	return fmt.Sprintf("%s %d %s", prefix, w.texts, []string{"", "ü", "日本", "🚀", "a \"quote\""}[w.pick(5)])
}

// setup creates the 20 users and 3 organizations every step draws from.
func (w *domWorld) setup() []*domStep {
	var steps []*domStep
	for i := range 20 {
		login := fmt.Sprintf("Dev%02d", i)
		if i%3 == 0 {
			login = fmt.Sprintf("dev-%02d", i)
		}
		lower := strings.ToLower(login)
		steps = append(steps, &domStep{kind: "createUser", actor: login, cmd: entities.CreateUser{Login: login, Name: "Developer " + login}, wantEvents: 1, apply: func(events.Result) {
			w.accounts[lower] = &domAccount{login: login}
			w.users = append(w.users, lower)
		}})
	}
	creators := []string{"Dev01", "Dev02", "Dev04"}
	for i, org := range []string{"Acme", "initech", "Umbrella-Corp"} {
		creator := creators[i]
		lower := strings.ToLower(org)
		steps = append(steps, &domStep{kind: "createOrganization", actor: creator, cmd: entities.CreateOrganization{Login: org, Name: org + " Inc.", Actor: creator}, wantEvents: 2, apply: func(events.Result) {
			w.accounts[lower] = &domAccount{login: org, org: true, members: map[string]string{strings.ToLower(creator): "ADMIN"}}
			w.orgs = append(w.orgs, lower)
		}})
	}
	return steps
}

// next returns the next random step; every kind returns nil when no
// target fits, and another kind is drawn.
func (w *domWorld) next() *domStep {
	type gen struct {
		weight int
		f      func() *domStep
	}
	gens := []gen{
		{2, w.updateProfile}, {1, w.updateOrganization}, {4, w.addMember}, {2, w.changeMemberRole}, {2, w.removeMember},
		{6, w.createRepository}, {3, w.recreateRepository}, {3, w.updateRepository}, {3, w.deleteRepository}, {4, w.forkRepository},
		{8, w.star}, {4, w.unstar},
		{8, w.openIssue}, {3, w.editIssue}, {4, w.closeIssue}, {2, w.reopenIssue},
		{5, w.openPullRequest}, {2, w.editPullRequest}, {2, w.closePullRequest}, {2, w.reopenPullRequest}, {3, w.mergePullRequest},
		{10, w.addComment}, {3, w.editComment}, {3, w.deleteComment}, {8, w.addReaction}, {4, w.removeReaction},
		{4, w.createLabel}, {2, w.renameLabel}, {2, w.deleteLabel}, {6, w.addLabels}, {3, w.removeLabels},
		{5, w.invalid},
	}
	total := 0
	for _, g := range gens {
		total += g.weight
	}
	for {
		r := w.pick(total)
		for _, g := range gens {
			if r < g.weight {
				if s := g.f(); s != nil {
					return s
				}
				break
			}
			r -= g.weight
		}
	}
}

// Accounts and organizations.

func (w *domWorld) updateProfile() *domStep {
	u := w.randomUser()
	bio := w.text("bio")
	return &domStep{kind: "updateProfile", actor: w.login(u), cmd: entities.UpdateProfile{Login: w.recase(w.login(u)), Bio: &bio}, wantEvents: 1}
}

func (w *domWorld) orgAdmin(org string) string {
	var admins []string
	for _, u := range w.users {
		if w.role(org, u) == "ADMIN" {
			admins = append(admins, u)
		}
	}
	return admins[w.pick(len(admins))]
}

func (w *domWorld) updateOrganization() *domStep {
	org := w.orgs[w.pick(len(w.orgs))]
	actor := w.login(w.orgAdmin(org))
	desc := w.text("about")
	return &domStep{kind: "updateOrganization", actor: actor, cmd: entities.UpdateOrganization{Login: w.recase(w.login(org)), Description: &desc, Actor: actor}, wantEvents: 1}
}

func (w *domWorld) addMember() *domStep {
	org := w.orgs[w.pick(len(w.orgs))]
	u := w.randomUser()
	actor := w.login(w.orgAdmin(org))
	role := []entities.MemberRole{entities.RoleMember, entities.RoleAdmin}[w.pick(2)]
	cmd := entities.AddMember{Org: w.recase(w.login(org)), Login: w.recase(w.login(u)), Role: role, Actor: actor}
	if w.role(org, u) != "" {
		return &domStep{kind: "addMember", actor: actor, cmd: cmd, wantCode: entities.CodeAlreadyExists}
	}
	n := 1
	if role == entities.RoleAdmin {
		n = 2
	}
	return &domStep{kind: "addMember", actor: actor, cmd: cmd, wantEvents: n, apply: func(events.Result) { w.accounts[org].members[u] = string(role) }}
}

func (w *domWorld) members(org string) []string {
	var out []string
	for _, u := range w.users {
		if w.role(org, u) != "" {
			out = append(out, u)
		}
	}
	return out
}

func (w *domWorld) changeMemberRole() *domStep {
	org := w.orgs[w.pick(len(w.orgs))]
	ms := w.members(org)
	u := ms[w.pick(len(ms))]
	actor := w.login(w.orgAdmin(org))
	role := "ADMIN"
	if w.role(org, u) == "ADMIN" {
		role = "MEMBER"
	}
	cmd := entities.ChangeMemberRole{Org: w.login(org), Login: w.recase(w.login(u)), Role: entities.MemberRole(role), Actor: actor}
	if role == "MEMBER" && w.admins(org) == 1 {
		return &domStep{kind: "changeMemberRole", actor: actor, cmd: cmd, wantCode: entities.CodeForbidden}
	}
	return &domStep{kind: "changeMemberRole", actor: actor, cmd: cmd, wantEvents: 2, apply: func(events.Result) { w.accounts[org].members[u] = role }}
}

func (w *domWorld) removeMember() *domStep {
	org := w.orgs[w.pick(len(w.orgs))]
	ms := w.members(org)
	u := ms[w.pick(len(ms))]
	actor := w.login(u) // leaving
	if w.chance(0.5) {
		actor = w.login(w.orgAdmin(org))
	}
	cmd := entities.RemoveMember{Org: w.login(org), Login: w.login(u), Actor: actor}
	wasAdmin := w.role(org, u) == "ADMIN"
	if wasAdmin && w.admins(org) == 1 {
		return &domStep{kind: "removeMember", actor: actor, cmd: cmd, wantCode: entities.CodeForbidden}
	}
	n := 1
	if wasAdmin {
		n = 2
	}
	return &domStep{kind: "removeMember", actor: actor, cmd: cmd, wantEvents: n, apply: func(events.Result) { delete(w.accounts[org].members, u) }}
}

// Repositories.

var domRepositoryNames = []string{"alpha", "Beta", "gamma", "delta.js", "eps_ilon", "zeta-core"}

// ownerFor returns an account actor may create repositories for: itself
// or an organization it administers.
func (w *domWorld) ownerFor(actor string) string {
	if w.chance(0.4) {
		var orgs []string
		for _, o := range w.orgs {
			if w.role(o, actor) == "ADMIN" {
				orgs = append(orgs, o)
			}
		}
		if len(orgs) > 0 {
			return orgs[w.pick(len(orgs))]
		}
	}
	return actor
}

func (w *domWorld) createRepository() *domStep {
	actor := w.randomUser()
	owner := w.ownerFor(actor)
	name := domRepositoryNames[w.pick(len(domRepositoryNames))]
	key := owner + "/" + strings.ToLower(name)
	if r := w.repos[key]; r != nil && r.deleted {
		return nil // recreateRepository's case
	}
	private := w.chance(0.25)
	cmd := entities.CreateRepository{Owner: w.recase(w.login(owner)), Name: name, Description: w.text("repo"), IsPrivate: private, Actor: w.login(actor)}
	if r := w.repos[key]; r != nil {
		return &domStep{kind: "createRepository", actor: w.login(actor), cmd: cmd, wantCode: entities.CodeAlreadyExists}
	}
	return w.created("createRepository", actor, cmd, key, nil)
}

// created is the step of a creation (or fork, when src is set) of the
// repository key by actor.
func (w *domWorld) created(kind, actor string, cmd entities.Command, key string, src *domRepository) *domStep {
	life, seq := 1, 0
	if old := w.repos[key]; old != nil {
		life, seq = old.life+1, old.seq
	}
	owner, name, _ := strings.Cut(key, "/")
	id := entities.NewRepositoryID(owner, name)
	return &domStep{kind: kind, actor: w.login(actor), cmd: cmd, wantEvents: 1,
		check: func(res events.Result) string {
			r, ok := entities.LiveRepository(res.Snapshot(id))
			if !ok || r.Life != life || r.NumberBase != int64(seq) || r.IsFork() != (src != nil) {
				return fmt.Sprintf("repository %+v, want life %d, number base %d", res.Snapshot(id).State, life, seq)
			}
			return ""
		},
		apply: func(res events.Result) {
			st, _ := entities.LiveRepository(res.Snapshot(id))
			r := w.repos[key]
			if r == nil {
				r = &domRepository{key: key}
				w.repos[key] = r
				w.order = append(w.order, key)
			}
			r.owner, r.name, r.life, r.private, r.deleted, r.description = st.Owner, st.Name, life, st.IsPrivate, false, st.Description
			r.fork, r.parentKey, r.parentLife, r.work, r.forks = false, "", 0, nil, nil
			if src != nil {
				r.fork, r.parentKey, r.parentLife = true, src.key, src.life
				src.forks = append(src.forks, domForkRef{key: key, life: life})
			}
		}}
}

func (w *domWorld) recreateRepository() *domStep {
	var deleted []*domRepository
	for _, k := range w.order {
		if r := w.repos[k]; r.deleted {
			deleted = append(deleted, r)
		}
	}
	if len(deleted) == 0 {
		return nil
	}
	r := deleted[w.pick(len(deleted))]
	actor, ok := w.adminOf(r)
	if !ok {
		return nil
	}
	cmd := entities.CreateRepository{Owner: w.recase(r.owner), Name: w.recase(r.name), IsPrivate: w.chance(0.2), Actor: w.login(actor)}
	return w.created("recreateRepository", actor, cmd, r.key, nil)
}

func (w *domWorld) adminOf(r *domRepository) (string, bool) {
	owner := strings.ToLower(r.owner)
	var cands []string
	for _, u := range w.users {
		if w.canAdmin(u, owner) {
			cands = append(cands, u)
		}
	}
	if len(cands) == 0 {
		return "", false
	}
	return cands[w.pick(len(cands))], true
}

func (w *domWorld) randomLive(keep func(*domRepository) bool) *domRepository {
	rs := w.liveRepositories(keep)
	if len(rs) == 0 {
		return nil
	}
	return rs[w.pick(len(rs))]
}

// liveWithAdmin picks a live repository (one that keep accepts, when
// set) and one of its admins.
func (w *domWorld) liveWithAdmin(keep func(*domRepository) bool) (*domRepository, string, bool) {
	r := w.randomLive(keep)
	if r == nil {
		return nil, "", false
	}
	actor, ok := w.adminOf(r)
	return r, actor, ok
}

func (w *domWorld) updateRepository() *domStep {
	r, actor, ok := w.liveWithAdmin(nil)
	if !ok {
		return nil
	}
	cmd := entities.UpdateRepository{Owner: w.recase(r.owner), Name: w.recase(r.name), Actor: w.login(actor)}
	var private *bool
	if !r.fork && w.chance(0.4) {
		p := !r.private
		cmd.IsPrivate, private = &p, &p
	} else {
		d := w.text("desc")
		cmd.Description = &d
	}
	return &domStep{kind: "updateRepository", actor: w.login(actor), cmd: cmd, wantEvents: 1, apply: func(events.Result) {
		if private != nil {
			r.private = *private
		}
	}}
}

func (w *domWorld) deleteRepository() *domStep {
	r, actor, ok := w.liveWithAdmin(nil)
	if !ok {
		return nil
	}
	cmd := entities.DeleteRepository{Owner: w.recase(r.owner), Name: w.recase(r.name), Actor: w.login(actor)}
	return &domStep{kind: "deleteRepository", actor: w.login(actor), cmd: cmd, wantEvents: 1, apply: func(events.Result) { w.deleted(r) }}
}

// deleted updates the model for the delete of r's current life.
func (w *domWorld) deleted(r *domRepository) {
	r.deleted = true
	r.labels = nil
	for _, u := range w.users {
		delete(w.stars, [2]string{u, r.key})
	}
	if p := w.repos[r.parentKey]; r.fork && p != nil && !p.deleted && p.life == r.parentLife {
		for i, f := range p.forks {
			if f.key == r.key && f.life == r.life {
				p.forks = append(p.forks[:i], p.forks[i+1:]...)
				break
			}
		}
	}
	for _, wk := range r.work {
		r.purged = append(r.purged, domWorkKey(r, wk))
		for _, c := range wk.comments {
			r.purged = append(r.purged, table.CommentKey(r.owner, r.name, wk.n, c.id))
		}
	}
	r.work, r.forks = nil, nil
	kept := w.reactions[:0]
	for _, re := range w.reactions {
		if re.repo == r.key {
			delete(w.reacted, domReactedKey(re.key, re.login, re.content))
			continue
		}
		kept = append(kept, re)
	}
	w.reactions = kept
}

func (w *domWorld) forkRepository() *domStep {
	actor := w.randomUser()
	src := w.randomLive(func(r *domRepository) bool { return w.canSee(actor, r) })
	if src == nil {
		return nil
	}
	newOwner := w.ownerFor(actor)
	key := newOwner + "/" + strings.ToLower(src.name)
	cmd := entities.ForkRepository{Owner: w.recase(src.owner), Name: w.recase(src.name), NewOwner: w.recase(w.login(newOwner)), Actor: w.login(actor)}
	if r := w.repos[key]; r != nil && !r.deleted {
		return &domStep{kind: "forkRepository", actor: w.login(actor), cmd: cmd, wantCode: entities.CodeAlreadyExists}
	}
	return w.created("forkRepository", actor, cmd, key, src)
}

func (w *domWorld) star() *domStep { return w.setStar(true) }

func (w *domWorld) unstar() *domStep { return w.setStar(false) }

// setStar is a step that stars (on) or unstars a repository the actor can
// see — to unstar, mostly one the actor starred: one event when it changes
// whether the actor starred it, none when it does not.
func (w *domWorld) setStar(on bool) *domStep {
	actor := w.randomUser()
	r := w.randomLive(func(r *domRepository) bool {
		return w.canSee(actor, r) && (on || w.stars[[2]string{actor, r.key}] || w.chance(0.1))
	})
	if r == nil {
		return nil
	}
	k := [2]string{actor, r.key}
	step := &domStep{kind: "unstar", actor: w.login(actor), cmd: entities.UnstarRepository{Owner: w.recase(r.owner), Name: w.recase(r.name), Actor: w.login(actor)}, apply: func(events.Result) { delete(w.stars, k) }}
	if on {
		step = &domStep{kind: "star", actor: w.login(actor), cmd: entities.StarRepository{Owner: w.recase(r.owner), Name: w.recase(r.name), Actor: w.login(actor)}, apply: func(events.Result) { w.stars[k] = true }}
	}
	if w.stars[k] != on {
		step.wantEvents = 1
	}
	return step
}

// Issues and pull requests.

func domWorkKey(r *domRepository, wk *domWork) table.Key {
	if wk.pr {
		return table.PullRequestKey(r.owner, r.name, wk.n)
	}
	return table.IssueKey(r.owner, r.name, wk.n)
}

func (w *domWorld) open(pr bool) *domStep {
	actor := w.randomUser()
	r := w.randomLive(func(r *domRepository) bool { return w.canSee(actor, r) })
	if r == nil {
		return nil
	}
	n := r.seq + 1
	title := w.text("title")
	id := w.repositoryID(r)
	var cmd entities.Command = entities.OpenIssue{Actor: w.login(actor), Repository: id, Title: title, Body: w.text("body")}
	kind := "openIssue"
	if pr {
		kind = "openPullRequest"
		cmd = entities.OpenPullRequest{Actor: w.login(actor), Repository: id, Title: title, HeadRef: fmt.Sprintf("feature-%d", n), BaseRef: "main"}
	}
	return &domStep{kind: kind, actor: w.login(actor), cmd: cmd, wantEvents: 1,
		check: func(res events.Result) string {
			var got int
			switch s := res.Snapshot(entities.NewIssueID(id, n)).State.(type) {
			case *entities.Issue:
				got = s.Number
			}
			if s, ok := res.Snapshot(entities.NewPullRequestID(id, n)).State.(*entities.PullRequest); ok {
				got = s.Number
			}
			if got != n {
				return fmt.Sprintf("opened %v, want number %d", domTypes(res.Appended), n)
			}
			return ""
		},
		apply: func(events.Result) {
			r.seq = n
			r.work = append(r.work, &domWork{n: n, pr: pr, author: actor, title: title, state: "OPEN"})
		}}
}

func (w *domWorld) openIssue() *domStep       { return w.open(false) }
func (w *domWorld) openPullRequest() *domStep { return w.open(true) }

// workTarget picks a live issue (pr false) or pull request of a
// repository the actor may modify it in (as author or admin), and the
// actor.
func (w *domWorld) workTarget(pr bool, keep func(*domWork) bool, adminOnly bool) (string, *domRepository, *domWork) {
	var cands [][2]any
	for _, r := range w.liveRepositories(nil) {
		for _, wk := range r.work {
			if wk.pr == pr && (keep == nil || keep(wk)) {
				cands = append(cands, [2]any{r, wk})
			}
		}
	}
	if len(cands) == 0 {
		return "", nil, nil
	}
	c := cands[w.pick(len(cands))]
	r, wk := c[0].(*domRepository), c[1].(*domWork)
	var actors []string
	for _, u := range w.users {
		if !w.canSee(u, r) {
			continue
		}
		admin := w.canAdmin(u, strings.ToLower(r.owner))
		if admin || (!adminOnly && u == wk.author) {
			actors = append(actors, u)
		}
	}
	if len(actors) == 0 {
		return "", nil, nil
	}
	return actors[w.pick(len(actors))], r, wk
}

func (w *domWorld) editIssue() *domStep {
	return w.editWork(false, "editIssue", func(actor string, r entities.RepositoryID, n int, title *string) entities.Command {
		return entities.EditIssue{Actor: actor, Repository: r, Number: n, Title: title}
	})
}

// editWork is a step of kind that retitles an issue, or a pull request
// when pull is set.
func (w *domWorld) editWork(pull bool, kind string, command func(actor string, r entities.RepositoryID, n int, title *string) entities.Command) *domStep {
	actor, r, wk := w.workTarget(pull, nil, false)
	if r == nil {
		return nil
	}
	title := w.text("edited")
	return &domStep{kind: kind, actor: w.login(actor), cmd: command(w.login(actor), w.repositoryID(r), wk.n, &title), wantEvents: 1, apply: func(events.Result) { wk.title = title }}
}

func (w *domWorld) closeIssue() *domStep {
	return w.moveWork(false, "closeIssue", "OPEN", "CLOSED", 0.1, func(actor string, r entities.RepositoryID, n int) entities.Command {
		reason := []entities.IssueStateReason{"", entities.ReasonCompleted, entities.ReasonNotPlanned}[w.pick(3)]
		return entities.CloseIssue{Actor: actor, Repository: r, Number: n, Reason: reason}
	})
}

func (w *domWorld) reopenIssue() *domStep {
	return w.moveWork(false, "reopenIssue", "CLOSED", "OPEN", 0.05, func(actor string, r entities.RepositoryID, n int) entities.Command {
		return entities.ReopenIssue{Actor: actor, Repository: r, Number: n}
	})
}

func (w *domWorld) editPullRequest() *domStep {
	return w.editWork(true, "editPullRequest", func(actor string, r entities.RepositoryID, n int, title *string) entities.Command {
		return entities.EditPullRequest{Actor: actor, Repository: r, Number: n, Title: title}
	})
}

func (w *domWorld) closePullRequest() *domStep {
	return w.moveWork(true, "closePullRequest", "OPEN", "CLOSED", 0.1, func(actor string, r entities.RepositoryID, n int) entities.Command {
		return entities.ClosePullRequest{Actor: actor, Repository: r, Number: n}
	})
}

func (w *domWorld) reopenPullRequest() *domStep {
	return w.moveWork(true, "reopenPullRequest", "CLOSED", "OPEN", 0.1, func(actor string, r entities.RepositoryID, n int) entities.Command {
		return entities.ReopenPullRequest{Actor: actor, Repository: r, Number: n}
	})
}

// moveWork is a step of kind that moves an issue, or a pull request when
// pull is set, to state to: mostly one in state from, else one picked
// with the odds other. From from it is one event; already in to, none; a
// merged pull request cannot move (BAD_USER_INPUT).
func (w *domWorld) moveWork(pull bool, kind, from, to string, other float64, command func(actor string, r entities.RepositoryID, n int) entities.Command) *domStep {
	actor, r, wk := w.workTarget(pull, func(wk *domWork) bool { return wk.state == from || w.chance(other) }, false)
	if r == nil {
		return nil
	}
	step := &domStep{kind: kind, actor: w.login(actor), cmd: command(w.login(actor), w.repositoryID(r), wk.n)}
	switch wk.state {
	case "MERGED":
		step.wantCode = entities.CodeBadInput
	case from:
		step.wantEvents = 1
		step.apply = func(events.Result) { wk.state = to }
	}
	return step
}

func (w *domWorld) mergePullRequest() *domStep {
	actor, r, wk := w.workTarget(true, func(wk *domWork) bool { return wk.state == "OPEN" || w.chance(0.1) }, true)
	if r == nil {
		return nil
	}
	cmd := entities.MergePullRequest{Actor: w.login(actor), Repository: w.repositoryID(r), Number: wk.n}
	if wk.state != "OPEN" {
		return &domStep{kind: "mergePullRequest", actor: w.login(actor), cmd: cmd, wantCode: entities.CodeBadInput}
	}
	return &domStep{kind: "mergePullRequest", actor: w.login(actor), cmd: cmd, wantEvents: 1, apply: func(events.Result) { wk.state = "MERGED" }}
}

// Comments and reactions.

func (w *domWorld) addComment() *domStep {
	actor := w.randomUser()
	var cands [][2]any
	for _, r := range w.liveRepositories(func(r *domRepository) bool { return w.canSee(actor, r) }) {
		for _, wk := range r.work {
			cands = append(cands, [2]any{r, wk})
		}
	}
	if len(cands) == 0 {
		return nil
	}
	c := cands[w.pick(len(cands))]
	r, wk := c[0].(*domRepository), c[1].(*domWork)
	id, body := w.newCommentID(), w.text("comment")
	return &domStep{kind: "addComment", actor: w.login(actor), cmd: entities.AddComment{Actor: w.login(actor), Repository: w.repositoryID(r), Number: wk.n, ID: id, Body: body}, wantEvents: 1, apply: func(events.Result) {
		wk.comments = append(wk.comments, &domComment{id: id, author: actor, body: body})
	}}
}

// commentTarget picks a live comment and an actor that may modify it.
func (w *domWorld) commentTarget() (string, *domRepository, *domWork, *domComment) {
	type cand struct {
		r  *domRepository
		wk *domWork
		c  *domComment
	}
	var cands []cand
	for _, r := range w.liveRepositories(nil) {
		for _, wk := range r.work {
			for _, c := range wk.comments {
				if !c.deleted {
					cands = append(cands, cand{r, wk, c})
				}
			}
		}
	}
	if len(cands) == 0 {
		return "", nil, nil, nil
	}
	c := cands[w.pick(len(cands))]
	var actors []string
	for _, u := range w.users {
		if w.canSee(u, c.r) && (u == c.c.author || w.canAdmin(u, strings.ToLower(c.r.owner))) {
			actors = append(actors, u)
		}
	}
	if len(actors) == 0 {
		return "", nil, nil, nil
	}
	return actors[w.pick(len(actors))], c.r, c.wk, c.c
}

func (w *domWorld) editComment() *domStep {
	actor, r, wk, c := w.commentTarget()
	if r == nil {
		return nil
	}
	body := w.text("edited comment")
	id := entities.NewCommentID(w.repositoryID(r), wk.n, c.id)
	return &domStep{kind: "editComment", actor: w.login(actor), cmd: entities.EditComment{Actor: w.login(actor), ID: id, Body: body}, wantEvents: 1, apply: func(events.Result) { c.body = body }}
}

func (w *domWorld) deleteComment() *domStep {
	actor, r, wk, c := w.commentTarget()
	if r == nil {
		return nil
	}
	id := entities.NewCommentID(w.repositoryID(r), wk.n, c.id)
	key := table.CommentKey(r.owner, r.name, wk.n, c.id)
	return &domStep{kind: "deleteComment", actor: w.login(actor), cmd: entities.DeleteComment{Actor: w.login(actor), ID: id}, wantEvents: 1, apply: func(events.Result) {
		c.deleted = true
		// Its reactions can no longer be removed; its item keeps their
		// counts, marked deleted.
		kept := w.reactions[:0]
		for _, re := range w.reactions {
			if re.key == key {
				continue
			}
			kept = append(kept, re)
		}
		w.reactions = kept
	}}
}

func domReactedKey(subject table.Key, login string, content entities.ReactionContent) string {
	return subject.PK + "|" + subject.SK + "|" + login + "|" + string(content)
}

func (w *domWorld) addReaction() *domStep {
	actor := w.randomUser()
	type cand struct {
		r       *domRepository
		subject entities.ID
		key     table.Key
	}
	var cands []cand
	for _, r := range w.liveRepositories(func(r *domRepository) bool { return w.canSee(actor, r) }) {
		id := w.repositoryID(r)
		for _, wk := range r.work {
			if wk.pr {
				cands = append(cands, cand{r, entities.NewPullRequestID(id, wk.n), domWorkKey(r, wk)})
			} else {
				cands = append(cands, cand{r, entities.NewIssueID(id, wk.n), domWorkKey(r, wk)})
			}
			for _, c := range wk.comments {
				if !c.deleted {
					cands = append(cands, cand{r, entities.NewCommentID(id, wk.n, c.id), table.CommentKey(r.owner, r.name, wk.n, c.id)})
				}
			}
		}
	}
	if len(cands) == 0 {
		return nil
	}
	c := cands[w.pick(len(cands))]
	content := entities.ReactionContents()[w.pick(8)]
	rk := domReactedKey(c.key, actor, content)
	cmd := entities.AddReaction{Actor: w.login(actor), Subject: c.subject, Content: content}
	if w.reacted[rk] {
		return &domStep{kind: "addReaction", actor: w.login(actor), cmd: cmd}
	}
	return &domStep{kind: "addReaction", actor: w.login(actor), cmd: cmd, wantEvents: 1, apply: func(events.Result) {
		w.reacted[rk] = true
		w.reactions = append(w.reactions, domReaction{subject: c.subject, key: c.key, repo: c.r.key, login: actor, content: content})
	}}
}

func (w *domWorld) removeReaction() *domStep {
	var cands []int
	for i, re := range w.reactions {
		if w.canSee(re.login, w.repos[re.repo]) {
			cands = append(cands, i)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	i := cands[w.pick(len(cands))]
	re := w.reactions[i]
	cmd := entities.RemoveReaction{Actor: w.login(re.login), Subject: re.subject, Content: re.content}
	return &domStep{kind: "removeReaction", actor: w.login(re.login), cmd: cmd, wantEvents: 1, apply: func(events.Result) {
		delete(w.reacted, domReactedKey(re.key, re.login, re.content))
		w.reactions = append(w.reactions[:i], w.reactions[i+1:]...)
	}}
}

// Labels: an admin creates, renames (to a free name, or a taken one in
// another case) and deletes a repository's labels; an item's author or an
// admin adds and removes them.

// labelTarget picks a live repository with an admin who can act on it.
func (w *domWorld) labelTarget(needLabel bool) (string, *domRepository) {
	r, actor, ok := w.liveWithAdmin(func(r *domRepository) bool { return !needLabel || len(r.labels) > 0 })
	if !ok {
		return "", nil
	}
	return actor, r
}

func (r *domRepository) labelNamed(name string) *domLabel {
	for _, l := range r.labels {
		if strings.EqualFold(l.name, name) {
			return l
		}
	}
	return nil
}

var domLabelNames = []string{"bug", "docs", "help wanted", "good first issue", "wontfix", "question"}

func (w *domWorld) createLabel() *domStep {
	actor, r := w.labelTarget(false)
	if r == nil {
		return nil
	}
	name := w.recase(domLabelNames[w.pick(len(domLabelNames))])
	cmd := entities.CreateLabel{Repository: w.repositoryID(r), ID: w.newCommentID(), Name: name, Color: "00ff7f", Actor: w.login(actor)}
	if r.labelNamed(name) != nil {
		return &domStep{kind: "createLabel", actor: w.login(actor), cmd: cmd, wantCode: entities.CodeAlreadyExists}
	}
	return &domStep{kind: "createLabel", actor: w.login(actor), cmd: cmd, wantEvents: 1, apply: func(events.Result) {
		r.labels = append(r.labels, &domLabel{id: cmd.ID, name: name})
	}}
}

func (w *domWorld) renameLabel() *domStep {
	actor, r := w.labelTarget(true)
	if r == nil {
		return nil
	}
	l := r.labels[w.pick(len(r.labels))]
	name := w.recase(domLabelNames[w.pick(len(domLabelNames))]) + "!"
	cmd := entities.UpdateLabel{Repository: w.repositoryID(r), ID: l.id, Name: &name, Actor: w.login(actor)}
	switch other := r.labelNamed(name); {
	case other != nil && other != l:
		return &domStep{kind: "renameLabel", actor: w.login(actor), cmd: cmd, wantCode: entities.CodeAlreadyExists}
	case name == l.name:
		return &domStep{kind: "renameLabel", actor: w.login(actor), cmd: cmd}
	}
	return &domStep{kind: "renameLabel", actor: w.login(actor), cmd: cmd, wantEvents: 1, apply: func(events.Result) { l.name = name }}
}

func (w *domWorld) deleteLabel() *domStep {
	actor, r := w.labelTarget(true)
	if r == nil {
		return nil
	}
	i := w.pick(len(r.labels))
	l := r.labels[i]
	cmd := entities.DeleteLabel{Repository: w.repositoryID(r), ID: l.id, Actor: w.login(actor)}
	return &domStep{kind: "deleteLabel", actor: w.login(actor), cmd: cmd, wantEvents: 1, apply: func(events.Result) {
		r.labels = append(r.labels[:i:i], r.labels[i+1:]...)
		for _, wk := range r.work {
			if slices.Contains(wk.labels, l.id) {
				wk.labels = slices.DeleteFunc(wk.labels, func(id string) bool { return id == l.id })
				wk.stale = append(wk.stale, l.id)
			}
		}
	}}
}

// labelWork picks an item of a repository with labels and an actor who
// may label it.
func (w *domWorld) labelWork(keep func(*domWork) bool) (string, *domRepository, *domWork) {
	pr := w.pick(2) == 0
	actor, r, wk := w.workTarget(pr, keep, false)
	if r == nil || len(r.labels) == 0 {
		return "", nil, nil
	}
	return actor, r, wk
}

func (w *domWorld) workID(r *domRepository, wk *domWork) entities.ID {
	if wk.pr {
		return entities.NewPullRequestID(w.repositoryID(r), wk.n)
	}
	return entities.NewIssueID(w.repositoryID(r), wk.n)
}

func (w *domWorld) addLabels() *domStep {
	actor, r, wk := w.labelWork(nil)
	if r == nil {
		return nil
	}
	l := r.labels[w.pick(len(r.labels))]
	cmd := entities.ChangeLabels{Subject: w.workID(r, wk), Labels: []string{l.id}, Actor: w.login(actor)}
	if slices.Contains(wk.labels, l.id) {
		return &domStep{kind: "addLabels", actor: w.login(actor), cmd: cmd}
	}
	n := 1
	if len(wk.stale) > 0 {
		n++
	}
	return &domStep{kind: "addLabels", actor: w.login(actor), cmd: cmd, wantEvents: n, apply: func(events.Result) {
		wk.labels, wk.stale = append(wk.labels, l.id), nil
	}}
}

func (w *domWorld) removeLabels() *domStep {
	actor, r, wk := w.labelWork(func(wk *domWork) bool { return len(wk.labels) > 0 })
	if r == nil {
		return nil
	}
	id := wk.labels[w.pick(len(wk.labels))]
	cmd := entities.ChangeLabels{Subject: w.workID(r, wk), Labels: []string{id}, Remove: true, Actor: w.login(actor)}
	return &domStep{kind: "removeLabels", actor: w.login(actor), cmd: cmd, wantEvents: 1, apply: func(events.Result) {
		wk.labels = slices.DeleteFunc(wk.labels, func(x string) bool { return x == id })
	}}
}

// invalid returns a command the domain rules refuse, with its code.
func (w *domWorld) invalid() *domStep {
	actor := w.randomUser()
	switch w.pick(7) {
	case 0: // a private repository the actor cannot see
		r := w.randomLive(func(r *domRepository) bool { return !w.canSee(actor, r) })
		if r == nil {
			return nil
		}
		return &domStep{kind: "invalid star", actor: w.login(actor), cmd: entities.StarRepository{Owner: r.owner, Name: r.name, Actor: w.login(actor)}, wantCode: entities.CodeNotFound}
	case 1: // merging without admin rights
		var cands [][2]any
		for _, r := range w.liveRepositories(func(r *domRepository) bool { return w.canSee(actor, r) && !w.canAdmin(actor, strings.ToLower(r.owner)) }) {
			for _, wk := range r.work {
				if wk.pr {
					cands = append(cands, [2]any{r, wk})
				}
			}
		}
		if len(cands) == 0 {
			return nil
		}
		c := cands[w.pick(len(cands))]
		return &domStep{kind: "invalid merge", actor: w.login(actor), cmd: entities.MergePullRequest{Actor: w.login(actor), Repository: w.repositoryID(c[0].(*domRepository)), Number: c[1].(*domWork).n}, wantCode: entities.CodeForbidden}
	case 2: // editing someone else's issue
		var cands [][2]any
		for _, r := range w.liveRepositories(func(r *domRepository) bool { return w.canSee(actor, r) && !w.canAdmin(actor, strings.ToLower(r.owner)) }) {
			for _, wk := range r.work {
				if !wk.pr && wk.author != actor {
					cands = append(cands, [2]any{r, wk})
				}
			}
		}
		if len(cands) == 0 {
			return nil
		}
		c := cands[w.pick(len(cands))]
		title := "hijacked"
		return &domStep{kind: "invalid editIssue", actor: w.login(actor), cmd: entities.EditIssue{Actor: w.login(actor), Repository: w.repositoryID(c[0].(*domRepository)), Number: c[1].(*domWork).n, Title: &title}, wantCode: entities.CodeForbidden}
	case 3: // an issue in a deleted repository
		var cands []*domRepository
		for _, k := range w.order {
			if w.repos[k].deleted {
				cands = append(cands, w.repos[k])
			}
		}
		if len(cands) == 0 {
			return nil
		}
		r := cands[w.pick(len(cands))]
		return &domStep{kind: "invalid openIssue", actor: w.login(actor), cmd: entities.OpenIssue{Actor: w.login(actor), Repository: w.repositoryID(r), Title: "ghost"}, wantCode: entities.CodeNotFound}
	case 4:
		return &domStep{kind: "invalid createRepository", actor: w.login(actor), cmd: entities.CreateRepository{Owner: w.login(actor), Name: "..", Actor: w.login(actor)}, wantCode: entities.CodeBadInput}
	case 5: // deleting another user's repository
		r := w.randomLive(func(r *domRepository) bool { return w.canSee(actor, r) && !w.canAdmin(actor, strings.ToLower(r.owner)) })
		if r == nil {
			return nil
		}
		return &domStep{kind: "invalid deleteRepository", actor: w.login(actor), cmd: entities.DeleteRepository{Owner: r.owner, Name: r.name, Actor: w.login(actor)}, wantCode: entities.CodeForbidden}
	default: // a blank comment
		r := w.randomLive(func(r *domRepository) bool { return w.canSee(actor, r) && len(r.work) > 0 })
		if r == nil {
			return nil
		}
		return &domStep{kind: "invalid addComment", actor: w.login(actor), cmd: entities.AddComment{Actor: w.login(actor), Repository: w.repositoryID(r), Number: r.work[0].n, ID: w.newCommentID(), Body: "  "}, wantCode: entities.CodeBadInput}
	}
}

// checkReadModel compares the live read model with the model: every
// account, membership, repository, issue, pull request and comment with
// its counters, and the absence of everything deleted.
func (w *domWorld) checkReadModel(t *testing.T, items []testkit.Item) {
	t.Helper()
	byKey := map[table.Key]testkit.Item{}
	for _, it := range items {
		byKey[table.Key{PK: testkit.S(it, table.AttrPK), SK: testkit.S(it, table.AttrSK)}] = it
	}
	errs := 0
	fail := func(format string, args ...any) {
		t.Helper()
		if errs++; errs <= 30 {
			t.Errorf(format, args...)
		}
	}
	num := func(it testkit.Item, attr string) int { return testkit.NumberAttr(t, it, attr) }
	expect := func(what string, k table.Key, et string, counters map[string]int) testkit.Item {
		t.Helper()
		it := byKey[k]
		if testkit.S(it, table.AttrType) != et {
			fail("%s: read item %v is %v, want one of type %s", what, k, it, et)
			return nil
		}
		names := make([]string, 0, len(counters))
		for n := range counters {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if got := num(it, n); got != counters[n] {
				fail("%s: %s = %d, model %d", what, n, got, counters[n])
			}
		}
		return it
	}

	starred := map[string]int{}
	stargazers := map[string]int{}
	for k := range w.stars {
		starred[k[0]]++
		stargazers[k[1]]++
	}
	orgsOf := map[string]int{}
	for _, o := range w.orgs {
		for u := range w.accounts[o].members {
			orgsOf[u]++
		}
	}
	repos, private := map[string]int{}, map[string]int{}
	for _, r := range w.liveRepositories(nil) {
		o := strings.ToLower(r.owner)
		repos[o]++
		if r.private {
			private[o]++
		}
	}
	reactions := map[table.Key]map[string]int{}
	for _, re := range w.reactions {
		if reactions[re.key] == nil {
			reactions[re.key] = map[string]int{}
		}
		reactions[re.key][readmodel.AttrReactionCount(string(re.content))]++
	}
	withReactions := func(k table.Key, m map[string]int) map[string]int {
		for _, c := range entities.ReactionContents() {
			m[readmodel.AttrReactionCount(string(c))] = reactions[k][readmodel.AttrReactionCount(string(c))]
		}
		return m
	}

	for _, u := range w.users {
		it := expect("user "+u, table.AccountKey(u), table.TypeAccount, map[string]int{
			readmodel.AttrStarredCount: starred[u], readmodel.AttrOrganizationCount: orgsOf[u],
			readmodel.AttrRepositoryCount: repos[u], readmodel.AttrPrivateRepositoryCount: private[u],
		})
		if it != nil && testkit.S(it, "login") != w.login(u) {
			fail("user %s: login %q, want %q", u, testkit.S(it, "login"), w.login(u))
		}
	}
	for _, o := range w.orgs {
		a := w.accounts[o]
		expect("organization "+o, table.AccountKey(o), table.TypeAccount, map[string]int{
			readmodel.AttrMemberCount: len(a.members), readmodel.AttrRepositoryCount: repos[o], readmodel.AttrPrivateRepositoryCount: private[o],
		})
		for _, u := range w.users {
			it := byKey[table.MembershipKey(o, u)]
			switch role := a.members[u]; {
			case role == "" && it != nil:
				fail("membership %s/%s: read item %v, but %s is no member", o, u, it, u)
			case role != "" && testkit.S(it, "role") != role:
				fail("membership %s/%s: read item %v, want role %s", o, u, it, role)
			}
		}
	}
	for _, k := range w.order {
		r := w.repos[k]
		for _, pk := range r.purged {
			if it := byKey[pk]; it != nil {
				fail("%v of a deleted life of %s is still there: %v", pk, k, it)
			}
		}
		if r.deleted {
			if it := byKey[table.RepositoryKey(r.owner, r.name)]; it != nil {
				fail("repository %s was deleted, its read item is %v", k, it)
			}
			continue
		}
		counts := map[string]int{
			readmodel.AttrStargazerCount: stargazers[k], readmodel.AttrForkCount: len(r.forks),
			readmodel.AttrOpenIssueCount: 0, readmodel.AttrClosedIssueCount: 0, readmodel.AttrOpenPullCount: 0, readmodel.AttrClosedPullCount: 0, readmodel.AttrMergedPullCount: 0,
		}
		for _, wk := range r.work {
			switch {
			case !wk.pr && wk.state == "OPEN":
				counts[readmodel.AttrOpenIssueCount]++
			case !wk.pr:
				counts[readmodel.AttrClosedIssueCount]++
			case wk.state == "OPEN":
				counts[readmodel.AttrOpenPullCount]++
			case wk.state == "CLOSED":
				counts[readmodel.AttrClosedPullCount]++
			default:
				counts[readmodel.AttrMergedPullCount]++
			}
		}
		it := expect("repository "+k, table.RepositoryKey(r.owner, r.name), table.TypeRepository, counts)
		if it != nil && (num(it, table.ReadLife) != r.life || testkit.S(it, "owner") != r.owner) {
			fail("repository %s: read item %v, want life %d owner %q", k, testkit.JSONItem(it), r.life, r.owner)
		}
		for _, wk := range r.work {
			et := table.TypeIssue
			if wk.pr {
				et = table.TypePullRequest
			}
			live := 0
			for _, c := range wk.comments {
				ck := table.CommentKey(r.owner, r.name, wk.n, c.id)
				if c.deleted {
					if ci := byKey[ck]; !domDeleted(ci) {
						fail("deleted comment %v: read item %v, want one marked deleted", ck, ci)
					}
					continue
				}
				live++
				ci := expect(fmt.Sprintf("comment %s#%d/%s", k, wk.n, c.id), ck, table.TypeComment, withReactions(ck, map[string]int{}))
				if ci != nil && (testkit.S(ci, "body") != c.body || testkit.S(ci, "author") != c.author) {
					fail("comment %v: body %q author %q, want %q by %q", ck, testkit.S(ci, "body"), testkit.S(ci, "author"), c.body, c.author)
				}
			}
			wi := expect(fmt.Sprintf("%s %s#%d", et, k, wk.n), domWorkKey(r, wk), et, withReactions(domWorkKey(r, wk), map[string]int{readmodel.AttrCommentCount: live}))
			if wi != nil && (testkit.S(wi, "state") != wk.state || testkit.S(wi, "title") != wk.title) {
				fail("%s %s#%d: state %q title %q, want %q %q", et, k, wk.n, testkit.S(wi, "state"), testkit.S(wi, "title"), wk.state, wk.title)
			}
		}
	}
	if errs > 30 {
		t.Errorf("… and %d more differences from the model", errs-30)
	}
}

// domDeleted reports whether it is a comment item marked deleted.
func domDeleted(it testkit.Item) bool {
	d, ok := it["deleted"].(*types.AttributeValueMemberBOOL)
	return testkit.S(it, table.AttrType) == table.TypeComment && ok && d.Value
}
