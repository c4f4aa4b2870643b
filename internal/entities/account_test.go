package entities

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestValidateLogin(t *testing.T) {
	checkValidator(t, ValidateLogin, []accepts{
		{"octocat", true},
		{"a", true},
		{"a-b-c", true},
		{"A1", true},
		{strings.Repeat("x", 39), true},
		{strings.Repeat("x", 40), false},
		{"", false},
		{"-abc", false},
		{"abc-", false},
		{"a--b", false},
		{"a_b", false},
		{"a b", false},
		{"é", false},
	})
}

func TestValidateEmail(t *testing.T) {
	checkValidator(t, ValidateEmail, []accepts{
		{"a@b.co", true},
		{"first.last+tag@sub.example.com", true},
		{"nope", false},
		{"@example.com", false},
		{"a@b", false},
		{"a@@b.com", false},
		{"a b@c.com", false},
		{"a@.com", false},
		{"a@b..com", false},
	})
}

func TestCreateUser(t *testing.T) {
	existing := apply(t, Input{Now: t0}, []Change{{ID: NewAccountID("taken"), Events: []Event{&UserCreated{Login: "Taken"}}}})
	tests := []struct {
		name      string
		in        Input
		cmd       CreateUser
		wantCode  Code
		wantField string
	}{
		{"ok", Input{Now: t0, Actor: "OctoCat"}, CreateUser{Login: "octocat", Name: "The Octocat", Email: "octo@github.com", Bio: "hi"}, "", ""},
		{"bad login", Input{Now: t0, Actor: "-bad"}, CreateUser{Login: "-bad"}, CodeBadInput, "login"},
		{"bad email", Input{Now: t0, Actor: "ok"}, CreateUser{Login: "ok", Email: "nope"}, CodeBadInput, "email"},
		{"bio too long", Input{Now: t0, Actor: "ok"}, CreateUser{Login: "ok", Bio: strings.Repeat("é", 161)}, CodeBadInput, "bio"},
		{"bio at limit", Input{Now: t0, Actor: "ok"}, CreateUser{Login: "ok", Bio: strings.Repeat("é", 160)}, "", ""},
		{"taken, other case", withActor(existing, "taken"), CreateUser{Login: "TAKEN"}, CodeAlreadyExists, ""},
		{"another login", Input{Now: t0, Actor: "mallory"}, CreateUser{Login: "octocat"}, CodeForbidden, ""},
		{"anonymous", Input{Now: t0}, CreateUser{Login: "octocat"}, CodeForbidden, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			changes, err := tc.cmd.Decide(tc.in)
			if tc.wantCode != "" {
				var de *Error
				if !errors.As(err, &de) || de.Code != tc.wantCode || de.Field != tc.wantField {
					t.Fatalf("Decide error = %v, want code %s field %q", err, tc.wantCode, tc.wantField)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			after := apply(t, tc.in, changes)
			s := after.Snapshot(NewAccountID(tc.cmd.Login))
			a, ok := s.State.(*Account)
			if !ok || s.Version != 1 {
				t.Fatalf("state = %#v version %d, want an account at version 1", s.State, s.Version)
			}
			if a.Login != tc.cmd.Login || a.Type != AccountUser || a.Bio != tc.cmd.Bio || a.Email != tc.cmd.Email || !a.CreatedAt.Equal(t0) {
				t.Fatalf("account = %+v", a)
			}
		})
	}
}

func TestUpdateProfile(t *testing.T) {
	base := apply(t, Input{Now: t0}, []Change{{ID: NewAccountID("octo"), Events: []Event{&UserCreated{Login: "octo", Name: "Octo", Bio: "old"}}}})
	later := base
	later.Now = t0.Add(time.Hour)
	tests := []struct {
		name       string
		cmd        UpdateProfile
		wantCode   Code
		wantEvents int
		check      func(*Account) bool
	}{
		{"change bio", UpdateProfile{Login: "OCTO", Bio: ptr("new")}, "", 1, func(a *Account) bool { return a.Bio == "new" && a.Name == "Octo" }},
		{"clear name", UpdateProfile{Login: "octo", Name: ptr("")}, "", 1, func(a *Account) bool { return a.Name == "" }},
		{"no change", UpdateProfile{Login: "octo", Bio: ptr("old")}, "", 0, nil},
		{"another user", UpdateProfile{Login: "mallory", Bio: ptr("x")}, CodeForbidden, 0, nil},
		{"bad email", UpdateProfile{Login: "octo", Email: ptr("x")}, CodeBadInput, 0, nil},
		{"bio too long", UpdateProfile{Login: "octo", Bio: ptr(strings.Repeat("x", 161))}, CodeBadInput, 0, nil},
	}
	t.Run("missing user, as themself", func(t *testing.T) {
		_, err := UpdateProfile{Login: "ghost", Bio: ptr("x")}.Decide(withActor(later, "ghost"))
		var de *Error
		if !errors.As(err, &de) || de.Code != CodeNotFound {
			t.Fatalf("Decide error = %v, want NOT_FOUND", err)
		}
	})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			changes, err := tc.cmd.Decide(withActor(later, "octo"))
			if tc.wantCode != "" {
				var de *Error
				if !errors.As(err, &de) || de.Code != tc.wantCode {
					t.Fatalf("Decide error = %v, want %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, c := range changes {
				n += len(c.Events)
			}
			if n != tc.wantEvents {
				t.Fatalf("got %d events, want %d", n, tc.wantEvents)
			}
			if tc.check == nil {
				return
			}
			after := apply(t, later, changes)
			a := after.Snapshot(NewAccountID("octo")).State.(*Account)
			if !tc.check(a) || !a.UpdatedAt.Equal(later.Now) || !a.CreatedAt.Equal(t0) {
				t.Fatalf("account after update = %+v", a)
			}
		})
	}
}

func TestEvolveRejectsMisfits(t *testing.T) {
	acct := &Account{Login: "x", Type: AccountUser}
	if _, err := Evolve(acct, &UserCreated{Login: "x"}, t0); err == nil {
		t.Fatal("UserCreated on an existing account must fail")
	}
	if _, err := Evolve(nil, &ProfileUpdated{}, t0); err == nil {
		t.Fatal("ProfileUpdated on a missing account must fail")
	}
}

func TestRegistryRoundTrip(t *testing.T) {
	for _, typ := range EventTypes() {
		t.Run(typ, func(t *testing.T) {
			e, err := DecodeEvent(typ, []byte(`{}`))
			if err != nil {
				t.Fatal(err)
			}
			if e.EventType() != typ {
				t.Fatalf("DecodeEvent(%q) gave %q", typ, e.EventType())
			}
		})
	}
	if _, err := DecodeEvent("Nope", []byte(`{}`)); err == nil {
		t.Fatal("unknown event type must fail")
	}
	if _, err := DecodeState(KindAccount, []byte(`{"login":"a","type":"USER"}`)); err != nil {
		t.Fatal(err)
	}
}
