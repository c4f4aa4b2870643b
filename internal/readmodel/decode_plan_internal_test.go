package readmodel

import (
	"reflect"
	"testing"
)

// TestEveryReadItemTakesThePlannedPath fails when a read struct gains a
// field the planned decoder does not handle: it would still decode (by
// UnmarshalMap), only slower, so nothing else would notice.
func TestEveryReadItemTakesThePlannedPath(t *testing.T) {
	for _, v := range []Entity{Account{}, Membership{}, Label{}, LabelLink{}, Repository{}, Star{}, ForkLink{}, Issue{}, PullRequest{}, Comment{}, Reaction{}} {
		t.Run(reflect.TypeOf(v).Name(), func(t *testing.T) {
			if !planOf(reflect.TypeOf(v)).ok {
				t.Fatalf("%T is decoded by UnmarshalMap: teach decodePlanned its field types", v)
			}
		})
	}
}
