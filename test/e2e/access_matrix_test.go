package e2e_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/test/testkit"
)

// The access matrix: every viewer kind × every query path, connection and
// mutation × public and private repositories, each cell with its exact
// expected outcome (DESIGN.md §7, internal/entities/policy.go).
//
// The world (amSeed):
//
//	users alice, oadmin, omember, other, recruit, leaver
//	organization acme: oadmin ADMIN (creator), omember and leaver MEMBER
//	alice/apub   public                          author alice
//	alice/apriv  private                         author alice
//	acme/opub    public (private when omember forked it: omember/opub is a private fork)
//	             forked by other after it went public (other/opub, public)  author omember
//	acme/opriv   private, forked by omember (omember/opriv, private)         author omember
//	alice/gone   public when other starred and forked it (other/gone), then made private
//
// In each of the four main repositories its author opened issue #1
// ("issue"), pull requests #2 ("pr") and #3 ("to-merge"), commented on #1,
// reacted THUMBS_UP to #1 and starred the repository. alice starred her
// two; omember starred acme's two.

// amViewers are the viewers of every cell; "" is anonymous.
var amViewers = []string{"", "alice", "oadmin", "omember", "other"}

// amMainRepositories are the repositories of the repository-level cells.
var amMainRepositories = []string{"alice/apub", "alice/apriv", "acme/opub", "acme/opriv"}

// amAudience lists who may see each private repository; every other
// repository is public.
var amAudience = map[string][]string{
	"alice/apriv":   {"alice"},
	"alice/gone":    {"alice"},
	"acme/opriv":    {"oadmin", "omember"},
	"omember/opub":  {"omember"},
	"omember/opriv": {"omember"},
}

// amAdmin is who administers each main repository (its owner, or the
// owning organization's admin); amAuthor who wrote its issues, pull
// requests and comment.
var (
	amAdmin  = map[string]string{"alice/apub": "alice", "alice/apriv": "alice", "acme/opub": "oadmin", "acme/opriv": "oadmin"}
	amAuthor = map[string]string{"alice/apub": "alice", "alice/apriv": "alice", "acme/opub": "omember", "acme/opriv": "omember"}
)

// amForks are the forks of each repository, newest first (the set-up
// forks in this order, oldest first: omember's, then other's).
var amForks = map[string][]string{
	"acme/opub":  {"other/opub", "omember/opub"},
	"acme/opriv": {"omember/opriv"},
	"alice/gone": {"other/gone"},
}

// amHistory is the number of events of each main repository.
var amHistory = map[string]int{"alice/apub": 1, "alice/apriv": 1, "acme/opub": 2, "acme/opriv": 1}

func amSees(repo, viewer string) bool {
	audience, private := amAudience[repo]
	return !private || slices.Contains(audience, viewer)
}

// amVisible keeps the repositories of repos viewer may see.
func amVisible(repos []string, viewer string) []string {
	out := []string{}
	for _, r := range repos {
		if amSees(r, viewer) {
			out = append(out, r)
		}
	}
	return out
}

func amSplit(repo string) (owner, name string) {
	owner, name, _ = strings.Cut(repo, "/")
	return owner, name
}

func amName(viewer string) string {
	if viewer == "" {
		return "anonymous"
	}
	return viewer
}

// amClient is the client of viewer.
func amClient(t *testing.T, srv *testkit.Server, viewer string) *testkit.Client {
	t.Helper()
	if viewer == "" {
		return srv.GraphQL
	}
	return srv.As(t, viewer)
}

// amMust runs a mutation as login and fails on errors; out, when set,
// receives the data.
func amMust(t *testing.T, srv *testkit.Server, login, mutation string, input map[string]any, out any) {
	t.Helper()
	res := amClient(t, srv, login).MustDo(t, mutation, map[string]any{"in": input})
	if len(res.Errors) > 0 {
		t.Fatalf("seed %s as %s (%v): %+v", strings.Fields(mutation)[1], login, input, res.Errors)
	}
	if out != nil {
		if err := res.Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

const (
	amCreateRepository = `mutation($in: CreateRepositoryInput!) { createRepository(input: $in) { repository { nameWithOwner } } }`
	amUpdateRepository = `mutation($in: UpdateRepositoryInput!) { updateRepository(input: $in) { repository { nameWithOwner isPrivate description } } }`
	amDeleteRepository = `mutation($in: DeleteRepositoryInput!) { deleteRepository(input: $in) { deletedRepositoryId } }`
	amForkRepository   = `mutation($in: ForkRepositoryInput!) { forkRepository(input: $in) { repository { nameWithOwner isPrivate parent { nameWithOwner } } } }`
	amStar             = `mutation($in: StarRepositoryInput!) { starRepository(input: $in) { repository { nameWithOwner viewerHasStarred } } }`
	amUnstar           = `mutation($in: StarRepositoryInput!) { unstarRepository(input: $in) { repository { nameWithOwner viewerHasStarred } } }`
	amOpenIssue        = `mutation($in: OpenIssueInput!) { openIssue(input: $in) { issue { number repository { nameWithOwner } } } }`
	amEditIssue        = `mutation($in: EditIssueInput!) { editIssue(input: $in) { issue { number title repository { nameWithOwner } } } }`
	amCloseIssue       = `mutation($in: CloseIssueInput!) { closeIssue(input: $in) { issue { number state } } }`
	amReopenIssue      = `mutation($in: ReopenIssueInput!) { reopenIssue(input: $in) { issue { number state } } }`
	amOpenPull         = `mutation($in: OpenPullRequestInput!) { openPullRequest(input: $in) { pullRequest { number repository { nameWithOwner } } } }`
	amEditPull         = `mutation($in: EditPullRequestInput!) { editPullRequest(input: $in) { pullRequest { number title } } }`
	amClosePull        = `mutation($in: PullRequestRefInput!) { closePullRequest(input: $in) { pullRequest { number state } } }`
	amReopenPull       = `mutation($in: PullRequestRefInput!) { reopenPullRequest(input: $in) { pullRequest { number state } } }`
	amMergePull        = `mutation($in: PullRequestRefInput!) { mergePullRequest(input: $in) { pullRequest { number state mergedBy { login } } } }`
	amAddComment       = `mutation($in: AddCommentInput!) { addComment(input: $in) { comment { id body } } }`
	amEditComment      = `mutation($in: EditCommentInput!) { editComment(input: $in) { comment { id body } } }`
	amDelComment       = `mutation($in: DeleteCommentInput!) { deleteComment(input: $in) { deletedCommentId } }`
	amAddReaction      = `mutation($in: ReactionInput!) { addReaction(input: $in) { subject { ... on Issue { number repository { nameWithOwner } } } reactionGroups { content count } } }`
	amDelReaction      = `mutation($in: ReactionInput!) { removeReaction(input: $in) { subject { ... on Issue { number repository { nameWithOwner } } } } }`
	amCreateOrg        = `mutation($in: CreateOrganizationInput!) { createOrganization(input: $in) { organization { login } } }`
	amUpdateOrg        = `mutation($in: UpdateOrganizationInput!) { updateOrganization(input: $in) { organization { login description } } }`
	amAddMember        = `mutation($in: AddMemberInput!) { addMember(input: $in) { member { login } role } }`
	amChangeRole       = `mutation($in: ChangeMemberRoleInput!) { changeMemberRole(input: $in) { member { login } role } }`
	amRemoveMember     = `mutation($in: RemoveMemberInput!) { removeMember(input: $in) { organization { login } } }`
	amCreateUser       = `mutation($in: CreateUserInput!) { createUser(input: $in) { user { login } } }`
	amUpdateUser       = `mutation($in: UpdateProfileInput!) { updateProfile(input: $in) { user { login bio } } }`
)

// amSeed builds the world described at the top of the file.
func amSeed(t *testing.T) *testkit.Server {
	t.Helper()
	srv := testkit.Start(t, testkit.Options{})
	for _, u := range []string{"alice", "oadmin", "omember", "other", "recruit", "leaver"} {
		createUser(t, srv, map[string]any{"login": u})
	}
	amMust(t, srv, "oadmin", amCreateOrg, map[string]any{"login": "acme"}, nil)
	for _, m := range []string{"omember", "leaver"} {
		amMust(t, srv, "oadmin", amAddMember, map[string]any{"organization": "acme", "login": m, "role": "MEMBER"}, nil)
	}
	amMust(t, srv, "alice", amCreateRepository, map[string]any{"name": "apub"}, nil)
	amMust(t, srv, "alice", amCreateRepository, map[string]any{"name": "apriv", "isPrivate": true}, nil)
	amMust(t, srv, "oadmin", amCreateRepository, map[string]any{"owner": "acme", "name": "opub", "isPrivate": true}, nil)
	amMust(t, srv, "oadmin", amCreateRepository, map[string]any{"owner": "acme", "name": "opriv", "isPrivate": true}, nil)
	amMust(t, srv, "omember", amForkRepository, map[string]any{"owner": "acme", "name": "opub"}, nil)
	amMust(t, srv, "omember", amForkRepository, map[string]any{"owner": "acme", "name": "opriv"}, nil)
	amMust(t, srv, "oadmin", amUpdateRepository, map[string]any{"owner": "acme", "name": "opub", "isPrivate": false}, nil)
	amMust(t, srv, "other", amForkRepository, map[string]any{"owner": "acme", "name": "opub"}, nil)
	amMust(t, srv, "alice", amCreateRepository, map[string]any{"name": "gone"}, nil)
	amMust(t, srv, "other", amStar, map[string]any{"owner": "alice", "name": "gone"}, nil)
	amMust(t, srv, "other", amForkRepository, map[string]any{"owner": "alice", "name": "gone"}, nil)
	amMust(t, srv, "alice", amUpdateRepository, map[string]any{"owner": "alice", "name": "gone", "isPrivate": true}, nil)
	for _, repo := range amMainRepositories {
		owner, name := amSplit(repo)
		a := amAuthor[repo]
		ref := map[string]any{"owner": owner, "repository": name}
		with := func(kv ...any) map[string]any {
			m := map[string]any{}
			for k, v := range ref {
				m[k] = v
			}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		amMust(t, srv, a, amOpenIssue, with("title", "issue"), nil)
		amMust(t, srv, a, amOpenPull, with("title", "pr", "headRef", "feature", "baseRef", "main"), nil)
		amMust(t, srv, a, amOpenPull, with("title", "to-merge", "headRef", "merge-me", "baseRef", "main"), nil)
		amMust(t, srv, a, amAddComment, with("number", 1, "body", "comment"), nil)
		amMust(t, srv, a, amStar, map[string]any{"owner": owner, "name": name}, nil)
		amMust(t, srv, a, amAddReaction, map[string]any{"subjectId": amIssueID(t, srv, repo), "content": "THUMBS_UP"}, nil)
	}
	return srv
}

// amIssueID is the node ID of issue #1 of repo (its issue IDs are
// derived from the key, so it needs no projection).
func amIssueID(t *testing.T, srv *testkit.Server, repo string) string {
	t.Helper()
	owner, name := amSplit(repo)
	var out struct {
		EditIssue struct{ Issue struct{ ID string } } `json:"editIssue"`
	}
	amMust(t, srv, amAuthor[repo], `mutation($in: EditIssueInput!) { editIssue(input: $in) { issue { id } } }`, map[string]any{"owner": owner, "repository": name, "number": 1}, &out)
	return out.EditIssue.Issue.ID
}

// Query cells.

// amRepositoryQuery reads every path under a repository.
const amRepositoryQuery = `query($owner: String!, $name: String!) { repository(owner: $owner, name: $name) {
  nameWithOwner isPrivate stargazerCount forkCount viewerHasStarred owner { login }
  issues(first: 10) { totalCount pageInfo { hasNextPage } nodes { number } }
  pullRequests(first: 10) { totalCount nodes { number } }
  issue(number: 1) { title author { login } repository { nameWithOwner }
    comments(first: 10) { totalCount nodes { body author { login } } }
    reactionGroups { content count } history(first: 10) { totalCount } }
  pullRequest(number: 2) { title repository { nameWithOwner } history(first: 10) { totalCount } }
  stargazers(first: 10) { totalCount nodes { login } }
  forks(first: 10) { totalCount pageInfo { hasNextPage } nodes { nameWithOwner } }
  firstFork: forks(first: 1) { totalCount pageInfo { hasNextPage } nodes { nameWithOwner } }
  history(first: 10) { totalCount }
} }`

type amConn struct {
	TotalCount int
	PageInfo   struct{ HasNextPage bool }
	Nodes      []amNode
}

// amNode is a node of any connection the matrix reads: the fields of
// every node type it asks for.
type amNode struct {
	Number        int
	Body          string
	Login         string
	NameWithOwner string
	Author        struct{ Login string }
}

type amRepositoryData struct {
	Repository *struct {
		NameWithOwner    string
		IsPrivate        bool
		StargazerCount   int
		ForkCount        int
		ViewerHasStarred bool
		Owner            struct{ Login string }
		Issues           amConn
		PullRequests     amConn
		Issue            *struct {
			Title          string
			Author         struct{ Login string }
			Repository     struct{ NameWithOwner string }
			Comments       amConn
			ReactionGroups []struct {
				Content string
				Count   int
			}
			History struct{ TotalCount int }
		}
		PullRequest *struct {
			Title      string
			Repository struct{ NameWithOwner string }
			History    struct{ TotalCount int }
		}
		Stargazers amConn
		Forks      amConn
		FirstFork  amConn
		History    struct{ TotalCount int }
	}
}

// amRepositoryView is what a viewer sees of a repository, flattened for
// comparison; nil means "does not exist".
type amRepositoryView struct {
	NameWithOwner                            string
	IsPrivate, ViewerHasStarred              bool
	Owner                                    string
	StargazerCount, ForkCount                int
	Issues, PullRequests                     []int
	IssuesTotal, PullRequestsTotal           int
	IssuesHasNext                            bool
	IssueTitle, IssueAuthor, IssueRepository string
	Comments                                 []string
	CommentsTotal                            int
	IssueReactions                           map[string]int
	IssueHistory                             int
	PullTitle, PullRepository                string
	PullHistory                              int
	Stargazers                               []string
	StargazersTotal                          int
	Forks                                    []string
	ForksTotal                               int
	ForksHasNext                             bool
	FirstFork                                []string
	FirstForkTotal                           int
	FirstForkHasNext                         bool
	History                                  int
}

func amNodes(c amConn, f func(n amNode) string) []string {
	out := []string{}
	for _, n := range c.Nodes {
		out = append(out, f(n))
	}
	return out
}

func amFlatten(d amRepositoryData) *amRepositoryView {
	r := d.Repository
	if r == nil {
		return nil
	}
	v := &amRepositoryView{
		NameWithOwner: r.NameWithOwner, IsPrivate: r.IsPrivate, ViewerHasStarred: r.ViewerHasStarred, Owner: r.Owner.Login,
		StargazerCount: r.StargazerCount, ForkCount: r.ForkCount,
		IssuesTotal: r.Issues.TotalCount, PullRequestsTotal: r.PullRequests.TotalCount, IssuesHasNext: r.Issues.PageInfo.HasNextPage,
		StargazersTotal: r.Stargazers.TotalCount, ForksTotal: r.Forks.TotalCount, ForksHasNext: r.Forks.PageInfo.HasNextPage,
		FirstForkTotal: r.FirstFork.TotalCount, FirstForkHasNext: r.FirstFork.PageInfo.HasNextPage, History: r.History.TotalCount,
		Issues: []int{}, PullRequests: []int{},
	}
	for _, n := range r.Issues.Nodes {
		v.Issues = append(v.Issues, n.Number)
	}
	for _, n := range r.PullRequests.Nodes {
		v.PullRequests = append(v.PullRequests, n.Number)
	}
	v.Stargazers = amNodes(r.Stargazers, func(n amNode) string {
		return n.Login
	})
	repositoryName := func(n amNode) string {
		return n.NameWithOwner
	}
	v.Forks, v.FirstFork = amNodes(r.Forks, repositoryName), amNodes(r.FirstFork, repositoryName)
	if i := r.Issue; i != nil {
		v.IssueTitle, v.IssueAuthor, v.IssueRepository, v.IssueHistory = i.Title, i.Author.Login, i.Repository.NameWithOwner, i.History.TotalCount
		v.CommentsTotal = i.Comments.TotalCount
		v.Comments = amNodes(i.Comments, func(n amNode) string {
			return n.Body + " by " + n.Author.Login
		})
		v.IssueReactions = map[string]int{}
		for _, g := range i.ReactionGroups {
			if g.Count != 0 {
				v.IssueReactions[g.Content] = g.Count
			}
		}
	}
	if p := r.PullRequest; p != nil {
		v.PullTitle, v.PullRepository, v.PullHistory = p.Title, p.Repository.NameWithOwner, p.History.TotalCount
	}
	return v
}

// amExpectRepository is what viewer must see of main repository repo.
func amExpectRepository(repo, viewer string) *amRepositoryView {
	if !amSees(repo, viewer) {
		return nil
	}
	owner, _ := amSplit(repo)
	a := amAuthor[repo]
	forks := amVisible(amForks[repo], viewer)
	first := forks[:min(1, len(forks))]
	_, private := amAudience[repo]
	return &amRepositoryView{
		NameWithOwner: repo, IsPrivate: private, ViewerHasStarred: viewer == a, Owner: owner,
		StargazerCount: 1, ForkCount: len(forks),
		Issues: []int{1}, IssuesTotal: 1, PullRequests: []int{3, 2}, PullRequestsTotal: 2,
		IssueTitle: "issue", IssueAuthor: a, IssueRepository: repo,
		Comments: []string{"comment by " + a}, CommentsTotal: 1, IssueReactions: map[string]int{"THUMBS_UP": 1}, IssueHistory: 1,
		PullTitle: "pr", PullRepository: repo, PullHistory: 1,
		Stargazers: []string{a}, StargazersTotal: 1,
		Forks: forks, ForksTotal: len(forks),
		FirstFork: first, FirstForkTotal: len(forks), FirstForkHasNext: len(forks) > 1,
		History: amHistory[repo],
	}
}

// amListQuery reads a list of repositories twice: one page of 1 (for
// totalCount, hasNextPage and the first node) and one of 10 (all nodes).
func amListQuery(root, field string) string {
	return `{ ` + root + ` { one: ` + field + `(first: 1) { totalCount pageInfo { hasNextPage } nodes { nameWithOwner } } all: ` + field + `(first: 10) { totalCount pageInfo { hasNextPage } nodes { nameWithOwner } } } }`
}

// amListView is a list of repositories as a viewer sees it.
type amListView struct {
	Total    int
	HasNext1 bool // hasNextPage of the page of 1
	First    int  // nodes on the page of 1
	All      []string
	AllTotal int
	HasNextA bool
}

func amListFromData(raw json.RawMessage) (amListView, error) {
	var d map[string]struct {
		One, All struct {
			TotalCount int
			PageInfo   struct{ HasNextPage bool }
			Nodes      []struct{ NameWithOwner string }
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return amListView{}, err
	}
	for _, v := range d {
		out := amListView{Total: v.One.TotalCount, HasNext1: v.One.PageInfo.HasNextPage, First: len(v.One.Nodes), AllTotal: v.All.TotalCount, HasNextA: v.All.PageInfo.HasNextPage, All: []string{}}
		for _, n := range v.All.Nodes {
			out.All = append(out.All, n.NameWithOwner)
		}
		slices.Sort(out.All)
		return out, nil
	}
	return amListView{}, fmt.Errorf("no root in %s", raw)
}

// amExpectList is the view of a list whose items (all of them) are repos.
func amExpectList(repos []string, viewer string) amListView {
	vis := amVisible(repos, viewer)
	slices.Sort(vis)
	return amListView{Total: len(vis), HasNext1: len(vis) > 1, First: min(1, len(vis)), All: vis, AllTotal: len(vis)}
}

// amCell is one query cell: a query, as a viewer, and its expected view.
type amCell struct {
	name   string
	viewer string
	check  func(res *testkit.Response) (got, want any, err error)
}

func amQueryCells() []amCell {
	var cells []amCell
	for _, viewer := range amViewers {
		for _, repo := range amMainRepositories {
			cells = append(cells, amCell{
				name: "repository " + repo, viewer: viewer,
				check: func(res *testkit.Response) (any, any, error) {
					if len(res.Errors) > 0 {
						return nil, nil, fmt.Errorf("errors %+v", res.Errors)
					}
					var d amRepositoryData
					if err := json.Unmarshal(res.Data, &d); err != nil {
						return nil, nil, err
					}
					return amFlatten(d), amExpectRepository(repo, viewer), nil
				},
			})
		}
		lists := []struct {
			name, root, field string
			items             []string
		}{
			{"alice's repositories", `user(login: "alice")`, "repositories", []string{"alice/apub", "alice/apriv", "alice/gone"}},
			{"acme's repositories", `organization(login: "acme")`, "repositories", []string{"acme/opub", "acme/opriv"}},
			{"acme's repositories as an owner", `repositoryOwner(login: "acme")`, "repositories", []string{"acme/opub", "acme/opriv"}},
			{"omember's repositories", `user(login: "omember")`, "repositories", []string{"omember/opub", "omember/opriv"}},
			{"other's repositories", `user(login: "other")`, "repositories", []string{"other/opub", "other/gone"}},
			{"alice's stars", `user(login: "alice")`, "starredRepositories", []string{"alice/apub", "alice/apriv"}},
			{"omember's stars", `user(login: "omember")`, "starredRepositories", []string{"acme/opub", "acme/opriv"}},
			{"other's stars (of a repository made private)", `user(login: "other")`, "starredRepositories", []string{"alice/gone"}},
			{"forks of a repository made private", `repository(owner: "alice", name: "gone")`, "forks", []string{"other/gone"}},
		}
		for _, l := range lists {
			cells = append(cells, amCell{
				name: l.name, viewer: viewer,
				check: func(res *testkit.Response) (any, any, error) {
					if len(res.Errors) > 0 {
						return nil, nil, fmt.Errorf("errors %+v", res.Errors)
					}
					if strings.HasPrefix(l.root, "repository(") && string(res.Data) == `{"repository":null}` {
						if amSees("alice/gone", viewer) {
							return "null", "a repository", nil
						}
						return nil, nil, nil
					}
					got, err := amListFromData(res.Data)
					return got, amExpectList(l.items, viewer), err
				},
			})
			cells[len(cells)-1].name = l.name + "\x00" + amListQuery(l.root, l.field)
		}
		parents := []struct {
			fork, parent string
		}{
			{"other/opub", "acme/opub"},     // public fork, public parent
			{"omember/opriv", "acme/opriv"}, // private fork, private parent
			{"omember/opub", "acme/opub"},   // private fork, parent made public
			{"other/gone", "alice/gone"},    // public fork, parent made private
		}
		for _, p := range parents {
			forkOwner, forkName := amSplit(p.fork)
			cells = append(cells, amCell{
				name:   "parent of " + p.fork + "\x00" + fmt.Sprintf(`{ repository(owner: %q, name: %q) { nameWithOwner parent { nameWithOwner } } }`, forkOwner, forkName),
				viewer: viewer,
				check: func(res *testkit.Response) (any, any, error) {
					if len(res.Errors) > 0 {
						return nil, nil, fmt.Errorf("errors %+v", res.Errors)
					}
					want := `{"repository":null}`
					if amSees(p.fork, viewer) {
						parent := "null"
						if amSees(p.parent, viewer) {
							parent = fmt.Sprintf(`{"nameWithOwner":%q}`, p.parent)
						}
						want = fmt.Sprintf(`{"repository":{"nameWithOwner":%q,"parent":%s}}`, p.fork, parent)
					}
					var b bytes.Buffer
					if err := json.Compact(&b, res.Data); err != nil {
						return nil, nil, err
					}
					return b.String(), want, nil
				},
			})
		}
	}
	return cells
}

// amRun runs a query cell and compares.
func amRun(t *testing.T, srv *testkit.Server, c amCell) (ok bool, msg string) {
	t.Helper()
	query := amRepositoryQuery
	var vars map[string]any
	name := c.name
	if q, rest, found := strings.Cut(c.name, "\x00"); found {
		name, query = q, rest
	} else if repo, ok := strings.CutPrefix(c.name, "repository "); ok {
		owner, n := amSplit(repo)
		vars = map[string]any{"owner": owner, "name": n}
	}
	res := amClient(t, srv, c.viewer).MustDo(t, query, vars)
	got, want, err := c.check(res)
	if err != nil {
		return false, fmt.Sprintf("%s as %s: %v (body %.400s)", name, amName(c.viewer), err, res.Body)
	}
	if !reflect.DeepEqual(got, want) {
		return false, fmt.Sprintf("%s as %s:\n  got  %+v\n  want %+v", name, amName(c.viewer), got, want)
	}
	return true, ""
}

// Mutation cells.

// amRule computes a mutation cell's expected code ("" for success) from
// the tables above.
type amRule func(repo, viewer string) string

// amVisibleRule: anyone who sees the repository may.
func amVisibleRule(repo, viewer string) string {
	switch {
	case viewer == "":
		return "UNAUTHENTICATED"
	case !amSees(repo, viewer):
		return "NOT_FOUND"
	}
	return ""
}

// amAdminRule: only the repository's administrator may; others who see it
// are FORBIDDEN.
func amAdminRule(repo, viewer string) string {
	if c := amVisibleRule(repo, viewer); c != "" {
		return c
	}
	if viewer != amAdmin[repo] {
		return "FORBIDDEN"
	}
	return ""
}

// amAuthorRule: the author or the administrator may.
func amAuthorRule(repo, viewer string) string {
	if c := amVisibleRule(repo, viewer); c != "" {
		return c
	}
	if viewer != amAdmin[repo] && viewer != amAuthor[repo] {
		return "FORBIDDEN"
	}
	return ""
}

// amForkRule: forking into one's own account; viewers who already own a
// repository of that name get ALREADY_EXISTS (alice for her own, omember
// and other for acme's, which they forked in the seed).
func amForkRule(repo, viewer string) string {
	if c := amVisibleRule(repo, viewer); c != "" {
		return c
	}
	owner, name := amSplit(repo)
	if viewer == owner || slices.Contains(amForks[repo], viewer+"/"+name) {
		return "ALREADY_EXISTS"
	}
	return ""
}

// amRepositoryMutation is one repository-level mutation of the matrix.
type amRepositoryMutation struct {
	name     string
	mutation string
	rule     amRule
	// input builds the input for repo and viewer; prepare, when set, runs
	// first (as whoever may) and returns extra input.
	input func(t *testing.T, srv *testkit.Server, repo, viewer string) map[string]any
	// okCheck, when set, checks the data of a successful cell.
	okCheck func(data string, repo, viewer string) error
}

func amRepositoryRef(_ *testing.T, _ *testkit.Server, repo, _ string) map[string]any {
	owner, name := amSplit(repo)
	return map[string]any{"owner": owner, "name": name}
}

func amWorkRef(kv ...any) func(*testing.T, *testkit.Server, string, string) map[string]any {
	return func(_ *testing.T, _ *testkit.Server, repo, _ string) map[string]any {
		owner, name := amSplit(repo)
		m := map[string]any{"owner": owner, "repository": name}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
}

// amThrowaway creates, as the repository's administrator, a fresh
// repository shaped like repo (same owner and visibility) for a
// destructive cell, and returns its reference.
func amThrowaway(prefix string) func(*testing.T, *testkit.Server, string, string) map[string]any {
	return func(t *testing.T, srv *testkit.Server, repo, viewer string) map[string]any {
		owner, _ := amSplit(repo)
		_, private := amAudience[repo]
		name := fmt.Sprintf("%s-%s-%s", prefix, amName(viewer), strings.ReplaceAll(repo, "/", "-"))
		in := map[string]any{"name": name, "isPrivate": private}
		if owner != amAdmin[repo] {
			in["owner"] = owner
		}
		amMust(t, srv, amAdmin[repo], amCreateRepository, in, nil)
		return map[string]any{"owner": owner, "name": name}
	}
}

func amRepositoryMutations() []amRepositoryMutation {
	contains := func(s string) func(string, string, string) error {
		return func(data, repo, viewer string) error {
			s := strings.NewReplacer("REPO", repo, "VIEWER", viewer).Replace(s)
			if !strings.Contains(data, s) {
				return fmt.Errorf("data %s does not contain %s", data, s)
			}
			return nil
		}
	}
	return []amRepositoryMutation{
		{"updateRepository (description)", amUpdateRepository, amAdminRule, func(t *testing.T, srv *testkit.Server, repo, viewer string) map[string]any {
			in := amRepositoryRef(t, srv, repo, viewer)
			in["description"] = "set by " + amName(viewer)
			return in
		}, contains(`"nameWithOwner":"REPO"`)},
		{"updateRepository (visibility)", amUpdateRepository, amAdminRule, func(t *testing.T, srv *testkit.Server, repo, viewer string) map[string]any {
			in := amThrowaway("vis")(t, srv, repo, viewer)
			_, private := amAudience[repo]
			in["isPrivate"] = !private
			return in
		}, func(data, repo, _ string) error {
			_, private := amAudience[repo]
			if !strings.Contains(data, fmt.Sprintf(`"isPrivate":%v`, !private)) {
				return fmt.Errorf("visibility not changed: %s", data)
			}
			return nil
		}},
		{"deleteRepository", amDeleteRepository, amAdminRule, amThrowaway("del"), contains(`"deletedRepositoryId":"`)},
		{"forkRepository", amForkRepository, amForkRule, amRepositoryRef, contains(`"parent":{"nameWithOwner":"REPO"}`)},
		{"starRepository", amStar, amVisibleRule, amRepositoryRef, contains(`"viewerHasStarred":true`)},
		{"unstarRepository", amUnstar, amVisibleRule, amRepositoryRef, contains(`"viewerHasStarred":false`)},
		{"openIssue", amOpenIssue, amVisibleRule, amWorkRef("title", "new"), contains(`"repository":{"nameWithOwner":"REPO"}`)},
		{"editIssue", amEditIssue, amAuthorRule, amWorkRef("number", 1, "body", "edited"), contains(`"repository":{"nameWithOwner":"REPO"}`)},
		{"closeIssue", amCloseIssue, amAuthorRule, amWorkRef("number", 1), contains(`"state":"CLOSED"`)},
		{"reopenIssue", amReopenIssue, amAuthorRule, amWorkRef("number", 1), contains(`"state":"OPEN"`)},
		{"openPullRequest", amOpenPull, amVisibleRule, amWorkRef("title", "new", "headRef", "x", "baseRef", "main"), contains(`"repository":{"nameWithOwner":"REPO"}`)},
		{"editPullRequest", amEditPull, amAuthorRule, amWorkRef("number", 2, "body", "edited"), contains(`"number":2`)},
		{"closePullRequest", amClosePull, amAuthorRule, amWorkRef("number", 2), contains(`"state":"CLOSED"`)},
		{"reopenPullRequest", amReopenPull, amAuthorRule, amWorkRef("number", 2), contains(`"state":"OPEN"`)},
		{"mergePullRequest", amMergePull, amAdminRule, amWorkRef("number", 3), contains(`"state":"MERGED","mergedBy":{"login":"VIEWER"}`)},
		{"addComment", amAddComment, amVisibleRule, amWorkRef("number", 1, "body", "hi"), contains(`"body":"hi"`)},
		{"editComment", amEditComment, amAuthorRule, func(t *testing.T, srv *testkit.Server, repo, _ string) map[string]any {
			return map[string]any{"id": amFreshComment(t, srv, repo), "body": "edited"}
		}, contains(`"body":"edited"`)},
		{"deleteComment", amDelComment, amAuthorRule, func(t *testing.T, srv *testkit.Server, repo, _ string) map[string]any {
			return map[string]any{"id": amFreshComment(t, srv, repo)}
		}, contains(`"deletedCommentId":"`)},
		{"addReaction", amAddReaction, amVisibleRule, func(t *testing.T, srv *testkit.Server, repo, _ string) map[string]any {
			return map[string]any{"subjectId": amIssueID(t, srv, repo), "content": "HEART"}
		}, contains(`"repository":{"nameWithOwner":"REPO"}`)},
		{"removeReaction", amDelReaction, amVisibleRule, func(t *testing.T, srv *testkit.Server, repo, _ string) map[string]any {
			return map[string]any{"subjectId": amIssueID(t, srv, repo), "content": "HEART"}
		}, contains(`"repository":{"nameWithOwner":"REPO"}`)},
	}
}

// amFreshComment adds a comment to issue #1 of repo as its author and
// returns its node ID.
func amFreshComment(t *testing.T, srv *testkit.Server, repo string) string {
	t.Helper()
	owner, name := amSplit(repo)
	var out struct {
		AddComment struct{ Comment struct{ ID string } } `json:"addComment"`
	}
	amMust(t, srv, amAuthor[repo], amAddComment, map[string]any{"owner": owner, "repository": name, "number": 1, "body": "to be changed"}, &out)
	return out.AddComment.Comment.ID
}

// amAccountMutation is one account or organization mutation of the
// matrix (no repository dimension).
type amAccountMutation struct {
	name     string
	mutation string
	input    func(viewer string) map[string]any
	want     map[string]string // viewer → expected code ("" success)
}

func amAccountMutations() []amAccountMutation {
	all := func(anon, signedIn string, except map[string]string) map[string]string {
		m := map[string]string{"": anon}
		for _, v := range amViewers[1:] {
			m[v] = signedIn
		}
		for k, v := range except {
			m[k] = v
		}
		return m
	}
	const unauth = "UNAUTHENTICATED"
	return []amAccountMutation{
		{"createUser (own login, taken)", amCreateUser, func(v string) map[string]any { return map[string]any{"login": amName(v)} }, all(unauth, "ALREADY_EXISTS", nil)},
		{"createUser (another's login)", amCreateUser, func(string) map[string]any { return map[string]any{"login": "someone-else"} }, all(unauth, "FORBIDDEN", nil)},
		{"updateProfile (own)", amUpdateUser, func(v string) map[string]any { return map[string]any{"login": amName(v), "bio": "mine"} }, all(unauth, "", nil)},
		{"updateProfile (alice's)", amUpdateUser, func(string) map[string]any { return map[string]any{"login": "alice", "bio": "hacked"} }, all(unauth, "FORBIDDEN", map[string]string{"alice": ""})},
		{"createOrganization", amCreateOrg, func(v string) map[string]any { return map[string]any{"login": "org-of-" + amName(v)} }, all(unauth, "", nil)},
		{"updateOrganization", amUpdateOrg, func(v string) map[string]any {
			return map[string]any{"login": "acme", "description": "by " + amName(v)}
		}, all(unauth, "FORBIDDEN", map[string]string{"oadmin": ""})},
		{"addMember", amAddMember, func(string) map[string]any {
			return map[string]any{"organization": "acme", "login": "recruit", "role": "MEMBER"}
		}, all(unauth, "FORBIDDEN", map[string]string{"oadmin": ""})},
		{"changeMemberRole", amChangeRole, func(string) map[string]any {
			return map[string]any{"organization": "acme", "login": "recruit", "role": "ADMIN"}
		}, all(unauth, "FORBIDDEN", map[string]string{"oadmin": ""})},
		{"removeMember (another)", amRemoveMember, func(string) map[string]any {
			return map[string]any{"organization": "acme", "login": "recruit"}
		}, all(unauth, "FORBIDDEN", map[string]string{"oadmin": ""})},
	}
}

// TestAccessMatrix checks every cell of the matrix.
func TestAccessMatrix(t *testing.T) {
	srv := amSeed(t)

	t.Run("queries", func(t *testing.T) {
		cells := amQueryCells()
		// Wait until every cell holds at once (the projector caught up with
		// the seed), then check each once more and report.
		testkit.Poll(projectionDeadline, func() bool {
			for _, c := range cells {
				if ok, _ := amRun(t, srv, c); !ok {
					return false
				}
			}
			return true
		})
		for _, c := range cells {
			if ok, msg := amRun(t, srv, c); !ok {
				t.Error(msg)
			}
		}
		t.Logf("%d query cells", len(cells))
	})

	t.Run("cursors", func(t *testing.T) {
		// A cursor alice got from a list that shows her private
		// repositories is refused to a viewer who may not see them.
		for _, field := range []string{"repositories", "starredRepositories"} {
			q := `query($after: String) { user(login: "alice") { ` + field + `(first: 1, after: $after) { nodes { nameWithOwner } pageInfo { endCursor } } } }`
			res := amClient(t, srv, "alice").MustDo(t, q, nil)
			var d struct {
				User map[string]struct {
					PageInfo struct{ EndCursor string }
				}
			}
			if err := res.Decode(&d); err != nil || d.User[field].PageInfo.EndCursor == "" {
				t.Fatalf("%s as alice: %s", field, res.Body)
			}
			cursor := d.User[field].PageInfo.EndCursor
			if res := amClient(t, srv, "alice").MustDo(t, q, map[string]any{"after": cursor}); len(res.Errors) > 0 {
				t.Errorf("%s: alice's own cursor: %+v", field, res.Errors)
			}
			for _, v := range []string{"", "other", "oadmin"} {
				res := amClient(t, srv, v).MustDo(t, q, map[string]any{"after": cursor})
				if res.Code() != "BAD_USER_INPUT" {
					t.Errorf("%s: alice's cursor used by %s: %s, want BAD_USER_INPUT", field, amName(v), res.Body)
				}
			}
		}
	})

	t.Run("repository mutations", func(t *testing.T) {
		n := 0
		for _, m := range amRepositoryMutations() {
			for _, repo := range amMainRepositories {
				for _, viewer := range amViewers {
					input := m.input(t, srv, repo, viewer)
					want := m.rule(repo, viewer)
					res := amClient(t, srv, viewer).MustDo(t, m.mutation, map[string]any{"in": input})
					n++
					switch {
					case want == "" && len(res.Errors) > 0:
						t.Errorf("%s on %s as %s: %+v, want success", m.name, repo, amName(viewer), res.Errors)
					case want == "" && m.okCheck != nil:
						if err := m.okCheck(compactJSON(t, res.Data), repo, viewer); err != nil {
							t.Errorf("%s on %s as %s: %v", m.name, repo, amName(viewer), err)
						}
					case want != "" && res.Code() != want:
						t.Errorf("%s on %s as %s: %s, want %s", m.name, repo, amName(viewer), res.Body, want)
					}
					if want == "NOT_FOUND" && strings.Contains(string(res.Body), "FORBIDDEN") {
						t.Errorf("%s on %s as %s: a hidden repository answered FORBIDDEN", m.name, repo, amName(viewer))
					}
				}
			}
		}
		t.Logf("%d repository mutation cells", n)
	})

	t.Run("account mutations", func(t *testing.T) {
		for _, m := range amAccountMutations() {
			for _, viewer := range amViewers {
				res := amClient(t, srv, viewer).MustDo(t, m.mutation, map[string]any{"in": m.input(viewer)})
				want := m.want[viewer]
				if want == "" && len(res.Errors) > 0 || want != "" && res.Code() != want {
					t.Errorf("%s as %s: %s, want %q", m.name, amName(viewer), res.Body, want)
				}
			}
		}
		// Any member may leave; the last admin may not.
		if res := amClient(t, srv, "leaver").MustDo(t, amRemoveMember, map[string]any{"in": map[string]any{"organization": "acme", "login": "leaver"}}); len(res.Errors) > 0 {
			t.Errorf("a member leaving: %+v", res.Errors)
		}
	})

	t.Run("revoked membership", func(t *testing.T) {
		// Once omember is removed from acme, acme's private repository and
		// everything under it are gone for omember.
		amMust(t, srv, "oadmin", amRemoveMember, map[string]any{"organization": "acme", "login": "omember"}, nil)
		// Writes decide on the write side's memberships: refused at once.
		res := amClient(t, srv, "omember").MustDo(t, amOpenIssue, map[string]any{"in": map[string]any{"owner": "acme", "repository": "opriv", "title": "still here?"}})
		if res.Code() != "NOT_FOUND" {
			t.Errorf("openIssue as a removed member: %s", res.Body)
		}
		// Reads decide on the read model's memberships: gone as soon as
		// the projector applied the removal.
		var last string
		if !testkit.Poll(projectionDeadline, func() bool {
			res := amClient(t, srv, "omember").MustDo(t, amRepositoryQuery, map[string]any{"owner": "acme", "name": "opriv"})
			last = string(res.Body)
			return string(res.Data) == `{"repository":null}` && len(res.Errors) == 0
		}) {
			t.Errorf("acme/opriv as a removed member: %s", last)
		}
		// acme's list as omember is now exactly an outsider's.
		list := amListQuery(`organization(login: "acme")`, "repositories")
		got, err1 := amListFromData(amClient(t, srv, "omember").MustDo(t, list, nil).Data)
		want, err2 := amListFromData(amClient(t, srv, "other").MustDo(t, list, nil).Data)
		if err1 != nil || err2 != nil || !reflect.DeepEqual(got, want) || slices.Contains(got.All, "acme/opriv") {
			t.Errorf("acme's repositories as a removed member: %+v, as an outsider %+v (%v, %v)", got, want, err1, err2)
		}
	})
}
