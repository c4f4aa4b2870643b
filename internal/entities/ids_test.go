package entities

import "testing"

var parseIDCases = []ID{
	NewAccountID("octocat"),
	NewMembershipID("acme", "octocat"),
	NewRepositoryID("octocat", "hello"),
	NewIssueID(NewRepositoryID("octocat", "hello"), 7),
	NewPullRequestID(NewRepositoryID("octocat", "hello"), 8),
	NewCommentID(NewRepositoryID("octocat", "hello"), 7, "01J0000000000000000000000A"),
	NewStarID("hubot", NewRepositoryID("octocat", "hello")),
	NewReactionID(NewIssueID(NewRepositoryID("octocat", "hello"), 7), "hubot", ReactionContents()[0]),
	NewReactionID(NewCommentID(NewRepositoryID("octocat", "hello"), 7, "01J0000000000000000000000A"), "hubot", ReactionContents()[1]),
}

func TestParseIDRoundTrip(t *testing.T) {
	for _, id := range parseIDCases {
		t.Run(string(id.Kind())+"/"+id.String(), func(t *testing.T) {
			got, err := ParseID(id.Kind(), id.String())
			if err != nil || got != id {
				t.Fatalf("ParseID(%s, %q) = %v, %v; want %v", id.Kind(), id.String(), got, err, id)
			}
		})
	}
}

func TestParseIDRejectsMalformed(t *testing.T) {
	cases := []struct {
		name string
		kind Kind
		s    string
	}{
		{"empty account", KindAccount, ""},
		{"empty repository owner", KindRepository, "/hello"},
		{"blank parts", KindIssue, "/ /1"},
		{"issue number zero", KindIssue, "a/b/0"},
		{"issue number not a number", KindIssue, "a/b/x"},
		{"reaction colon past the joined prefix", KindReaction, "x/y:z/w"},
		{"reaction without subject kind", KindReaction, ":a/b/hubot/THUMBS_UP"},
		{"reaction of a reaction", KindReaction, "reaction:issue:a/b/1/x/THUMBS_UP/y/THUMBS_UP"},
		{"reaction with unknown content", KindReaction, "issue:a/b/1/hubot/YAY"},
		{"reaction without login", KindReaction, "issue:a/b/1//THUMBS_UP"},
		{"unknown kind", Kind("nope"), "a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if id, err := ParseID(c.kind, c.s); err == nil {
				t.Fatalf("ParseID(%s, %q) = %v, want an error", c.kind, c.s, id)
			}
		})
	}
}

// FuzzParseID: ParseID never panics, and what it accepts (logins and names
// normalised) parses back from its own String form to the same ID.
//
//	go test ./internal/entities -run '^$' -fuzz FuzzParseID -fuzztime 30s
func FuzzParseID(f *testing.F) {
	for _, id := range parseIDCases {
		f.Add(string(id.Kind()), id.String())
	}
	f.Add(string(KindReaction), "x/y:z/w")
	f.Fuzz(func(t *testing.T, kind, s string) {
		id, err := ParseID(Kind(kind), s)
		if err != nil {
			return
		}
		again, err := ParseID(id.Kind(), id.String())
		if err != nil || again != id || id.Kind() != Kind(kind) {
			t.Fatalf("ParseID(%q, %q) = %v (%s); its String %q parses to %v, %v", kind, s, id, id.Kind(), id.String(), again, err)
		}
	})
}
