package graph

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/hubstream/hubstream/graph/generated"
	"github.com/hubstream/hubstream/internal/entities"
)

// sameRepository lists the fields that return the repository a
// subscription's access check already covers (the one whose issue or pull
// request is delivered): not viewer-dependent. The repository field of
// every activity type (an implementation of RepositoryActivity or
// ViewerActivity) is too: the repository the access check passed.
var sameRepository = map[string]bool{
	"Issue.repository": true, "PullRequest.repository": true,
	"RepositoryActivity.repository": true, "ViewerActivity.repository": true,
}

// isActivity reports whether def is an activity type.
func isActivity(def *ast.Definition) bool {
	return def.Name == "RepositoryActivity" || def.Name == "ViewerActivity" ||
		slices.Contains(def.Interfaces, "RepositoryActivity") || slices.Contains(def.Interfaces, "ViewerActivity")
}

// decidedByAccess lists the viewer-named fields whose dependence on the
// viewer is settled by the subscription's access check (per viewer, per
// event); what they deliver is the same for every viewer who receives it.
var decidedByAccess = map[string]bool{"Subscription.viewerActivity": true}

// viewerDependentByReading lists fields whose viewer dependence only their
// resolvers show (their type says nothing): each must stay marked.
var viewerDependentByReading = map[string]string{
	"Repository.forkCount": "counts only the forks the viewer may see (viewerForkCount)",
}

// reachesRepositories reports whether a field of type named gives
// repositories (other than the one it is reached from).
func reachesRepositories(named string) bool {
	return named == "Repository" || strings.HasSuffix(named, "RepositoryConnection") || strings.HasSuffix(named, "RepositoryEdge")
}

// TestEveryViewerDependentFieldIsMarked walks the whole schema reachable
// from Subscription (a marked field's subtree is resolved per viewer, so
// the walk stops there) and requires @viewerDependent on every field whose
// value can depend on the viewer: its own state (viewer*), repositories
// other than the subscribed one (their visibility is the viewer's), and
// the fields known by their resolvers. A new field of that kind that is
// not marked would be resolved once and sent to viewers who may not see
// it: this test fails first.
func TestEveryViewerDependentFieldIsMarked(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	if s.Directives[viewerDependentDirective] == nil {
		t.Fatalf("the schema declares no @%s", viewerDependentDirective)
	}
	seen := map[string]bool{}
	var checked []string
	var walk func(def *ast.Definition)
	walk = func(def *ast.Definition) {
		if def == nil || seen[def.Name] || strings.HasPrefix(def.Name, "__") {
			return
		}
		seen[def.Name] = true
		for _, p := range s.GetPossibleTypes(def) {
			if p != def {
				walk(p)
			}
		}
		for _, f := range def.Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			name := def.Name + "." + f.Name
			marked := f.Directives.ForName(viewerDependentDirective) != nil
			checked = append(checked, name)
			t.Run(name, func(t *testing.T) {
				var why string
				switch {
				case strings.HasPrefix(f.Name, "viewer") && !decidedByAccess[name]:
					why = "it is the viewer's own state"
				case reachesRepositories(f.Type.Name()) && !sameRepository[name] && !(isActivity(def) && f.Name == "repository"):
					why = "it gives repositories whose visibility is the viewer's"
				case viewerDependentByReading[name] != "":
					why = viewerDependentByReading[name]
				}
				if why != "" && !marked {
					t.Errorf("%s is not marked @%s, but %s", name, viewerDependentDirective, why)
				}
			})
			if !marked {
				walk(s.Types[f.Type.Name()])
			}
		}
	}
	walk(s.Subscription)
	// The walk must have reached what subscriptions deliver.
	sort.Strings(checked)
	for _, want := range []string{"Repository.viewerHasStarred", "ReactionGroup.viewerHasReacted", "ForkActivity.fork", "User.repositories", "Issue.title"} {
		if i := sort.SearchStrings(checked, want); i == len(checked) || checked[i] != want {
			t.Errorf("the walk did not reach %s", want)
		}
	}
	for name := range sameRepository {
		if i := sort.SearchStrings(checked, name); i == len(checked) || checked[i] != name {
			t.Errorf("sameRepository names %s, which subscriptions do not reach", name)
		}
	}
}

// TestViewerDependentDocuments: a document is viewer-dependent when a
// marked field is selected anywhere in it — nested, in an inline fragment
// or in a named fragment.
func TestViewerDependentDocuments(t *testing.T) {
	s := generated.NewExecutableSchema(generated.Config{}).Schema()
	for _, tc := range []struct {
		name  string
		query string
		want  bool
	}{
		{"plain fields", `subscription { repositoryActivity(owner: "o", name: "n") { version at repository { nameWithOwner } } }`, false},
		{"a nested marked field", `subscription { repositoryActivity(owner: "o", name: "n") { repository { viewerHasStarred } } }`, true},
		{"in an inline fragment", `subscription { repositoryActivity(owner: "o", name: "n") { ... on ForkActivity { fork { name } } } }`, true},
		{"in a named fragment", `subscription { issueChanged(owner: "o", name: "n", number: 1) { ...F } } fragment F on Issue { reactionGroups { viewerHasReacted } }`, true},
		{"a named fragment without one", `subscription { issueChanged(owner: "o", name: "n", number: 1) { ...F } } fragment F on Issue { title }`, false},
		{"the owner's repositories", `subscription { repositoryActivity(owner: "o", name: "n") { repository { owner { repositories(first: 1) { totalCount } } } } }`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := gqlparser.LoadQuery(s, tc.query)
			if err != nil {
				t.Fatalf("invalid test document: %v", err)
			}
			if got := viewerDependent(doc.Operations[0].SelectionSet, map[string]bool{}); got != tc.want {
				t.Errorf("viewerDependent = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSharedValueComputation: a value shared by an event's subscribers is
// computed once and handed to every waiter — a panic while computing it
// included, which reaches them as an INTERNAL error instead of leaving
// them waiting (or taking the process down).
func TestSharedValueComputation(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name     string
		compute  func() (any, error)
		want     any
		wantCode entities.Code
		wantErr  error
	}{
		{"a value", func() (any, error) { return 7, nil }, 7, "", nil},
		{"an error", func() (any, error) { return nil, boom }, nil, "", boom},
		{"a panic", func() (any, error) { panic("bug") }, nil, entities.CodeInternal, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var es eventShared
			calls := 0
			ctx := context.Background()
			results := make(chan error, 3)
			for range 3 {
				o, first := es.entry(&es.payload, "class")
				if first {
					calls++
					o.compute(ctx, tc.compute)
				}
				v, err := o.wait(ctx)
				if v != tc.want {
					t.Errorf("value %v, want %v", v, tc.want)
				}
				results <- err
			}
			if calls != 1 {
				t.Errorf("computed %d times, want once", calls)
			}
			for range 3 {
				err := <-results
				var e *entities.Error
				switch {
				case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
					t.Errorf("error %v, want %v", err, tc.wantErr)
				case tc.wantCode != "" && (!errors.As(err, &e) || e.Code != tc.wantCode):
					t.Errorf("error %v, want code %s", err, tc.wantCode)
				case tc.wantErr == nil && tc.wantCode == "" && err != nil:
					t.Errorf("error %v, want none", err)
				}
			}
		})
	}
}
