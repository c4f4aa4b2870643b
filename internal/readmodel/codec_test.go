package readmodel_test

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

var t0 = time.Date(2024, 5, 1, 9, 0, 0, 120, time.UTC)

// roundTrip encodes v and decodes the result as a T.
func roundTrip[T readmodel.Entity](t *testing.T, v T) (T, readmodel.Item, []string) {
	t.Helper()
	set, remove, err := readmodel.Encode(v)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := readmodel.Decode[T](set)
	if !ok {
		t.Fatalf("Decode(Encode(%+v)) failed: %v", v, set)
	}
	return got, set, remove
}

func TestEncodeDecode(t *testing.T) {
	closed := t0.Add(time.Hour)
	t.Run("issue round trip without counters", func(t *testing.T) {
		in := readmodel.Issue{WorkItem: readmodel.WorkItem{
			Header: readmodel.Header{Version: 3}, RepositoryOwner: "Octo", RepositoryName: "Hello", Number: 7, Title: "t", Author: "alice",
			State: "CLOSED", CreatedAt: t0, UpdatedAt: closed, ClosedAt: &closed,
			SubjectCounters: readmodel.SubjectCounters{CommentCount: 5, Reactions: readmodel.Reactions{Heart: 2}},
		}, StateReason: "COMPLETED"}
		got, set, remove := roundTrip(t, in)
		if _, ok := set["commentCount"]; ok {
			t.Fatalf("counter encoded: %v", set)
		}
		if _, ok := set["reactions_HEART"]; ok {
			t.Fatalf("reaction counter encoded: %v", set)
		}
		if !slices.Contains(remove, "body") || slices.Contains(remove, "closedAt") || slices.Contains(remove, "commentCount") {
			t.Fatalf("remove = %v, want the empty body only among body/closedAt/counters", remove)
		}
		if s := set["createdAt"].(*types.AttributeValueMemberS).Value; s != "2024-05-01T09:00:00.000000120Z" {
			t.Fatalf("createdAt stored as %q, want fixed width", s)
		}
		want := in
		want.Type = table.TypeIssue
		want.SubjectCounters = readmodel.SubjectCounters{}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip = %+v, want %+v", got, want)
		}
	})
	t.Run("counters decode from residue", func(t *testing.T) {
		residue := readmodel.Item{"commentCount": &types.AttributeValueMemberN{Value: "2"}, "reactions_EYES": &types.AttributeValueMemberN{Value: "1"}}
		c := readmodel.DecodeCounters[readmodel.SubjectCounters](residue)
		if c.CommentCount != 2 || c.Eyes != 1 || len(c.ByContent()) != 1 {
			t.Fatalf("counters = %+v", c)
		}
		if _, ok := readmodel.Decode[readmodel.Issue](residue); ok {
			t.Fatal("residue decoded as an issue")
		}
	})
	t.Run("another item type does not decode", func(t *testing.T) {
		_, set, _ := roundTrip(t, readmodel.Star{Login: "mona", Owner: "octo", Name: "hello", RepositoryLife: 1, StarredAt: t0})
		if _, ok := readmodel.Decode[readmodel.ForkLink](set); ok {
			t.Fatal("a star decoded as a fork link")
		}
	})
	t.Run("a malformed attribute is no item, not a panic", func(t *testing.T) {
		it := readmodel.Item{table.AttrType: &types.AttributeValueMemberS{Value: table.TypeRepository}, "life": &types.AttributeValueMemberS{Value: "x"}}
		if _, ok := readmodel.Decode[readmodel.Repository](it); ok {
			t.Fatal("decoded a repository with a string life")
		}
	})
}

// TestNamesAgree checks the names the read model shares with other
// layers: the life attribute the projector conditions on, and one
// reaction counter per entities reaction content.
func TestNamesAgree(t *testing.T) {
	t.Run("life", func(t *testing.T) {
		if !slices.Contains(readmodel.Attributes(readmodel.Repository{}), table.ReadLife) {
			t.Fatalf("readmodel.Repository has no %q attribute", table.ReadLife)
		}
	})
	t.Run("reactions", func(t *testing.T) {
		attrs := readmodel.Attributes(readmodel.Reactions{})
		for _, c := range entities.ReactionContents() {
			if !slices.Contains(attrs, readmodel.AttrReactionCount(string(c))) {
				t.Errorf("no counter for %s in %v", c, attrs)
			}
		}
		if len(attrs) != len(entities.ReactionContents()) {
			t.Errorf("%d reaction counters, %d contents", len(attrs), len(entities.ReactionContents()))
		}
	})
	t.Run("counter constants", func(t *testing.T) {
		all := append(readmodel.Attributes(readmodel.Account{}), readmodel.Attributes(readmodel.Repository{})...)
		all = append(all, readmodel.Attributes(readmodel.Issue{})...)
		for _, c := range []string{
			readmodel.AttrRepositoryCount, readmodel.AttrPrivateRepositoryCount, readmodel.AttrStarredCount, readmodel.AttrMemberCount,
			readmodel.AttrOrganizationCount, readmodel.AttrStargazerCount, readmodel.AttrForkCount, readmodel.AttrOpenIssueCount,
			readmodel.AttrClosedIssueCount, readmodel.AttrOpenPullCount, readmodel.AttrClosedPullCount, readmodel.AttrMergedPullCount,
			readmodel.AttrCommentCount,
		} {
			if !slices.Contains(all, c) {
				t.Errorf("counter constant %q is no struct's attribute", c)
			}
		}
	})
}
