package expr

import (
	"errors"
	"strings"
	"testing"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

func s(v string) attr.Value         { return attr.Str(v) }
func n(v string) attr.Value         { return attr.MustNumber(v) }
func b(v string) attr.Value         { return attr.Bin([]byte(v)) }
func l(vs ...attr.Value) attr.Value { return attr.List(vs...) }
func ss(vs ...string) attr.Value    { return attr.StringSet(vs...) }
func bs(vs ...string) attr.Value {
	out := make([][]byte, len(vs))
	for i, v := range vs {
		out[i] = []byte(v)
	}
	return attr.BinarySet(out...)
}
func ns(vs ...string) attr.Value {
	v, err := attr.NumberSet(vs...)
	if err != nil {
		panic(err)
	}
	return v
}
func m(kv ...any) attr.Value {
	mm := map[string]attr.Value{}
	for i := 0; i < len(kv); i += 2 {
		mm[kv[i].(string)] = kv[i+1].(attr.Value)
	}
	return attr.Map(mm)
}
func item(kv ...any) attr.Item { return attr.Item(m(kv...).M) }

// vals builds ExpressionAttributeValues from alternating keys and values.
func vals(kv ...any) map[string]attr.Value { return m(kv...).M }

// wantErr checks that err is a ValidationException whose message is want
// (exact) or, when want ends in "*", starts with want minus the star.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q", want)
	}
	var de *ddberr.Error
	if !errors.As(err, &de) {
		t.Fatalf("error %v (%T) is not a *ddberr.Error", err, err)
	}
	if de.Code != ddberr.Validation {
		t.Fatalf("code %s, want ValidationException (message %q)", de.Code, de.Message)
	}
	if strings.HasSuffix(want, "*") {
		if !strings.HasPrefix(de.Message, strings.TrimSuffix(want, "*")) {
			t.Fatalf("message %q\nwant prefix %q", de.Message, strings.TrimSuffix(want, "*"))
		}
		return
	}
	if de.Message != want {
		t.Fatalf("message %q\nwant        %q", de.Message, want)
	}
}
