package loaders_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/readmodel"
)

// seedRepositories: users octo, mona, hubot; organization acme (octo ADMIN, hubot
// MEMBER); octo/alpha (public), octo/Beta (private), acme/tools (private),
// acme/site (public), created in that order; alpha updated last; mona and
// hubot star alpha; mona forks alpha.
func seedRepositories(t *testing.T) *orgWorld {
	w := newOrgWorld(t)
	for _, u := range []string{"octo", "mona", "hubot"} {
		w.do(u, entities.CreateUser{Login: u})
	}
	w.do("octo", entities.CreateOrganization{Login: "acme", Actor: "octo"})
	w.do("octo", entities.AddMember{Org: "acme", Login: "hubot", Role: entities.RoleMember, Actor: "octo"})
	w.do("octo", entities.CreateRepository{Owner: "octo", Name: "alpha", Actor: "octo"})
	w.do("octo", entities.CreateRepository{Owner: "octo", Name: "Beta", IsPrivate: true, Actor: "octo"})
	w.do("octo", entities.CreateRepository{Owner: "acme", Name: "tools", IsPrivate: true, Actor: "octo"})
	w.do("octo", entities.CreateRepository{Owner: "acme", Name: "site", Actor: "octo"})
	desc := "first"
	w.do("octo", entities.UpdateRepository{Owner: "octo", Name: "alpha", Description: &desc, Actor: "octo"})
	w.do("mona", entities.StarRepository{Owner: "octo", Name: "alpha", Actor: "mona"})
	w.do("hubot", entities.StarRepository{Owner: "octo", Name: "alpha", Actor: "hubot"})
	w.do("mona", entities.ForkRepository{Owner: "octo", Name: "alpha", Actor: "mona"})
	return w
}

// pageNames lists the "owner/name" of a page of repository items.
func pageNames(t *testing.T, p loaders.Page[readmodel.Repository]) []string {
	t.Helper()
	var out []string
	for _, r := range p.Items {
		out = append(out, r.Owner+"/"+r.Name)
	}
	return out
}

// mapped applies f to each of items.
func mapped[T any](items []T, f func(T) string) []string {
	var out []string
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRepositoryLoader(t *testing.T) {
	w := seedRepositories(t)
	ctx := context.Background()
	l := w.loaders()
	r, err := l.Repository(ctx, "OCTO", "ALPHA")
	if err != nil {
		t.Fatal(err)
	}
	if r == nil || r.Owner != "octo" || r.Name != "alpha" || r.Description != "first" || r.IsPrivate || r.IsFork || r.Life != 1 || r.StargazerCount != 2 || r.ForkCount != 1 {
		t.Fatalf("octo/alpha = %+v", r)
	}
	fork, err := l.Repository(ctx, "mona", "alpha")
	if err != nil {
		t.Fatal(err)
	}
	if fork == nil || !fork.IsFork || fork.ParentOwner != "octo" || fork.ParentName != "alpha" || fork.ParentLife != 1 || fork.Description != "first" {
		t.Fatalf("mona/alpha = %+v", fork)
	}
	if r, err := l.Repository(ctx, "octo", "nope"); err != nil || r != nil {
		t.Fatalf("missing repository = %+v, %v", r, err)
	}
	counts, err := l.AccountCounters(ctx, "octo")
	if err != nil || counts.RepositoryCount != 2 || counts.PrivateRepositoryCount != 1 {
		t.Fatalf("octo's counts = %+v, %v", counts, err)
	}
}

func TestRepositoriesOfOwner(t *testing.T) {
	w := seedRepositories(t)
	ctx := context.Background()
	l := w.loaders()
	tests := []struct {
		name    string
		owner   string
		private bool
		want    []string
	}{
		{"owner sees private, recently updated first", "octo", true, []string{"octo/alpha", "octo/Beta"}},
		{"others see public only", "octo", false, []string{"octo/alpha"}},
		{"organization", "ACME", true, []string{"acme/site", "acme/tools"}},
		{"organization, public", "acme", false, []string{"acme/site"}},
		{"no repositories", "hubot", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := l.RepositoriesOfOwner(ctx, tc.owner, tc.private, loaders.PageArgs{First: i32(10)})
			if err != nil {
				t.Fatal(err)
			}
			if got := pageNames(t, p); !sameStrings(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("paging", func(t *testing.T) {
		p1, err := l.RepositoriesOfOwner(ctx, "octo", true, loaders.PageArgs{First: i32(1)})
		if err != nil {
			t.Fatal(err)
		}
		if got := pageNames(t, p1); !p1.HasNext || !sameStrings(got, []string{"octo/alpha"}) {
			t.Fatalf("page 1 = %v hasNext=%v", got, p1.HasNext)
		}
		p2, err := l.RepositoriesOfOwner(ctx, "octo", true, loaders.PageArgs{First: i32(1), After: &p1.Cursors[0]})
		if err != nil {
			t.Fatal(err)
		}
		if got := pageNames(t, p2); p2.HasNext || !sameStrings(got, []string{"octo/Beta"}) {
			t.Fatalf("page 2 = %v hasNext=%v", got, p2.HasNext)
		}
		// A cursor of the owner's full list does not page the public one.
		_, err = l.RepositoriesOfOwner(ctx, "octo", false, loaders.PageArgs{First: i32(1), After: &p1.Cursors[0]})
		if !errors.Is(err, entities.ErrBadInput) {
			t.Fatalf("foreign cursor: %v, want BAD_USER_INPUT", err)
		}
	})
}

func TestStarsAndForks(t *testing.T) {
	w := seedRepositories(t)
	ctx := context.Background()
	l := w.loaders()
	p, err := l.Stargazers(ctx, "octo", "alpha", 1, loaders.OldestStarFirst, loaders.PageArgs{First: i32(10)})
	if err != nil {
		t.Fatal(err)
	}
	var gazers []string
	for _, s := range p.Items {
		if s.Owner != "octo" || s.Name != "alpha" || s.StarredAt.IsZero() {
			t.Fatalf("star item %+v", s)
		}
		gazers = append(gazers, s.Login)
	}
	if !sameStrings(gazers, []string{"mona", "hubot"}) {
		t.Fatalf("stargazers = %v, want in the order they starred", gazers)
	}
	if p, err := l.Stargazers(ctx, "octo", "alpha", 2, loaders.OldestStarFirst, loaders.PageArgs{First: i32(10)}); err != nil || len(p.Items) != 0 {
		t.Fatalf("stargazers of another life = %v, %v", p.Items, err)
	}
	p, err = l.StarredBy(ctx, "MONA", "", loaders.OldestStarFirst, loaders.PageArgs{First: i32(10)})
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("mona starred %v, %v", p.Items, err)
	}
	for _, tc := range []struct {
		login string
		life  int
		want  bool
	}{{"mona", 1, true}, {"Hubot", 1, true}, {"octo", 1, false}, {"", 1, false}, {"mona", 2, false}} {
		got, err := l.HasStarred(ctx, tc.login, "octo", "alpha", tc.life)
		if err != nil || got != tc.want {
			t.Fatalf("HasStarred(%q, life %d) = %v, %v; want %v", tc.login, tc.life, got, err, tc.want)
		}
	}
	if c, err := l.AccountCounters(ctx, "mona"); err != nil || c.StarredCount != 1 {
		t.Fatalf("mona's starredCount = %d, %v", c.StarredCount, err)
	}
	forks, err := l.ForksOf(ctx, "octo", "alpha", 1, "", false, loaders.PageArgs{First: i32(10)})
	if err != nil || len(forks.Items) != 1 {
		t.Fatalf("forks = %v, %v", forks.Items, err)
	}
	if f := forks.Items[0]; f.ForkOwner != "mona" || f.ForkName != "alpha" || f.ForkLife != 1 {
		t.Fatalf("fork link = %+v", f)
	}

	w.do("octo", entities.DeleteRepository{Owner: "octo", Name: "alpha", Actor: "octo"})
	l = w.loaders()
	if r, err := l.Repository(ctx, "octo", "alpha"); err != nil || r != nil {
		t.Fatalf("deleted repository = %+v, %v", r, err)
	}
	for name, load := range map[string]func() (int, error){
		"stargazers": func() (int, error) {
			p, err := l.Stargazers(ctx, "octo", "alpha", 1, loaders.OldestStarFirst, loaders.PageArgs{First: i32(10)})
			return len(p.Items), err
		},
		"starred": func() (int, error) {
			p, err := l.StarredBy(ctx, "mona", "mona", loaders.OldestStarFirst, loaders.PageArgs{First: i32(10)})
			return len(p.Items), err
		},
		"forks": func() (int, error) {
			p, err := l.ForksOf(ctx, "octo", "alpha", 1, "", false, loaders.PageArgs{First: i32(10)})
			return len(p.Items), err
		},
		"repos": func() (int, error) {
			p, err := l.RepositoriesOfOwner(ctx, "octo", false, loaders.PageArgs{First: i32(10)})
			return len(p.Items), err
		},
	} {
		if n, err := load(); err != nil || n != 0 {
			t.Fatalf("%s after delete = %d items, %v", name, n, err)
		}
	}
	if c, err := l.AccountCounters(ctx, "mona"); err != nil || c.StarredCount != 0 {
		t.Fatalf("mona's starredCount after delete = %d, %v", c.StarredCount, err)
	}
	if r, err := l.Repository(ctx, "mona", "alpha"); err != nil || r == nil || !r.IsFork {
		t.Fatalf("the fork must outlive its parent: %+v, %v", r, err)
	}
}

func TestRelations(t *testing.T) {
	w := seedRepositories(t)
	ctx := context.Background()
	l := w.loaders()
	for _, tc := range []struct {
		owner, viewer string
		want          entities.Relation
	}{
		{"octo", "octo", entities.RelationOwner},
		{"octo", "OCTO", entities.RelationOwner},
		{"octo", "mona", entities.RelationNone},
		{"acme", "hubot", entities.RelationMember},
		{"acme", "octo", entities.RelationAdmin},
		{"acme", "mona", entities.RelationNone},
		{"acme", "", entities.RelationNone},
	} {
		got, err := l.Relation(ctx, tc.owner, tc.viewer)
		if err != nil || got != tc.want {
			t.Fatalf("Relation(%s, %q) = %v, %v; want %v", tc.owner, tc.viewer, got, err, tc.want)
		}
	}
	got, err := l.Relations(ctx, []string{"acme", "octo", "mona", "acme"}, "hubot")
	want := []entities.Relation{entities.RelationMember, entities.RelationNone, entities.RelationNone, entities.RelationMember}
	if err != nil || len(got) != len(want) {
		t.Fatalf("Relations = %v, %v", got, err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Relations = %v, want %v", got, want)
		}
	}
}

// TestViewerFilteredLinks: starred repositories and forks are listed and
// counted per viewer — private ones only for who may see them — with
// full pages, exact hasNextPage and viewer-bound cursors.
func TestViewerFilteredLinks(t *testing.T) {
	w := seedRepositories(t)
	ctx := context.Background()
	// hubot (member of acme) stars acme/tools (private) and acme/site;
	// hubot forks acme/tools (a private fork hubot/tools).
	w.do("hubot", entities.StarRepository{Owner: "acme", Name: "tools", Actor: "hubot"})
	w.do("hubot", entities.StarRepository{Owner: "acme", Name: "site", Actor: "hubot"})
	w.do("hubot", entities.ForkRepository{Owner: "acme", Name: "tools", Actor: "hubot"})
	star := func(s readmodel.Star) string { return s.Owner + "/" + s.Name }
	fork := func(f readmodel.ForkLink) string { return f.ForkOwner + "/" + f.ForkName }
	for _, tc := range []struct {
		viewer     string
		starred    []string // hubot's stars the viewer sees
		toolsForks []string // forks of acme/tools the viewer sees
	}{
		// In the order hubot starred them (octo/alpha in the seed).
		{"", []string{"octo/alpha", "acme/site"}, nil},
		{"mona", []string{"octo/alpha", "acme/site"}, nil},
		{"octo", []string{"octo/alpha", "acme/tools", "acme/site"}, nil},
		{"hubot", []string{"octo/alpha", "acme/tools", "acme/site"}, []string{"hubot/tools"}},
	} {
		l := w.loaders()
		p, err := l.StarredBy(ctx, "hubot", tc.viewer, loaders.OldestStarFirst, loaders.PageArgs{First: i32(10)})
		if err != nil || !sameStrings(mapped(p.Items, star), tc.starred) || p.HasNext {
			t.Fatalf("viewer %q: hubot starred %v (hasNext %v), %v; want %v", tc.viewer, mapped(p.Items, star), p.HasNext, err, tc.starred)
		}
		if n, err := l.CountStarredBy(ctx, "hubot", tc.viewer, loaders.OldestStarFirst); err != nil || n != len(tc.starred) {
			t.Fatalf("viewer %q: CountStarredBy = %d, %v; want %d", tc.viewer, n, err, len(tc.starred))
		}
		// Paging one by one visits exactly the visible stars: hasNextPage
		// is true on every page but the last.
		var seen []string
		args := loaders.PageArgs{First: i32(1)}
		for {
			p, err := l.StarredBy(ctx, "hubot", tc.viewer, loaders.OldestStarFirst, args)
			if err != nil || len(p.Items) != 1 {
				t.Fatalf("viewer %q: page after %v = %v, %v", tc.viewer, seen, p.Items, err)
			}
			seen = append(seen, star(p.Items[0]))
			if !p.HasNext {
				break
			}
			args.After = &p.Cursors[0]
		}
		if !sameStrings(seen, tc.starred) {
			t.Fatalf("viewer %q: paged %v, want %v", tc.viewer, seen, tc.starred)
		}
		tools, err := l.Repository(ctx, "acme", "tools")
		if err != nil || tools == nil {
			t.Fatal(tools, err)
		}
		forks, err := l.ForksOf(ctx, "acme", "tools", tools.Life, tc.viewer, false, loaders.PageArgs{First: i32(10)})
		if err != nil || !sameStrings(mapped(forks.Items, fork), tc.toolsForks) {
			t.Fatalf("viewer %q: forks of acme/tools %v, %v; want %v", tc.viewer, mapped(forks.Items, fork), err, tc.toolsForks)
		}
		if n, err := l.CountForksOf(ctx, "acme", "tools", tools.Life, tools.ForkCount, tc.viewer); err != nil || n != len(tc.toolsForks) {
			t.Fatalf("viewer %q: CountForksOf = %d, %v; want %d", tc.viewer, n, err, len(tc.toolsForks))
		}
	}
	// A cursor is bound to the viewer it was issued to.
	l := w.loaders()
	p, err := l.StarredBy(ctx, "hubot", "hubot", loaders.OldestStarFirst, loaders.PageArgs{First: i32(1)})
	if err != nil || len(p.Cursors) != 1 {
		t.Fatal(p, err)
	}
	if _, err := l.StarredBy(ctx, "hubot", "mona", loaders.OldestStarFirst, loaders.PageArgs{First: i32(1), After: &p.Cursors[0]}); !errors.Is(err, entities.ErrBadInput) {
		t.Fatalf("another viewer's cursor: %v, want BAD_USER_INPUT", err)
	}
}
