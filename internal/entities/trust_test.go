package entities

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Tests of the rules of issue 11: the actor is a user account, a stored
// result is replayed only under the actor's current rights, every command
// validates its fields without state, texts have limits in characters and
// bytes and no control characters.

func TestCheckActor(t *testing.T) {
	user := Snapshot{ID: NewAccountID("mona"), Version: 1, State: &Account{Login: "mona", Type: AccountUser}}
	org := Snapshot{ID: NewAccountID("acme"), Version: 1, State: &Account{Login: "acme", Type: AccountOrganization}}
	with := func(actor string, snaps ...Snapshot) Input {
		in := Input{Now: workT1, Actor: actor, Snapshots: map[ID]Snapshot{}}
		for _, s := range snaps {
			in.Snapshots[s.ID] = s
		}
		return in
	}
	star := StarRepository{Owner: "octo", Name: "hello", Actor: "mona"}
	tests := []struct {
		name string
		cmd  Command
		in   Input
		want Code // "" for allowed
	}{
		{"anonymous", star, with(""), CodeUnauthenticated},
		{"anonymous creating a user", CreateUser{Login: "mona"}, with(""), CodeUnauthenticated},
		{"user", star, with("mona", user), ""},
		{"user in another case", star, with("MONA", user), ""},
		{"organization", star, with("acme", org), CodeForbidden},
		{"organization in upper case", star, with("ACME", org), CodeForbidden},
		{"organization creating a user of its own login", CreateUser{Login: "acme"}, with("acme", org), CodeForbidden},
		{"no account", star, with("ghost"), CodeForbidden},
		{"no account creating its user", CreateUser{Login: "ghost"}, with("ghost"), ""},
		{"no account creating an organization", CreateOrganization{Login: "spooky", Actor: "ghost"}, with("ghost"), CodeForbidden},
		{"no account updating a profile", UpdateProfile{Login: "ghost"}, with("ghost"), CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckActor(tt.cmd, tt.in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckActor = %v, want nil", err)
				}
				return
			}
			var de *Error
			if !errors.As(err, &de) || de.Code != tt.want {
				t.Fatalf("CheckActor = %v, want code %s", err, tt.want)
			}
		})
	}
	if got := ActorTargets(star, "MONA"); len(got) != len(star.Targets()) || !slices.Contains(got, ID(NewAccountID("mona"))) {
		t.Errorf("ActorTargets(star, MONA) = %v: the star's targets already name the account once", got)
	}
	if got := ActorTargets(CreateUser{Login: "Ghost"}, "ghost"); len(got) != 1 || got[0] != NewAccountID("ghost") {
		t.Errorf("ActorTargets(CreateUser ghost, ghost) = %v, want the account once", got)
	}
	if got := ActorTargets(UpdateProfile{Login: "mona"}, "octo"); len(got) != 2 {
		t.Errorf("ActorTargets(UpdateProfile mona, octo) = %v, want both accounts", got)
	}
}

func TestCheckReplay(t *testing.T) {
	w := workWorld(t)
	// stored builds a stored result from the world's snapshots of ids.
	stored := func(in Input, ids ...ID) map[ID]Snapshot {
		out := map[ID]Snapshot{}
		for _, id := range ids {
			out[id] = in.Snapshot(id)
		}
		return out
	}
	issue := NewIssueID(workHello, 1)
	secretIssue := NewIssueID(workSecret, workWorldSecretIssue(t, w))
	private := workRun(t, w, "octo", UpdateRepository{Owner: "octo", Name: "hello", IsPrivate: ptr(true), Actor: "octo"})
	removed := apply(t, w, []Change{{ID: NewMembershipID("acme", "member"), Events: []Event{&MemberRemoved{}}}})
	deleted := workRun(t, w, "octo", DeleteRepository{Owner: "octo", Name: "hello", Actor: "octo"})
	reborn := apply(t, deleted, []Change{{ID: workHello, Events: []Event{&RepositoryCreated{Owner: "octo", Name: "hello"}}}})
	tests := []struct {
		name   string
		stored map[ID]Snapshot
		now    Input
		actor  string
		hidden bool
	}{
		{"public, still public", stored(w, workHello, issue), w, "mallory", false},
		{"public, now private", stored(w, workHello, issue), private, "mallory", true},
		{"public, now private, owner", stored(w, workHello, issue), private, "octo", false},
		{"only the issue stored, repository now private", stored(w, issue), private, "mallory", true},
		{"private, member", stored(w, workSecret, secretIssue), w, "member", false},
		{"private, member removed", stored(w, workSecret, secretIssue), removed, "member", true},
		{"deleted since", stored(w, workHello), deleted, "mallory", true},
		{"deleted and re-created: another life", stored(w, workHello, issue), reborn, "mallory", true},
		{"deleted by the command itself", stored(deleted, workHello), deleted, "octo", false},
		{"accounts and memberships only", stored(w, NewAccountID("octo"), NewMembershipID("acme", "member")), removed, "member", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := withActor(tt.now, tt.actor)
			err := CheckReplay(tt.stored, now)
			if tt.hidden != errors.Is(err, ErrNotFound) || (!tt.hidden && err != nil) {
				t.Fatalf("CheckReplay = %v, want hidden %v", err, tt.hidden)
			}
		})
	}
	t.Run("a repository missing from the input is refused", func(t *testing.T) {
		now := withActor(Input{Now: workT1, Snapshots: map[ID]Snapshot{}}, "octo")
		if err := CheckReplay(stored(w, workHello), now); !errors.Is(err, ErrNotFound) {
			t.Fatalf("CheckReplay = %v, want NOT_FOUND", err)
		}
	})
}

// workWorldSecretIssue returns the number of the issue member opened in
// acme/secret.
func workWorldSecretIssue(t *testing.T, w Input) int {
	t.Helper()
	for id, s := range w.Snapshots {
		if iid, ok := id.(IssueID); ok && iid.Repository() == workSecret && s.State != nil {
			return iid.Number()
		}
	}
	t.Fatal("no issue in acme/secret")
	return 0
}

func TestValidateText(t *testing.T) {
	line := TextLimit{Chars: 4, Bytes: 8}
	multi := TextLimit{Chars: 4, Bytes: 8, Multiline: true}
	tests := []struct {
		name  string
		limit TextLimit
		text  string
		ok    bool
	}{
		{"empty", line, "", true},
		{"at the character limit", line, "abcd", true},
		{"over the character limit", line, "abcde", false},
		{"4-byte characters at the byte limit", line, "😀😀", true},
		{"over the byte limit within the characters", line, "😀😀😀", false},
		{"NUL", line, "a\x00b", false},
		{"newline in a line", line, "a\nb", false},
		{"tab in a line", line, "a\tb", false},
		{"escape", line, "\x1b[1m", false},
		{"DEL", line, "a\x7f", false},
		{"C1 control", line, "a\u0085", false},
		{"newline in a body", multi, "a\nb", true},
		{"CRLF in a body", multi, "a\r\nb", true},
		{"tab in a body", multi, "a\tb", true},
		{"NUL in a body", multi, "a\x00", false},
		{"bell in a body", multi, "\a", false},
		{"invalid UTF-8", multi, "a\xffb", false},
		{"line separator is text", line, "a\u2028b", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateText("f", tt.text, tt.limit)
			if (err == nil) != tt.ok {
				t.Fatalf("validateText(%q) = %v, want ok %v", tt.text, err, tt.ok)
			}
			if err != nil {
				var de *Error
				if !errors.As(err, &de) || de.Code != CodeBadInput || de.Field != "f" {
					t.Fatalf("error %#v, want BAD_USER_INPUT on f", err)
				}
			}
		})
	}
}

// TestTextLimitsAreConsistent: every limit's bytes allow its characters
// in plain text, and the byte limits of the short fields allow any
// characters at all.
func TestTextLimitsAreConsistent(t *testing.T) {
	for name, l := range map[string]TextLimit{
		"name": NameLimit, "bio": BioLimit, "org description": OrgDescriptionLimit,
		"repository description": RepositoryDescriptionLimit, "title": TitleLimit, "body": BodyLimit, "ref": RefLimit,
	} {
		if l.Bytes < l.Chars {
			t.Errorf("%s: %d bytes cannot hold %d ASCII characters", name, l.Bytes, l.Chars)
		}
		if l != BodyLimit && l.Bytes < utf8.UTFMax*l.Chars {
			t.Errorf("%s: %d bytes cannot hold %d characters of any kind", name, l.Bytes, l.Chars)
		}
		if err := validateText(name, strings.Repeat("a", l.Chars), l); err != nil {
			t.Errorf("%s: the documented maximum is refused: %v", name, err)
		}
	}
}

// TestEveryCommandValidatesItsInput: each command refuses an oversized
// name, login, number or text in its own Validate — before any state —
// with BAD_USER_INPUT on the input field.
func TestEveryCommandValidatesItsInput(t *testing.T) {
	long := strings.Repeat("x", 3000)
	longRepository := NewRepositoryID(long, "hello")
	issue := NewIssueID(workHello, 1)
	okComment := NewCommentID(workHello, 1, NewCommentLocalID(workT1, [10]byte{1}))
	tests := []struct {
		cmd   Command
		field string
	}{
		{CreateUser{Login: long}, "login"},
		{CreateUser{Login: "mona", Name: long}, "name"},
		{UpdateProfile{Login: long}, "login"},
		{UpdateProfile{Login: "mona", Bio: &long}, "bio"},
		{CreateOrganization{Login: long, Actor: "mona"}, "login"},
		{UpdateOrganization{Login: "acme", Description: &long, Actor: "mona"}, "description"},
		{AddMember{Org: long, Login: "mona", Role: RoleMember, Actor: "boss"}, "organization"},
		{AddMember{Org: "acme", Login: long, Role: RoleMember, Actor: "boss"}, "login"},
		{ChangeMemberRole{Org: "acme", Login: "mona", Role: "OWNER", Actor: "boss"}, "role"},
		{RemoveMember{Org: "acme", Login: long, Actor: "boss"}, "login"},
		{CreateRepository{Owner: long, Name: "r", Actor: "mona"}, "owner"},
		{CreateRepository{Owner: "mona", Name: long, Actor: "mona"}, "name"},
		{UpdateRepository{Owner: "mona", Name: "r", Description: &long, Actor: "mona"}, "description"},
		{DeleteRepository{Owner: "mona", Name: long, Actor: "mona"}, "name"},
		{ForkRepository{Owner: "octo", Name: "hello", NewOwner: long, Actor: "mona"}, "newOwner"},
		{StarRepository{Owner: long, Name: "r", Actor: "mona"}, "owner"},
		{UnstarRepository{Owner: "o", Name: long, Actor: "mona"}, "name"},
		{OpenIssue{Actor: "mona", Repository: longRepository, Title: "t"}, "owner"},
		{OpenIssue{Actor: "mona", Repository: workHello, Title: "t\x00"}, "title"},
		{EditIssue{Actor: "mona", Repository: NewRepositoryID("octo", long), Number: 1}, "repository"},
		{CloseIssue{Actor: "mona", Repository: workHello, Number: 0}, "number"},
		{CloseIssue{Actor: "mona", Repository: workHello, Number: 1, Reason: "BORED"}, "reason"},
		{ReopenIssue{Actor: "mona", Repository: longRepository, Number: 1}, "owner"},
		{OpenPullRequest{Actor: "mona", Repository: workHello, Title: "t", HeadRef: long, BaseRef: "main"}, "headRef"},
		{EditPullRequest{Actor: "mona", Repository: workHello, Number: 2, Body: ptr(strings.Repeat("😀", MaxBodyBytes/4+1))}, "body"},
		{ClosePullRequest{Actor: "mona", Repository: longRepository, Number: 2}, "owner"},
		{ReopenPullRequest{Actor: "mona", Repository: workHello, Number: -1}, "number"},
		{MergePullRequest{Actor: "mona", Repository: longRepository, Number: 2}, "owner"},
		{AddComment{Actor: "mona", Repository: longRepository, Number: 1, ID: okComment.Local(), Body: "b"}, "owner"},
		{AddComment{Actor: "mona", Repository: workHello, Number: 1, ID: long, Body: "b"}, "id"},
		{EditComment{Actor: "mona", ID: NewCommentID(longRepository, 1, okComment.Local()), Body: "b"}, "id"},
		{DeleteComment{Actor: "mona", ID: NewCommentID(workHello, 1, long)}, "id"},
		{AddReaction{Actor: "mona", Subject: NewIssueID(longRepository, 1), Content: ReactionEyes}, "subjectId"},
		{AddReaction{Actor: "mona", Subject: issue, Content: "MEH"}, "content"},
		{RemoveReaction{Actor: "mona", Subject: NewAccountID("mona"), Content: ReactionEyes}, "subjectId"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T/%s", tt.cmd, tt.field), func(t *testing.T) {
			err := tt.cmd.Validate()
			var de *Error
			if !errors.As(err, &de) || de.Code != CodeBadInput || de.Field != tt.field {
				t.Fatalf("Validate = %v, want BAD_USER_INPUT on %q", err, tt.field)
			}
			if len(de.Message) > 300 {
				t.Errorf("the message repeats the input: %d bytes", len(de.Message))
			}
		})
	}
	// And the valid forms pass, so the cases above fail for the field
	// they name.
	for _, cmd := range []Command{
		CreateUser{Login: "mona"}, OpenIssue{Actor: "mona", Repository: workHello, Title: "t", Body: "line\r\nline\tx"},
		AddComment{Actor: "mona", Repository: workHello, Number: 1, ID: okComment.Local(), Body: "b"},
		EditComment{Actor: "mona", ID: okComment, Body: "b"}, AddReaction{Actor: "mona", Subject: issue, Content: ReactionEyes},
		ForkRepository{Owner: "octo", Name: "hello", Actor: "mona"},
	} {
		if err := cmd.Validate(); err != nil {
			t.Errorf("%T.Validate = %v", cmd, err)
		}
	}
}

// FuzzValidateText: any text is accepted only if it keeps every promise
// of its limit, and validation never panics.
//
//	go test ./internal/entities -run '^$' -fuzz FuzzValidateText -fuzztime 30s
func FuzzValidateText(f *testing.F) {
	for _, s := range []string{"", "plain", "a\r\nb\tc", "\x00", "😀😀😀", "a\u2028b", "\xff\xfe", strings.Repeat("é", 300)} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool) {
		l := TextLimit{Chars: 64, Bytes: 128, Multiline: multiline}
		if err := validateText("f", s, l); err != nil {
			return
		}
		if !utf8.ValidString(s) || len(s) > l.Bytes || utf8.RuneCountInString(s) > l.Chars {
			t.Fatalf("accepted %q beyond its limit", s)
		}
		for _, r := range s {
			if isControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
				t.Fatalf("accepted the control character %U in %q", r, s)
			}
		}
	})
}
