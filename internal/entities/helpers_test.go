package entities

import (
	"errors"
	"slices"
	"testing"
	"time"
)

// The helpers every command test of the package shares.

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// apply folds changes into a copy of in like the Executor does: events
// evolve the state and bump the version, NewSeq replaces the counter, and
// condition checks change nothing.
func apply(t *testing.T, in Input, changes []Change) Input {
	t.Helper()
	next := Input{Now: in.Now, Actor: in.Actor, Snapshots: map[ID]Snapshot{}}
	for k, v := range in.Snapshots {
		next.Snapshots[k] = v
	}
	for _, c := range changes {
		s := next.Snapshot(c.ID)
		for _, e := range c.Events {
			st, err := Evolve(s.State, e, in.Now)
			if err != nil {
				t.Fatalf("Evolve(%s): %v", e.EventType(), err)
			}
			s.State = st
			s.Version++
		}
		if c.NewSeq != 0 {
			s.Seq = c.NewSeq
		}
		next.Snapshots[c.ID] = s
	}
	return next
}

// withActor returns in run by actor.
func withActor(in Input, actor string) Input {
	in.Actor = actor
	return in
}

// decide runs cmd on in and fails the test on an error.
func decide(t *testing.T, in Input, cmd Command) []Change {
	t.Helper()
	changes, err := cmd.Decide(in)
	if err != nil {
		t.Fatalf("%T.Decide: %v", cmd, err)
	}
	return changes
}

// decideAs is decide with actor as the executing actor.
func decideAs(t *testing.T, in Input, actor string, cmd Command) []Change {
	t.Helper()
	return decide(t, withActor(in, actor), cmd)
}

// wantCode fails unless err is a domain error with code.
func wantCode(t *testing.T, err error, code Code) *Error {
	t.Helper()
	var de *Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("error = %v, want code %s", err, code)
	}
	return de
}

// wantErr fails unless err is a domain error with code and field.
func wantErr(t *testing.T, err error, code Code, field string) {
	t.Helper()
	if de := wantCode(t, err, code); de.Field != field {
		t.Fatalf("error = %v, want code %s field %q", err, code, field)
	}
}

// writtenAndChecked splits changes into aggregates with events (or a new
// counter) and condition checks.
func writtenAndChecked(changes []Change) (written, checked []ID) {
	for _, c := range changes {
		if len(c.Events) > 0 || c.NewSeq != 0 {
			written = append(written, c.ID)
		} else {
			checked = append(checked, c.ID)
		}
	}
	return written, checked
}

// hasID reports whether ids holds id.
func hasID(ids []ID, id ID) bool { return slices.Contains(ids, id) }

// decideWant runs cmd on in for a table case that wants the error code
// with field (code "" wants no error). It reports whether the case wants
// changes, for the caller to check them.
func decideWant(t *testing.T, in Input, cmd Command, code Code, field string) ([]Change, bool) {
	t.Helper()
	changes, err := cmd.Decide(in)
	if code != "" {
		wantErr(t, err, code, field)
		return nil, false
	}
	if err != nil {
		t.Fatalf("%T.Decide: %v", cmd, err)
	}
	return changes, true
}

// accepts is a validator's table case: whether it accepts in.
type accepts struct {
	in string
	ok bool
}

// checkValidator checks that validate accepts exactly the inputs of cases
// marked ok, and refuses the others with BAD_USER_INPUT on the field it
// is given; each of also (a command validating the same input) must
// accept and refuse alike.
func checkValidator(t *testing.T, validate func(field, v string) error, cases []accepts, also ...func(v string) error) {
	t.Helper()
	const field = "field"
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			err := validate(field, tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("validate(%q) = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if err != nil {
				wantErr(t, err, CodeBadInput, field)
			}
			for _, v := range also {
				if err := v(tc.in); (err == nil) != tc.ok {
					t.Fatalf("also(%q) = %v, want ok=%v", tc.in, err, tc.ok)
				}
			}
		})
	}
}
