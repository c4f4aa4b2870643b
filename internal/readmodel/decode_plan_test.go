package readmodel_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/readmodel"
	"github.com/hubstream/hubstream/internal/table"
)

// TestDecodeAgreesWithUnmarshalMap holds Decode to what the SDK's
// UnmarshalMap makes of the same item, whichever path Decode takes.
func TestDecodeAgreesWithUnmarshalMap(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	issue := func(edit func(readmodel.Item)) readmodel.Item {
		it := readmodel.Item{
			"PK": s("REPO#octo/hello"), "SK": s("ISSUE#7"), table.AttrType: s(table.TypeIssue), "_v": n("3"),
			"repoOwner": s("Octo"), "repoName": s("Hello"), "number": n("7"), "title": s("t"), "author": s("alice"),
			"state": s("CLOSED"), "createdAt": s("2024-05-01T09:00:00.000000120Z"), "updatedAt": s("2024-05-01T10:00:00Z"),
			"closedAt": s("2024-05-01T10:00:00Z"), "commentCount": n("5"), "reactions_HEART": n("2"), "stateReason": s("COMPLETED"),
		}
		if edit != nil {
			edit(it)
		}
		return it
	}
	cases := []struct {
		name   string
		item   readmodel.Item
		wantOK bool
	}{
		{"every field", issue(nil), true},
		{"optional fields absent", issue(func(it readmodel.Item) { delete(it, "closedAt"); delete(it, "stateReason") }), true},
		{"NULL string and time pointer", issue(func(it readmodel.Item) {
			it["title"] = &types.AttributeValueMemberNULL{Value: true}
			it["closedAt"] = &types.AttributeValueMemberNULL{Value: true}
		}), true},
		{"name differing in case", issue(func(it readmodel.Item) { delete(it, "title"); it["TITLE"] = s("upper") }), true},
		{"name folding to ASCII from another letter", issue(func(it readmodel.Item) { delete(it, "state"); it["\u017ftate"] = s("OPEN") }), true},
		{"time as epoch seconds", issue(func(it readmodel.Item) { it["createdAt"] = n("1714554000") }), true},
		{"number as a string", issue(func(it readmodel.Item) { it["number"] = s("7") }), false},
		{"fraction in an integer", issue(func(it readmodel.Item) { it["number"] = n("1.5") }), false},
		{"number where a string goes", issue(func(it readmodel.Item) { it["title"] = n("7") }), true},
		{"bad time", issue(func(it readmodel.Item) { it["updatedAt"] = s("yesterday") }), false},
		{"list where a string goes", issue(func(it readmodel.Item) { it["author"] = &types.AttributeValueMemberL{} }), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want readmodel.Issue
			err := attributevalue.UnmarshalMap(c.item, &want)
			if (err == nil) != c.wantOK {
				t.Fatalf("UnmarshalMap error %v, want ok %v (the case is wrong)", err, c.wantOK)
			}
			got, ok := readmodel.Decode[readmodel.Issue](c.item)
			if ok != c.wantOK {
				t.Fatalf("Decode ok = %v, want %v", ok, c.wantOK)
			}
			if ok && !reflect.DeepEqual(got, want) {
				t.Fatalf("Decode = %+v\nUnmarshalMap = %+v", got, want)
			}
			if !ok && !reflect.DeepEqual(got, readmodel.Issue{}) {
				t.Fatalf("Decode failed with a non-zero value %+v", got)
			}
		})
	}
}

// TestDecodeCountersAgreesWithUnmarshalMap holds DecodeCounters to
// UnmarshalMap on counter residue (no item type).
func TestDecodeCountersAgreesWithUnmarshalMap(t *testing.T) {
	cases := []struct {
		name string
		item readmodel.Item
	}{
		{"counters only", readmodel.Item{"commentCount": &types.AttributeValueMemberN{Value: "4"}, "reactions_EYES": &types.AttributeValueMemberN{Value: "1"}}},
		{"negative counter", readmodel.Item{"commentCount": &types.AttributeValueMemberN{Value: "-1"}}},
		{"empty", readmodel.Item{}},
	}
	// One bad attribute leaves its own field zero, and only its own: the
	// others decode whatever order the map is walked in.
	bad := readmodel.Item{"commentCount": &types.AttributeValueMemberS{Value: "x"}, "reactions_EYES": &types.AttributeValueMemberN{Value: "1"},
		"reactions_HEART": &types.AttributeValueMemberN{Value: "2"}, "reactions_ROCKET": &types.AttributeValueMemberN{Value: "3"}}
	t.Run("one bad attribute", func(t *testing.T) {
		for range 50 {
			got := readmodel.DecodeCounters[readmodel.SubjectCounters](bad)
			if got.CommentCount != 0 || got.Reactions.Eyes != 1 || got.Reactions.Heart != 2 || got.Reactions.Rocket != 3 {
				t.Fatalf("DecodeCounters = %+v, want the three good counters and commentCount 0", got)
			}
		}
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var want readmodel.SubjectCounters
			if err := attributevalue.UnmarshalMap(c.item, &want); err != nil {
				t.Fatal(err)
			}
			if got := readmodel.DecodeCounters[readmodel.SubjectCounters](c.item); got != want {
				t.Fatalf("DecodeCounters = %+v, UnmarshalMap = %+v", got, want)
			}
		})
	}
}

// BenchmarkDecodeIssue compares Decode with the SDK's UnmarshalMap on an
// issue item as the projection writes it.
func BenchmarkDecodeIssue(b *testing.B) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	it := readmodel.Item{
		"PK": s("ISSUE#octo/hello/7"), "SK": s("ISSUE#octo/hello/7"), "GSI1PK": s("REPO#octo/hello"), "GSI1SK": s("ISSUE#0000000007"),
		"GSI4PK": s("REPO#octo/hello#ISSUE#OPEN"), "GSI4SK": s("2024-05-01T09:00:00.000000120Z"),
		table.AttrType: s(table.TypeIssue), "_v": n("3"), "repoOwner": s("octo"), "repoName": s("hello"), "number": n("7"),
		"title": s("a title"), "author": s("alice"), "state": s("OPEN"),
		"createdAt": s("2024-05-01T09:00:00.000000120Z"), "updatedAt": s("2024-05-01T10:00:00.000000000Z"), "commentCount": n("5"),
	}
	b.Run("Decode", func(b *testing.B) {
		for b.Loop() {
			if _, ok := readmodel.Decode[readmodel.Issue](it); !ok {
				b.Fatal("not decoded")
			}
		}
	})
	b.Run("UnmarshalMap", func(b *testing.B) {
		for b.Loop() {
			var v readmodel.Issue
			if err := attributevalue.UnmarshalMap(it, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// fuzzAttr builds an attribute value of the kind k picks from fuzz input.
func fuzzAttr(k byte, v string) types.AttributeValue {
	switch k % 7 {
	case 0:
		return &types.AttributeValueMemberS{Value: v}
	case 1:
		return &types.AttributeValueMemberN{Value: v}
	case 2:
		return &types.AttributeValueMemberBOOL{Value: v != ""}
	case 3:
		return &types.AttributeValueMemberNULL{Value: v != ""}
	case 4:
		return &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: v}}}
	case 5:
		return &types.AttributeValueMemberB{Value: []byte(v)}
	default:
		return &types.AttributeValueMemberSS{Value: []string{v}}
	}
}

// fuzzAgree holds Decode to UnmarshalMap on it: the planned path must
// never decode an item differently from the SDK, nor accept one the SDK
// refuses.
func fuzzAgree[T readmodel.Entity](t *testing.T, it readmodel.Item) {
	t.Helper()
	for a := range it {
		for b := range it {
			if a != b && strings.EqualFold(a, b) {
				// UnmarshalMap sets the field from whichever of the two
				// its map iteration meets last: no single answer to
				// compare with (the planned path leaves such items to it).
				return
			}
		}
	}
	var want T
	err := attributevalue.UnmarshalMap(it, &want)
	got, ok := readmodel.Decode[T](it)
	if ok != (err == nil) {
		t.Fatalf("Decode ok = %v, UnmarshalMap error %v (item %v)", ok, err, it)
	}
	if ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode = %+v\nUnmarshalMap = %+v", got, want)
	}
	var zero T
	if !ok && !reflect.DeepEqual(got, zero) {
		t.Fatalf("Decode failed with a non-zero value %+v", got)
	}
}

// FuzzDecodeAgreesWithUnmarshalMap crafts two attributes (any name, any
// type, any value) on an issue and a repository item as the projection
// writes them and holds the planned decoder to the SDK's result. Run
// with go test -fuzz FuzzDecodeAgreesWithUnmarshalMap ./internal/readmodel.
func FuzzDecodeAgreesWithUnmarshalMap(f *testing.F) {
	f.Add("title", byte(1), "7", "TITLE", byte(0), "x")
	f.Add("closedAt", byte(3), "1", "CreatedAt", byte(1), "1714554000")
	f.Add("number", byte(1), "+007", "\u017ftate", byte(0), "OPEN")
	f.Add("isPrivate", byte(0), "true", "IsFork", byte(2), "1")
	f.Add("updatedAt", byte(0), "2024-05-01T10:00:00+01:00", "commentCount", byte(1), "-9223372036854775808")
	f.Add("number", byte(1), "1e3", "reactions_heart", byte(1), "2")
	f.Fuzz(func(t *testing.T, n1 string, k1 byte, v1 string, n2 string, k2 byte, v2 string) {
		if n1 == table.AttrType || n2 == table.AttrType {
			return // another item type is refused before decoding
		}
		s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
		n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
		issue := readmodel.Item{
			"PK": s("ISSUE#octo/hello/7"), "SK": s("ISSUE#octo/hello/7"), table.AttrType: s(table.TypeIssue), "_v": n("3"),
			"repoOwner": s("octo"), "repoName": s("hello"), "number": n("7"), "title": s("t"), "author": s("alice"),
			"state": s("CLOSED"), "createdAt": s("2024-05-01T09:00:00.000000120Z"), "updatedAt": s("2024-05-01T10:00:00Z"),
			"closedAt": s("2024-05-01T10:00:00Z"), "commentCount": n("5"), "reactions_HEART": n("2"),
		}
		issue[n1] = fuzzAttr(k1, v1)
		issue[n2] = fuzzAttr(k2, v2)
		fuzzAgree[readmodel.Issue](t, issue)

		base, _, err := readmodel.Encode(readmodel.Repository{Owner: "octo", Name: "hello", IsPrivate: true})
		if err != nil {
			t.Fatal(err)
		}
		base[n1] = fuzzAttr(k1, v1)
		base[n2] = fuzzAttr(k2, v2)
		fuzzAgree[readmodel.Repository](t, base)
	})
}
