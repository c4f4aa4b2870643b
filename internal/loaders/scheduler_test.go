package loaders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a batch function that records its batches, and the
// triggers the scheduler reports.
type recorder struct {
	mu       sync.Mutex
	batches  [][]string
	triggers []string
	fail     error
	panics   bool
}

func (r *recorder) fn(_ context.Context, keys []string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.batches = append(r.batches, slices.Clone(keys))
	if r.panics {
		panic("boom")
	}
	if r.fail != nil {
		return nil, r.fail
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = "v:" + k
	}
	return out, nil
}

func (r *recorder) observe(_, trigger string) {
	r.mu.Lock()
	r.triggers = append(r.triggers, trigger)
	r.mu.Unlock()
}

func (r *recorder) snapshot() ([][]string, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := slices.Clone(r.batches)
	for _, keys := range b {
		slices.Sort(keys)
	}
	slices.SortFunc(b, func(x, y []string) int { return len(x) - len(y) })
	return b, slices.Clone(r.triggers)
}

// newTestLoaders returns loaders whose scheduler drives a string batcher
// on rec. Their windows are long: a test that needs one to decide waits
// for it, and one that must not see it fails on the trigger it reports.
func newTestLoaders(rec *recorder, wait time.Duration, max int) (*Loaders, *Batcher[string, string]) {
	l := New(Source{}, Options{Wait: wait, Stall: time.Minute, ObserveDispatch: rec.observe})
	return l, newBatcher(l.sched, "test", max, rec.fn)
}

// field runs one GraphQL field as the dispatcher brackets it: the unit
// was announced, the field loads keys and waits for them, then announces
// children and ends.
func field(l *Loaders, b *Batcher[string, string], keys []string, children int) ([]string, error) {
	defer l.FieldDone(children)
	vs, errs := b.LoadMany(context.Background(), keys)()
	return vs, errors.Join(errs...)
}

// TestSchedulerSendsALevelWhenItsFieldsHaveAsked: during an operation a
// batch leaves when every announced field is done or waiting, whatever
// the order and however slowly the fields run — never by the window (a
// minute here) — and one level's keys are one batch.
func TestSchedulerSendsALevelWhenItsFieldsHaveAsked(t *testing.T) {
	cases := []struct {
		name   string
		fields [][]string // the keys of each root field
		want   [][]string // the batches, sorted by size
	}{
		{"one field", [][]string{{"a"}}, [][]string{{"a"}}},
		{"three fields", [][]string{{"a"}, {"b"}, {"c"}}, [][]string{{"a", "b", "c"}}},
		{"shared keys", [][]string{{"a", "b"}, {"b"}, {"a"}}, [][]string{{"a", "b"}}},
		{"a field without keys", [][]string{{"a"}, nil, {"b"}}, [][]string{{"a", "b"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			l, b := newTestLoaders(rec, time.Minute, 100)
			l.Begin(len(tc.fields))
			var wg sync.WaitGroup
			for i, keys := range tc.fields {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// The later fields start late: the level waits for them.
					time.Sleep(time.Duration(i) * time.Millisecond)
					vs, err := field(l, b, keys, 0)
					if err != nil {
						t.Errorf("field %d: %v", i, err)
					}
					for j, v := range vs {
						if v != "v:"+keys[j] {
							t.Errorf("field %d: value %q for %q", i, v, keys[j])
						}
					}
				}()
			}
			wg.Wait()
			if !l.End() {
				t.Error("End: the count did not come out even")
			}
			batches, triggers := rec.snapshot()
			if fmt.Sprint(batches) != fmt.Sprint(tc.want) {
				t.Errorf("batches %v, want %v", batches, tc.want)
			}
			for _, tr := range triggers {
				if tr != TriggerIdle {
					t.Errorf("triggers %v, want only %s", triggers, TriggerIdle)
				}
			}
		})
	}
}

// TestSchedulerLevels: a field that announces children lets the next
// level's keys gather before they leave: one batch per level.
func TestSchedulerLevels(t *testing.T) {
	rec := &recorder{}
	l, b := newTestLoaders(rec, time.Minute, 100)
	l.Begin(1)
	var wg sync.WaitGroup
	// The root field reads "repo" and announces 3 children, which the
	// executor then starts one by one; each reads an author.
	if _, err := field(l, b, []string{"repo"}, 3); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * time.Millisecond)
			if _, err := field(l, b, []string{fmt.Sprintf("author%d", i%2)}, 0); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if !l.End() {
		t.Error("End: the count did not come out even")
	}
	batches, triggers := rec.snapshot()
	if want := "[[repo] [author0 author1]]"; fmt.Sprint(batches) != want {
		t.Errorf("batches %v, want %s", batches, want)
	}
	if fmt.Sprint(triggers) != "[idle idle]" {
		t.Errorf("triggers %v, want two idle", triggers)
	}
}

// TestSchedulerWithoutOperation: outside an operation (no Begin) the
// window decides: concurrent loads within it share a batch.
func TestSchedulerWithoutOperation(t *testing.T) {
	rec := &recorder{}
	_, b := newTestLoaders(rec, 50*time.Millisecond, 100)
	ta := b.Load(context.Background(), "a")
	tb := b.Load(context.Background(), "b")
	for _, th := range []func() (string, error){ta, tb} {
		if _, err := th(); err != nil {
			t.Fatal(err)
		}
	}
	batches, triggers := rec.snapshot()
	if fmt.Sprint(batches) != "[[a b]]" || fmt.Sprint(triggers) != "[window]" {
		t.Errorf("batches %v triggers %v, want [[a b]] by the window", batches, triggers)
	}
}

// TestSchedulerFull: a batch that reaches the batch function's limit
// leaves at once; the rest waits for its level.
func TestSchedulerFull(t *testing.T) {
	rec := &recorder{}
	l, b := newTestLoaders(rec, time.Minute, 2)
	l.Begin(1)
	if _, err := field(l, b, []string{"a", "b", "c"}, 0); err != nil {
		t.Fatal(err)
	}
	l.End()
	batches, triggers := rec.snapshot()
	slices.Sort(triggers)
	if fmt.Sprint(batches) != "[[c] [a b]]" || fmt.Sprint(triggers) != "[full idle]" {
		t.Errorf("batches %v triggers %v, want [[c] [a b]], full and idle", batches, triggers)
	}
}

// TestSchedulerErrors: a failed batch (an error or a panic of the batch
// function) is every waiter's error, and is not remembered: a later load
// of the key asks again.
func TestSchedulerErrors(t *testing.T) {
	cases := []struct {
		name  string
		setup func(*recorder)
		want  string
	}{
		{"error", func(r *recorder) { r.fail = errors.New("throttled") }, "throttled"},
		{"panic", func(r *recorder) { r.panics = true }, "panic in batch: boom"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			tc.setup(rec)
			l, b := newTestLoaders(rec, time.Minute, 100)
			l.Begin(2)
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := field(l, b, []string{"a"}, 0)
					if err == nil || !strings.Contains(err.Error(), tc.want) {
						t.Errorf("error %v, want %q", err, tc.want)
					}
				}()
			}
			wg.Wait()
			l.End()
			rec.mu.Lock()
			rec.fail, rec.panics = nil, false
			rec.mu.Unlock()
			l.Begin(1)
			vs, err := field(l, b, []string{"a"}, 0)
			if err != nil || vs[0] != "v:a" {
				t.Errorf("after the failure: %v %v, want v:a", vs, err)
			}
			if batches, _ := rec.snapshot(); len(batches) != 2 {
				t.Errorf("batches %v, want the failed one and the retry", batches)
			}
		})
	}
}

// TestSchedulerPrimeAndCache: primed and already loaded keys cost no
// batch.
func TestSchedulerPrimeAndCache(t *testing.T) {
	rec := &recorder{}
	l, b := newTestLoaders(rec, time.Minute, 100)
	b.Prime(context.Background(), "p", "primed")
	l.Begin(0)
	for range 2 {
		l.FieldStart() // fields one after the other, as a mutation's
		vs, err := field(l, b, []string{"p", "x"}, 0)
		if err != nil || fmt.Sprint(vs) != "[primed v:x]" {
			t.Fatalf("values %v %v, want [primed v:x]", vs, err)
		}
	}
	l.End()
	if batches, _ := rec.snapshot(); fmt.Sprint(batches) != "[[x]]" {
		t.Errorf("batches %v, want [[x]]", batches)
	}
}

// TestSchedulerEnd: End reports a count that did not come out even (an
// announced field never ran), which costs only the stall window.
func TestSchedulerEnd(t *testing.T) {
	cases := []struct {
		name     string
		announce int
		run      int
		even     bool
	}{
		{"even", 2, 2, true},
		{"a field announced and never run", 2, 1, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := newTestLoaders(&recorder{}, time.Minute, 100)
			l.Begin(tc.announce)
			for range tc.run {
				l.FieldDone(0)
			}
			if got := l.End(); got != tc.even {
				t.Errorf("End = %v, want %v", got, tc.even)
			}
		})
	}
}
