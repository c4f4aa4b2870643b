package e2e_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hubstream/hubstream/test/testkit"
)

func TestCreateUserThenQuery(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	in := map[string]any{"login": "Octocat", "name": "The Octocat", "email": "octocat@example.com", "bio": "I live in the cloud 🐙"}
	created := createUser(t, srv, in)

	// The payload is the write itself: complete before any projection.
	if created.Login != "Octocat" || deref(created.Name) != `"The Octocat"` || deref(created.Email) != `"octocat@example.com"` || deref(created.Bio) != `"I live in the cloud 🐙"` {
		t.Fatalf("createUser payload = %v, want the input back", created)
	}
	if created.ID == "" {
		t.Errorf("createUser payload has no id")
	}
	at, err := time.Parse(time.RFC3339Nano, created.CreatedAt)
	if err != nil {
		t.Fatalf("createdAt %q: %v", created.CreatedAt, err)
	}
	if d := time.Since(at); d < 0 || d > time.Minute {
		t.Errorf("createdAt %v is not now", at)
	}
	if created.UpdatedAt != created.CreatedAt {
		t.Errorf("a new user's updatedAt %s differs from createdAt %s", created.UpdatedAt, created.CreatedAt)
	}

	// The read side serves exactly what the write returned, once projected.
	awaitUser(t, srv, "Octocat", created)

	if got := queryUser(t, srv, "nobody-here"); got != nil {
		t.Errorf("user(nobody-here) = %v, want null", got)
	}
}

func TestUserLookupIsCaseInsensitive(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	created := createUser(t, srv, map[string]any{"login": "MixedCase-User"})
	awaitUser(t, srv, "MixedCase-User", created)

	for _, login := range []string{"mixedcase-user", "MIXEDCASE-USER", "mIxEdCaSe-UsEr", "MixedCase-User"} {
		t.Run(login, func(t *testing.T) {
			got := queryUser(t, srv, login)
			if got == nil {
				t.Fatalf("user(%q) = null, want MixedCase-User", login)
			}
			if !got.equal(created) {
				t.Errorf("user(%q) = %v, want %v (login as typed at creation)", login, got, created)
			}
		})
	}
}

func TestCreateUserDuplicateLogin(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	orig := createUser(t, srv, map[string]any{"login": "hubot", "name": "Hubot"})

	tests := []struct {
		name  string
		login string
	}{
		{"same spelling", "hubot"},
		{"upper case", "HUBOT"},
		{"mixed case", "HuBoT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := srv.As(t, tt.login).MustDo(t, createUserMutation, map[string]any{"in": map[string]any{"login": tt.login, "name": "Impostor"}})
			if res.Status >= 500 {
				t.Fatalf("status %d", res.Status)
			}
			if len(res.Errors) != 1 || res.Code() != "ALREADY_EXISTS" {
				t.Fatalf("createUser(%q) errors = %+v, want one ALREADY_EXISTS", tt.login, res.Errors)
			}
			if string(res.Data) != "null" {
				t.Errorf("createUser(%q) data = %s, want null", tt.login, res.Data)
			}
		})
	}
	// Nothing was appended and the original is untouched.
	if n := eventCount(t, srv, "hubot"); n != 1 {
		t.Errorf("hubot has %d events after duplicate creations, want 1", n)
	}
	awaitUser(t, srv, "hubot", orig)
}

func TestBadUserInput(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	existing := createUser(t, srv, map[string]any{"login": "target", "bio": "unchanged"})

	tests := []struct {
		name      string
		mutation  string // createUserMutation or updateProfileMutation
		in        map[string]any
		wantField string
	}{
		{"empty login", createUserMutation, map[string]any{"login": ""}, "login"},
		{"leading hyphen", createUserMutation, map[string]any{"login": "-abc"}, "login"},
		{"trailing hyphen", createUserMutation, map[string]any{"login": "abc-"}, "login"},
		{"double hyphen", createUserMutation, map[string]any{"login": "a--b"}, "login"},
		{"underscore", createUserMutation, map[string]any{"login": "snake_case"}, "login"},
		{"space", createUserMutation, map[string]any{"login": "two words"}, "login"},
		{"dot", createUserMutation, map[string]any{"login": "a.b"}, "login"},
		{"non-ASCII letter", createUserMutation, map[string]any{"login": "jürgen"}, "login"},
		{"40 characters", createUserMutation, map[string]any{"login": strings.Repeat("a", 40)}, "login"},
		{"email without at", createUserMutation, map[string]any{"login": "mail1", "email": "nobody.example.com"}, "email"},
		{"email with two ats", createUserMutation, map[string]any{"login": "mail2", "email": "a@b@example.com"}, "email"},
		{"email without dotted domain", createUserMutation, map[string]any{"login": "mail3", "email": "a@localhost"}, "email"},
		{"email with space", createUserMutation, map[string]any{"login": "mail4", "email": "a b@example.com"}, "email"},
		{"email with empty local part", createUserMutation, map[string]any{"login": "mail5", "email": "@example.com"}, "email"},
		{"bio of 161 ASCII characters", createUserMutation, map[string]any{"login": "bio1", "bio": strings.Repeat("b", 161)}, "bio"},
		{"bio of 161 multi-byte characters", createUserMutation, map[string]any{"login": "bio2", "bio": strings.Repeat("é", 161)}, "bio"},
		{"name of 256 characters", createUserMutation, map[string]any{"login": "name1", "name": strings.Repeat("n", 256)}, "name"},
		{"update: bad login", updateProfileMutation, map[string]any{"login": "bad login", "bio": "x"}, "login"},
		{"update: bad email", updateProfileMutation, map[string]any{"login": "target", "email": "not-an-email"}, "email"},
		{"update: bio of 161 characters", updateProfileMutation, map[string]any{"login": "target", "bio": strings.Repeat("🐙", 161)}, "bio"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := asLogin(t, srv, tt.in["login"]).MustDo(t, tt.mutation, map[string]any{"in": tt.in})
			if res.Status >= 500 {
				t.Fatalf("status %d", res.Status)
			}
			if len(res.Errors) != 1 {
				t.Fatalf("errors = %+v, want exactly one", res.Errors)
			}
			e := res.Errors[0]
			if e.Code() != "BAD_USER_INPUT" || e.Field() != tt.wantField {
				t.Errorf("error = %q code=%q field=%q, want code BAD_USER_INPUT field %q", e.Message, e.Code(), e.Field(), tt.wantField)
			}
			if string(res.Data) != "null" {
				t.Errorf("data = %s, want null", res.Data)
			}
			if login, _ := tt.in["login"].(string); tt.mutation == createUserMutation && login != "" && headVersion(t, srv, login) != 0 {
				t.Errorf("a rejected createUser(%q) wrote a head", login)
			}
		})
	}

	// The limits themselves are accepted: 39-character login, 160-character
	// multi-byte bio.
	t.Run("boundaries accepted", func(t *testing.T) {
		login := strings.Repeat("x", 38) + "9"
		u := createUser(t, srv, map[string]any{"login": login, "bio": strings.Repeat("é", 160)})
		if u.Login != login {
			t.Errorf("login = %q, want %q", u.Login, login)
		}
	})
	if n := eventCount(t, srv, "target"); n != 1 {
		t.Errorf("target has %d events after rejected updates, want 1", n)
	}
	awaitUser(t, srv, "target", existing)
}

func TestUpdateProfile(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	created := createUser(t, srv, map[string]any{"login": "mona", "name": "Mona", "email": "mona@example.com", "bio": "first bio"})

	tests := []struct {
		name string
		in   map[string]any
		// want holds the expected name, email and bio after the update.
		want       [3]*string
		wantChange bool
	}{
		{"change name, keep others", map[string]any{"login": "mona", "name": "Mona Lisa"}, [3]*string{str("Mona Lisa"), str("mona@example.com"), str("first bio")}, true},
		{"clear email, change bio", map[string]any{"login": "mona", "email": "", "bio": "second bio ✨"}, [3]*string{str("Mona Lisa"), nil, str("second bio ✨")}, true},
		{"login in another case", map[string]any{"login": "MONA", "bio": "third"}, [3]*string{str("Mona Lisa"), nil, str("third")}, true},
		{"same values change nothing", map[string]any{"login": "mona", "name": "Mona Lisa", "bio": "third"}, [3]*string{str("Mona Lisa"), nil, str("third")}, false},
		{"no fields change nothing", map[string]any{"login": "mona"}, [3]*string{str("Mona Lisa"), nil, str("third")}, false},
		{"clear everything", map[string]any{"login": "mona", "name": "", "email": "", "bio": ""}, [3]*string{nil, nil, nil}, true},
	}
	prev := created
	events := 1
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := updateProfile(t, srv, tt.in)
			// The payload reflects the write immediately, not the projection.
			if !eqPtr(got.Name, tt.want[0]) || !eqPtr(got.Email, tt.want[1]) || !eqPtr(got.Bio, tt.want[2]) {
				t.Fatalf("payload = %v, want name=%s email=%s bio=%s", got, deref(tt.want[0]), deref(tt.want[1]), deref(tt.want[2]))
			}
			if got.Login != "mona" || got.ID != created.ID || got.CreatedAt != created.CreatedAt {
				t.Errorf("payload identity changed: %v, created %v", got, created)
			}
			if tt.wantChange {
				events++
				if got.UpdatedAt <= prev.UpdatedAt {
					t.Errorf("updatedAt %s did not advance past %s", got.UpdatedAt, prev.UpdatedAt)
				}
			} else if got.UpdatedAt != prev.UpdatedAt {
				t.Errorf("a no-op update moved updatedAt from %s to %s", prev.UpdatedAt, got.UpdatedAt)
			}
			if n := eventCount(t, srv, "mona"); n != events {
				t.Errorf("mona has %d events, want %d", n, events)
			}
			awaitUser(t, srv, "mona", got)
			prev = got
		})
	}

	t.Run("missing user", func(t *testing.T) {
		// A login without an account may only create it: FORBIDDEN, the
		// one code for every other mutation it sends.
		res := srv.As(t, "ghost").MustDo(t, updateProfileMutation, map[string]any{"in": map[string]any{"login": "ghost", "bio": "boo"}})
		if len(res.Errors) != 1 || res.Code() != "FORBIDDEN" {
			t.Fatalf("errors = %+v, want one FORBIDDEN", res.Errors)
		}
		if headVersion(t, srv, "ghost") != 0 {
			t.Errorf("updating a missing user created a head")
		}
	})
}

// TestAccountMutationsActAsTheUser: account mutations need a bearer token
// whose subject is the account; reads are public.
func TestAccountMutationsActAsTheUser(t *testing.T) {
	srv := testkit.Start(t, testkit.Options{})
	owner := createUser(t, srv, map[string]any{"login": "owner", "bio": "mine"})
	awaitUser(t, srv, "owner", owner)

	tests := []struct {
		name       string
		client     *testkit.Client
		mutation   string
		in         map[string]any
		wantStatus int
		wantCode   string
	}{
		{"create anonymously", srv.GraphQL, createUserMutation, map[string]any{"login": "anon"}, 200, "UNAUTHENTICATED"},
		{"create for someone else", srv.As(t, "owner"), createUserMutation, map[string]any{"login": "puppet"}, 200, "FORBIDDEN"},
		{"update anonymously", srv.GraphQL, updateProfileMutation, map[string]any{"login": "owner", "bio": "hacked"}, 200, "UNAUTHENTICATED"},
		{"update someone else", srv.As(t, "intruder"), updateProfileMutation, map[string]any{"login": "owner", "bio": "hacked"}, 200, "FORBIDDEN"},
		{"garbage token", srv.GraphQL.WithToken("not-a-jwt"), updateProfileMutation, map[string]any{"login": "owner", "bio": "hacked"}, 401, "UNAUTHENTICATED"},
		{"token signed by another secret", testkit.Start(t, testkit.Options{NoProjector: true}).As(t, "owner").WithURL(srv.GraphQL.URL), updateProfileMutation, map[string]any{"login": "owner", "bio": "hacked"}, 401, "UNAUTHENTICATED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.client.MustDo(t, tt.mutation, map[string]any{"in": tt.in})
			if res.Status != tt.wantStatus {
				t.Errorf("status %d, want %d", res.Status, tt.wantStatus)
			}
			if len(res.Errors) != 1 || res.Code() != tt.wantCode {
				t.Errorf("errors %+v, want one %s", res.Errors, tt.wantCode)
			}
		})
	}
	for _, login := range []string{"anon", "puppet"} {
		if headVersion(t, srv, login) != 0 {
			t.Errorf("a rejected createUser(%s) wrote a head", login)
		}
	}
	if n := eventCount(t, srv, "owner"); n != 1 {
		t.Errorf("owner has %d events after rejected updates, want 1", n)
	}
	if got := queryUser(t, srv, "owner"); got == nil || !got.equal(owner) {
		t.Errorf("anonymous user(owner) = %v, want %v", got, owner)
	}
}
