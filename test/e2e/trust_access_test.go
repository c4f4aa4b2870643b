package e2e_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/app"
	"github.com/hubstream/hubstream/test/testkit"
)

// The schema-driven access test: every field reachable from Query and
// from every mutation payload, found by introspection, read by outsiders
// of three private repositories — anonymous, a stranger, a member who was
// removed, an organization's own login, logins without an account — and
// by replays of each mutation's stored result. Every text of the private
// repositories written after the viewers lost (or while they never had)
// access carries the marker trustMarker; no response to them may show it.

// The marker has a character no cursor or node ID (base64url) contains.
const trustMarker = "ZQX~"

// trustRecipe is one mutation run with an idempotency key while its actor
// could still see its repository, to be replayed after it cannot.
type trustRecipe struct {
	actor string
	input map[string]any
}

// trustWorld is the world of the access test.
type trustWorld struct {
	srv     *testkit.Server
	logins  []string    // every account, for user, organization, repositoryOwner
	repos   [][2]string // every repository, for repository(owner, name)
	recipes map[string]trustRecipe
	// privateIDs are node IDs of private issues and comments, for node-ID
	// mutations by outsiders.
	privateIDs map[string]string
}

// trustRun runs a mutation document as actor and returns its data,
// failing the test on errors.
func trustRun(t *testing.T, srv *testkit.Server, actor, doc string, input map[string]any) map[string]any {
	t.Helper()
	return domData(t, srv.As(t, actor), doc, map[string]any{"in": input})
}

// trustPath walks data along a dotted path of object members.
func trustPath(data map[string]any, path string) string {
	return domString(domAt(data, strings.Split(path, ".")...))
}

// trustSeed builds the world through the API, as its users would:
//
//	alice/hush   private from the start, alice's; everything in it marked
//	alice/flip   public while mallory (and fan) used it, then private and
//	             written to with marked texts
//	acme/vault   private, of organization acme; leaver was an ADMIN member
//	             and used it, then was removed; marked texts after that
//	acme/lair    private, created by leaver as acme's admin; marked after
//	acme/doomed  deleted by leaver, re-created private and marked
//
// Every mutation in the schema that takes an input is run once with an
// idempotency key in trustWorld.recipes.
func trustSeed(t *testing.T) *trustWorld {
	t.Helper()
	srv := testkit.Start(t, testkit.Options{Configure: func(c *app.Config) {
		// Visibility, not cost, is under test: whole schema trees in one
		// query are far over the limits.
		c.GraphQL.ComplexityLimit, c.GraphQL.DepthLimit, c.GraphQL.TokenLimit = -1, -1, -1
	}})
	w := &trustWorld{srv: srv, recipes: map[string]trustRecipe{}, privateIDs: map[string]string{}}
	key := func(name string) string { return "K-" + name }
	// rec runs mutation name with input as actor, with a key, and keeps
	// it for the replay.
	rec := func(name, actor, selection string, input map[string]any) map[string]any {
		t.Helper()
		input["idempotencyKey"] = key(name)
		w.recipes[name] = trustRecipe{actor: actor, input: input}
		return trustRun(t, srv, actor, fmt.Sprintf("mutation($in: %sInput!) { %s(input: $in) { %s } }", trustInputType(name), name, selection), input)
	}
	do := func(actor, doc string, input map[string]any) map[string]any {
		t.Helper()
		return trustRun(t, srv, actor, doc, input)
	}
	const (
		createRepository = `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { name } } }`
		updateRepository = `mutation($in: UpdateRepositoryInput!) { updateRepository(input: $in) { repository { name } } }`
		openIssue        = `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { id number } } }`
		openPR           = `mutation($in: OpenPullRequestInput!) { openPullRequest(input: $in) { pullRequest { id number } } }`
		addComment       = `mutation($in: AddCommentInput!) { addComment(input: $in) { comment { id } } }`
		editIssue        = `mutation($in: EditIssueInput!) { editIssue(input: $in) { issue { id } } }`
		addReaction      = `mutation($in: ReactionInput!) { addReaction(input: $in) { subject { id } } }`
		createLabel      = `mutation($in: CreateLabelInput!) { createLabel(input: $in) { label { id } } }`
		addLabels        = `mutation($in: LabelsInput!) { addLabelsToLabelable(input: $in) { issue { id } pullRequest { id } } }`
		updateLabel      = `mutation($in: UpdateLabelInput!) { updateLabel(input: $in) { label { id } } }`
	)

	for _, u := range []string{"alice", "oadmin", "leaver", "fan"} {
		createUser(t, srv, map[string]any{"login": u})
	}
	rec("createUser", "mallory", "user { login }", map[string]any{"login": "mallory"})
	rec("updateProfile", "mallory", "user { login }", map[string]any{"login": "mallory", "bio": "hello"})
	w.logins = []string{"alice", "oadmin", "leaver", "fan", "mallory", "acme", "leaverorg", "ghost"}

	// alice/hush: private from the start, marked throughout.
	do("alice", createRepository, map[string]any{"name": "hush", "isPrivate": true, "description": trustMarker + "-hush"})
	hushIssue := do("alice", openIssue, map[string]any{"owner": "alice", "repository": "hush", "title": trustMarker + "-hush-issue", "body": trustMarker + "-hush-body"})
	w.privateIDs["hush issue"] = trustPath(hushIssue, "openIssue.issue.id")
	do("alice", openPR, map[string]any{"owner": "alice", "repository": "hush", "title": trustMarker + "-hush-pr", "headRef": "f", "baseRef": "main"})
	hushComment := do("alice", addComment, map[string]any{"owner": "alice", "repository": "hush", "number": 1, "body": trustMarker + "-hush-comment"})
	w.privateIDs["hush comment"] = trustPath(hushComment, "addComment.comment.id")
	do("alice", addReaction, map[string]any{"subjectId": w.privateIDs["hush issue"], "content": "HEART"})
	do("alice", `mutation($in: StarRepositoryInput!) { starRepository(input: $in) { repository { name } } }`, map[string]any{"owner": "alice", "name": "hush"})
	hushLabel := do("alice", createLabel, map[string]any{"owner": "alice", "repository": "hush", "name": trustLabelName, "color": "000000", "description": trustMarker + "-hush-label"})
	do("alice", addLabels, map[string]any{"labelableId": w.privateIDs["hush issue"], "labelIds": []string{trustPath(hushLabel, "createLabel.label.id")}})

	// alice/flip: public, used by mallory and fan.
	do("alice", createRepository, map[string]any{"name": "flip", "description": "public for now"})
	rec("starRepository", "mallory", "repository { name }", map[string]any{"owner": "alice", "name": "flip"})
	do("fan", `mutation($in: StarRepositoryInput!) { starRepository(input: $in) { repository { name } } }`, map[string]any{"owner": "alice", "name": "flip"})
	rec("unstarRepository", "fan", "repository { name }", map[string]any{"owner": "alice", "name": "flip"})
	do("fan", `mutation($in: StarRepositoryInput!) { starRepository(input: $in) { repository { name } } }`, map[string]any{"owner": "alice", "name": "flip"})
	rec("forkRepository", "mallory", "repository { name }", map[string]any{"owner": "alice", "name": "flip"})
	do("fan", `mutation($in: ForkRepositoryInput!) { forkRepository(input: $in) { repository { name } } }`, map[string]any{"owner": "alice", "name": "flip"})
	issue := rec("openIssue", "mallory", "issue { id number }", map[string]any{"owner": "alice", "repository": "flip", "title": "mallory's issue"})
	issueID := trustPath(issue, "openIssue.issue.id")
	rec("editIssue", "mallory", "issue { id }", map[string]any{"owner": "alice", "repository": "flip", "number": 1, "body": "mallory's body"})
	rec("closeIssue", "mallory", "issue { id }", map[string]any{"owner": "alice", "repository": "flip", "number": 1})
	rec("reopenIssue", "mallory", "issue { id }", map[string]any{"owner": "alice", "repository": "flip", "number": 1})
	rec("openPullRequest", "mallory", "pullRequest { number }", map[string]any{"owner": "alice", "repository": "flip", "title": "mallory's pr", "headRef": "m", "baseRef": "main"})
	rec("editPullRequest", "mallory", "pullRequest { number }", map[string]any{"owner": "alice", "repository": "flip", "number": 2, "body": "mallory's pr body"})
	rec("closePullRequest", "mallory", "pullRequest { number }", map[string]any{"owner": "alice", "repository": "flip", "number": 2})
	rec("reopenPullRequest", "mallory", "pullRequest { number }", map[string]any{"owner": "alice", "repository": "flip", "number": 2})
	comment := rec("addComment", "mallory", "comment { id }", map[string]any{"owner": "alice", "repository": "flip", "number": 1, "body": "mallory's comment"})
	commentID := trustPath(comment, "addComment.comment.id")
	rec("editComment", "mallory", "comment { id }", map[string]any{"id": commentID, "body": "mallory's comment, edited"})
	doomedComment := do("mallory", addComment, map[string]any{"owner": "alice", "repository": "flip", "number": 1, "body": "to delete"})
	rec("deleteComment", "mallory", "deletedCommentId", map[string]any{"id": trustPath(doomedComment, "addComment.comment.id")})
	rec("addReaction", "mallory", "reactionGroups { count }", map[string]any{"subjectId": issueID, "content": "HEART"})
	do("mallory", addReaction, map[string]any{"subjectId": issueID, "content": "EYES"})
	rec("removeReaction", "mallory", "reactionGroups { count }", map[string]any{"subjectId": issueID, "content": "EYES"})

	// acme: oadmin's organization; leaver an ADMIN member for a while.
	do("oadmin", `mutation { createOrganization(input: {login: "acme"}) { organization { login } } }`, nil)
	do("oadmin", `mutation { addMember(input: {organization: "acme", login: "leaver", role: ADMIN}) { role } }`, nil)
	do("oadmin", createRepository, map[string]any{"owner": "acme", "name": "vault", "isPrivate": true})
	do("oadmin", createRepository, map[string]any{"owner": "acme", "name": "doomed", "isPrivate": true})
	rec("createOrganization", "leaver", "organization { login }", map[string]any{"login": "leaverorg"})
	rec("updateOrganization", "leaver", "organization { login }", map[string]any{"login": "acme", "description": "acme inc"})
	rec("addMember", "leaver", "role", map[string]any{"organization": "acme", "login": "fan", "role": "MEMBER"})
	rec("changeMemberRole", "leaver", "role", map[string]any{"organization": "acme", "login": "fan", "role": "ADMIN"})
	rec("removeMember", "leaver", "organization { login }", map[string]any{"organization": "acme", "login": "fan"})
	rec("createRepository", "leaver", "repository { name }", map[string]any{"owner": "acme", "name": "lair", "isPrivate": true})
	rec("updateRepository", "leaver", "repository { name }", map[string]any{"owner": "acme", "name": "vault", "description": "the vault"})
	rec("deleteRepository", "leaver", "deletedRepositoryId", map[string]any{"owner": "acme", "name": "doomed"})
	vaultPR := trustPath(do("leaver", openPR, map[string]any{"owner": "acme", "repository": "vault", "title": "leaver's pr", "headRef": "l", "baseRef": "main"}), "openPullRequest.pullRequest.id")
	rec("mergePullRequest", "leaver", "pullRequest { number }", map[string]any{"owner": "acme", "repository": "vault", "number": 1})
	vaultLabel := trustPath(rec("createLabel", "leaver", "label { id name }", map[string]any{"owner": "acme", "repository": "vault", "name": trustLabelName, "color": "111111"}), "createLabel.label.id")
	rec("updateLabel", "leaver", "label { id name }", map[string]any{"id": vaultLabel, "color": "222222"})
	rec("addLabelsToLabelable", "leaver", "pullRequest { number labels(first: 5) { nodes { name description } } }", map[string]any{"labelableId": vaultPR, "labelIds": []string{vaultLabel}})
	rec("removeLabelsFromLabelable", "leaver", "pullRequest { number }", map[string]any{"labelableId": vaultPR, "labelIds": []string{vaultLabel}})
	doomedLabel := trustPath(do("leaver", createLabel, map[string]any{"owner": "acme", "repository": "vault", "name": "doomed", "color": "333333"}), "createLabel.label.id")
	rec("deleteLabel", "leaver", "deletedLabelId", map[string]any{"id": doomedLabel})
	do("leaver", `mutation($in: ForkRepositoryInput!) { forkRepository(input: $in) { repository { name } } }`, map[string]any{"owner": "acme", "name": "vault"})

	// Access ends: flip goes private, leaver leaves acme.
	do("alice", updateRepository, map[string]any{"owner": "alice", "name": "flip", "isPrivate": true, "description": trustMarker + "-flip-desc"})
	do("oadmin", `mutation { removeMember(input: {organization: "acme", login: "leaver"}) { organization { login } } }`, nil)

	// Marked writes after it ended.
	do("alice", editIssue, map[string]any{"owner": "alice", "repository": "flip", "number": 1, "body": trustMarker + "-flip-issue-body"})
	do("alice", addComment, map[string]any{"owner": "alice", "repository": "flip", "number": 1, "body": trustMarker + "-flip-comment"})
	do("alice", addComment, map[string]any{"owner": "alice", "repository": "flip", "number": 2, "body": trustMarker + "-flip-pr-comment"})
	do("alice", openIssue, map[string]any{"owner": "alice", "repository": "flip", "title": trustMarker + "-flip-new", "body": trustMarker + "-flip-new-body"})
	do("oadmin", updateRepository, map[string]any{"owner": "acme", "name": "vault", "description": trustMarker + "-vault-desc"})
	do("oadmin", updateLabel, map[string]any{"id": vaultLabel, "description": trustMarker + "-vault-label"})
	do("oadmin", addLabels, map[string]any{"labelableId": vaultPR, "labelIds": []string{vaultLabel}})
	vaultIssue := do("oadmin", openIssue, map[string]any{"owner": "acme", "repository": "vault", "title": trustMarker + "-vault-issue", "body": trustMarker + "-vault-body"})
	w.privateIDs["vault issue"] = trustPath(vaultIssue, "openIssue.issue.id")
	vaultComment := do("oadmin", addComment, map[string]any{"owner": "acme", "repository": "vault", "number": 2, "body": trustMarker + "-vault-comment"})
	w.privateIDs["vault comment"] = trustPath(vaultComment, "addComment.comment.id")
	do("oadmin", updateRepository, map[string]any{"owner": "acme", "name": "lair", "description": trustMarker + "-lair"})
	do("oadmin", openIssue, map[string]any{"owner": "acme", "repository": "lair", "title": trustMarker + "-lair-issue"})
	do("oadmin", createRepository, map[string]any{"owner": "acme", "name": "doomed", "isPrivate": true, "description": trustMarker + "-doomed"})
	do("oadmin", openIssue, map[string]any{"owner": "acme", "repository": "doomed", "title": trustMarker + "-doomed-issue"})

	w.repos = [][2]string{{"alice", "hush"}, {"alice", "flip"}, {"acme", "vault"}, {"acme", "lair"}, {"acme", "doomed"}, {"mallory", "flip"}, {"fan", "flip"}, {"leaver", "vault"}}
	// The projector has caught up when the last writes show to their
	// owners.
	repositoryAwait(t, srv, "oadmin", `{ repository(owner: "acme", name: "doomed") { description issues(first: 5) { nodes { title } } } }`, nil, trustMarker+"-doomed-issue")
	repositoryAwait(t, srv, "alice", `{ repository(owner: "alice", name: "flip") { issues(first: 5) { nodes { title body comments(first: 5) { nodes { body } } } } } }`, nil, trustMarker+"-flip-new", trustMarker+"-flip-comment")
	repositoryAwait(t, srv, "oadmin", `{ repository(owner: "acme", name: "vault") { description issues(first: 5) { nodes { comments(first: 5) { nodes { body } } } } } }`, nil, trustMarker+"-vault-comment")
	return w
}

// trustLabelName is the name of the marked labels, which Repository.label
// is asked for.
const trustLabelName = "hubstream-secret-label"

// trustInputType is the input type of a mutation as the schema names it.
func trustInputType(name string) string {
	switch name {
	case "editPullRequest":
		return "EditPullRequest"
	case "closePullRequest", "reopenPullRequest", "mergePullRequest":
		return "PullRequestRef"
	case "starRepository", "unstarRepository":
		return "StarRepository"
	case "addReaction", "removeReaction":
		return "Reaction"
	case "addLabelsToLabelable", "removeLabelsFromLabelable":
		return "Labels"
	}
	return strings.ToUpper(name[:1]) + name[1:]
}

// trustArgs supplies the arguments of nested fields: pages of five, and
// every issue and pull request number the world has.
func trustArgs(_ string, f schField) ([][]string, bool) {
	calls := [][]string{nil}
	for _, a := range f.Args {
		switch {
		case a.Name == "first":
			for i := range calls {
				calls[i] = append(calls[i], "first: 5")
			}
		case a.Name == "name" && f.Name == "label":
			for i := range calls {
				calls[i] = append(calls[i], fmt.Sprintf("name: %q", trustLabelName))
			}
		case a.Name == "number":
			var next [][]string
			for n := 1; n <= 4; n++ {
				for _, c := range calls {
					next = append(next, append(append([]string(nil), c...), fmt.Sprintf("number: %d", n)))
				}
			}
			calls = next
		case !a.Type.nonNull():
		default:
			return nil, false
		}
	}
	return calls, true
}

// trustRootDocs builds one query per root field of Query and argument
// value: accounts by login, repositories by owner and name, and fields
// without arguments; each selects the field's whole tree to hops steps.
func trustRootDocs(t *testing.T, s *schSchema, w *trustWorld, hops int) map[string]string {
	t.Helper()
	docs := map[string]string{}
	for _, f := range s.Types[s.Query].Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		var calls []string
		names := map[string]bool{}
		for _, a := range f.Args {
			if a.Type.nonNull() {
				names[a.Name] = true
			}
		}
		switch {
		case len(names) == 0:
			calls = []string{""}
		case len(names) == 1 && names["login"]:
			for _, l := range w.logins {
				calls = append(calls, "(login: "+literal(l)+")")
			}
		case len(names) == 1 && names["id"]:
			for _, id := range trustWorldNodeIDs(t, w) {
				calls = append(calls, "(id: "+literal(id)+")")
			}
		case len(names) == 1 && names["ids"]:
			ids := trustWorldNodeIDs(t, w)
			lits := make([]string, len(ids))
			for i, id := range ids {
				lits[i] = literal(id)
			}
			calls = []string{"(ids: [" + strings.Join(lits, ", ") + "])"}
		case len(names) == 2 && names["owner"] && names["name"]:
			for _, r := range w.repos {
				calls = append(calls, fmt.Sprintf("(owner: %s, name: %s)", literal(r[0]), literal(r[1])))
			}
		default:
			t.Fatalf("no values for the arguments of Query.%s: teach the test a recipe", f.Name)
		}
		for _, call := range calls {
			var b strings.Builder
			b.WriteString("{ " + f.Name + call)
			if target := f.Type.named().Name; s.isComposite(target) {
				b.WriteString(" {")
				s.selection(t, &b, target, "", hops, trustArgs)
				b.WriteString(" }")
			}
			b.WriteString(" }")
			docs[f.Name+call] = b.String()
		}
	}
	return docs
}

// trustWorldNodeIDs returns the global IDs of every object of the world that
// an owner sees — accounts, repositories, issues, pull requests and
// comments, private ones included — for node(id:) and nodes(ids:).
func trustWorldNodeIDs(t *testing.T, w *trustWorld) []string {
	t.Helper()
	seen := map[string]bool{}
	var out []string
	add := func(v any) {
		if id := domString(v); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, login := range w.logins {
		d := domData(t, w.srv.As(t, "alice"), `query($l: String!) { user(login: $l) { id } organization(login: $l) { id } }`, map[string]any{"l": login})
		add(domAt(d, "user", "id"))
		add(domAt(d, "organization", "id"))
	}
	const q = `query($o: String!, $n: String!) { repository(owner: $o, name: $n) { id
		issues(first: 20) { nodes { id comments(first: 20) { nodes { id } } } }
		pullRequests(first: 20) { nodes { id comments(first: 20) { nodes { id } } } } } }`
	for _, owner := range []string{"alice", "oadmin", "mallory", "fan", "leaver"} {
		for _, r := range w.repos {
			d := domData(t, w.srv.As(t, owner), q, map[string]any{"o": r[0], "n": r[1]})
			add(domAt(d, "repository", "id"))
			for _, list := range []string{"issues", "pullRequests"} {
				nodes, _ := domAt(d, "repository", list, "nodes").([]any)
				for _, n := range nodes {
					add(domAt(n, "id"))
					comments, _ := domAt(n, "comments", "nodes").([]any)
					for _, c := range comments {
						add(domAt(c, "id"))
					}
				}
			}
		}
	}
	for _, id := range w.privateIDs {
		add(id)
	}
	if len(out) > 100 {
		t.Fatalf("%d node IDs: more than nodes(ids:) takes", len(out))
	}
	return out
}

// trustOutsiders are the viewers who may see nothing of the private
// repositories: anonymous (""), a stranger, a removed member, a user who
// lost a star's and a membership's access, organizations' own logins in
// any case, and logins without an account.
var trustOutsiders = []string{"", "mallory", "leaver", "fan", "acme", "ACME", "leaverorg", "ghost", "Ghost"}

func trustClient(t *testing.T, srv *testkit.Server, viewer string) *testkit.Client {
	if viewer == "" {
		return srv.GraphQL
	}
	return srv.As(t, viewer)
}

// trustRootErrorsOnly fails the test when a response has an error below
// its root field. A nested error nulls its parents up to the nearest
// nullable field, so it can hide whatever its siblings showed: an access
// rule that holds only because a sibling failed is not checked by a
// marker search. For outsiders the only errors allowed are the root
// field's own (NOT_FOUND for a replay that is refused, UNAUTHENTICATED or
// NOT_FOUND for viewer).
func trustRootErrorsOnly(t *testing.T, what string, res *testkit.Response) {
	t.Helper()
	for _, e := range res.Errors {
		if len(e.Path) > 1 {
			t.Errorf("%s: an error below the root field (%v: %s %q) hides what its siblings showed", what, e.Path, e.Code(), e.Message)
		}
	}
}

// TestNothingPrivateThroughAnyField is the schema-driven access test.
func TestNothingPrivateThroughAnyField(t *testing.T) {
	w := trustSeed(t)
	srv := w.srv
	s := introspect(t, srv)

	t.Run("queries", func(t *testing.T) {
		docs := trustRootDocs(t, s, w, 3)
		if len(docs) < 20 {
			t.Fatalf("only %d root queries", len(docs))
		}
		// The owners see the marks through these very documents: they
		// reach the private data, so their absence below means something.
		for _, owner := range []string{"alice", "oadmin"} {
			seen := 0
			for _, doc := range docs {
				if res := trustDo(t, srv.As(t, owner), doc, nil); strings.Contains(string(res.Body), trustMarker) {
					seen++
				}
			}
			if seen == 0 {
				t.Fatalf("%s sees no marked text through any root query: the documents do not reach the private data", owner)
			}
		}
		for _, viewer := range trustOutsiders {
			t.Run(amName(viewer), func(t *testing.T) {
				c := trustClient(t, srv, viewer)
				for name, doc := range docs {
					res := trustDo(t, c, doc, nil)
					if res.Status >= 500 || res.Code() == "INTERNAL" {
						t.Errorf("%s: status %d, code %q", name, res.Status, res.Code())
					}
					if i := strings.Index(string(res.Body), trustMarker); i >= 0 {
						t.Errorf("%s shows private data: …%.200s", name, res.Body[max(0, i-200):])
					}
					trustRootErrorsOnly(t, name, res)
				}
			})
		}
	})

	t.Run("replays", func(t *testing.T) {
		covered := 0
		for _, m := range s.mutations() {
			if len(m.Args) == 0 {
				continue // no input, no key: nothing to replay
			}
			r, ok := w.recipes[m.Name]
			if !ok {
				t.Errorf("%s has no recipe: add one to trustSeed so its replay is checked", m.Name)
				continue
			}
			covered++
			var b strings.Builder
			s.selection(t, &b, m.Type.named().Name, "", 4, trustArgs)
			doc := mutationDoc(m, b.String())
			t.Run(m.Name, func(t *testing.T) {
				res := trustDo(t, srv.As(t, r.actor), doc, map[string]any{"in": r.input})
				if res.Status >= 500 || res.Code() == "INTERNAL" || res.Code() == "BAD_USER_INPUT" {
					t.Fatalf("replay: status %d, code %q: %.300s", res.Status, res.Code(), res.Body)
				}
				if i := strings.Index(string(res.Body), trustMarker); i >= 0 {
					t.Errorf("the replay as %s shows private data: …%.300s", r.actor, res.Body[max(0, i-200):])
				}
				trustRootErrorsOnly(t, "the replay", res)
			})
		}
		if covered < 27 {
			t.Fatalf("only %d mutations replayed", covered)
		}
	})

	t.Run("node IDs of private entities", func(t *testing.T) {
		for _, viewer := range []string{"mallory", "leaver", "fan"} {
			c := srv.As(t, viewer)
			for what, id := range w.privateIDs {
				for _, m := range []struct {
					doc   string
					input map[string]any
				}{
					{`mutation($in: ReactionInput!) { addReaction(input: $in) { subject { id } reactionGroups { count } } }`, map[string]any{"subjectId": id, "content": "HEART"}},
					{`mutation($in: EditCommentInput!) { editComment(input: $in) { comment { body } } }`, map[string]any{"id": id, "body": "mine now"}},
					{`mutation($in: DeleteCommentInput!) { deleteComment(input: $in) { deletedCommentId } }`, map[string]any{"id": id}},
				} {
					res := trustDo(t, c, m.doc, map[string]any{"in": m.input})
					if res.Code() != "NOT_FOUND" {
						t.Errorf("%s on the %s as %s: code %q, want NOT_FOUND; %.300s", strings.Fields(m.doc)[3], what, viewer, res.Code(), res.Body)
					}
					trustNoSecret(t, what, res, trustMarker)
				}
			}
		}
	})
}

// TestCursorsOutliveNoAccess: a cursor taken while its holder could see a
// private repository is refused, or shows only what the holder may see
// now, once that access is gone.
func TestCursorsOutliveNoAccess(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	for _, u := range []string{"oadmin", "leaver"} {
		createUser(t, srv, map[string]any{"login": u})
	}
	oadmin := srv.As(t, "oadmin")
	trustOK(t, oadmin, `mutation { createOrganization(input: {login: "acme"}) { organization { login } } }`, nil)
	trustOK(t, oadmin, `mutation { addMember(input: {organization: "acme", login: "leaver", role: MEMBER}) { role } }`, nil)
	for _, name := range []string{"a1", "a2", "a3"} {
		trustOK(t, oadmin, repositoryCreateMutation, in("owner", "acme", "name", name, "isPrivate", true))
	}
	listing := `query($after: String) { organization(login: "acme") { repositories(first: 1, after: $after) { nodes { name description } pageInfo { endCursor } } } }`
	var page struct {
		Organization struct {
			Repositories struct {
				Nodes    []struct{ Name string }
				PageInfo struct{ EndCursor string }
			}
		}
	}
	repositoryAwait(t, srv, "leaver", `{ organization(login: "acme") { repositories(first: 5) { nodes { name } } } }`, nil, `"a1"`, `"a2"`, `"a3"`)
	if err := trustOK(t, srv.As(t, "leaver"), listing, nil).Decode(&page); err != nil || page.Organization.Repositories.PageInfo.EndCursor == "" {
		t.Fatalf("the member's first page: %+v %v", page, err)
	}
	cursor := page.Organization.Repositories.PageInfo.EndCursor
	trustOK(t, oadmin, `mutation { removeMember(input: {organization: "acme", login: "leaver"}) { organization { login } } }`, nil)
	for _, name := range []string{"a1", "a2", "a3"} {
		trustOK(t, oadmin, `mutation($in: UpdateRepositoryInput!) { updateRepository(input: $in) { repository { name } } }`, in("owner", "acme", "name", name, "description", trustMarker+"-"+name))
	}
	repositoryAwait(t, srv, "oadmin", `{ organization(login: "acme") { repositories(first: 5) { nodes { description } } } }`, nil, trustMarker+"-a1", trustMarker+"-a2", trustMarker+"-a3")
	testkit.Eventually(t, projectionDeadline, func() bool {
		res := trustDo(t, srv.As(t, "leaver"), `{ organization(login: "acme") { repositories(first: 5) { totalCount } } }`, nil)
		return strings.Contains(string(res.Body), `"totalCount":0`)
	}, "the removal to be projected")
	res := trustDo(t, srv.As(t, "leaver"), listing, map[string]any{"after": cursor})
	trustNoSecret(t, "the old cursor", res, trustMarker)
	if len(res.Errors) == 0 {
		var got map[string]any
		_ = json.Unmarshal(res.Data, &got)
		if nodes, _ := domAt(got, "organization", "repositories", "nodes").([]any); len(nodes) > 0 {
			t.Errorf("the old cursor still lists private repositories: %s", res.Body)
		}
	}
}
