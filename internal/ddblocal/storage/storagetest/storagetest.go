// Package storagetest is the conformance suite every storage.Store
// implementation must pass, plus a shared set of benchmarks. An
// implementation's tests call Run (and its benchmarks call Bench) with a
// function that opens a fresh, empty store.
package storagetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"golang.org/x/sync/errgroup"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
)

// Run runs the conformance suite against stores made by open. open must
// return a new, empty store each time; Run closes every store it opens, so
// open should not register its own Close cleanup (it may remove files in a
// t.Cleanup). Subtests run sequentially.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Store)
	}{
		{"GetSetDelete", testGetSetDelete},
		{"EmptyValue", testEmptyValue},
		{"LargeValue", testLargeValue},
		{"Ordering", testOrdering},
		{"Bounds", testBounds},
		{"RandomRanges", testRandomRanges},
		{"LaterOpWins", testLaterOpWins},
		{"EmptyBatch", testEmptyBatch},
		{"SnapshotIsolation", testSnapshotIsolation},
		{"ValueOutlivesWrites", testValueOutlivesWrites},
		{"IteratorLifecycle", testIteratorLifecycle},
		{"Sync", testSync},
		{"ConcurrentAtomicity", testConcurrentAtomicity},
		{"Closed", testClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			closed := false
			defer func() {
				if !closed {
					if err := s.Close(); err != nil {
						t.Errorf("Close: %v", err)
					}
				}
			}()
			if tc.name == "Closed" {
				closed = true // testClosed closes the store itself.
			}
			tc.fn(t, s)
		})
	}
}

// kv is one expected key/value pair.
type kv struct{ k, v string }

func apply(t testing.TB, s storage.Store, b *storage.Batch) {
	t.Helper()
	if err := s.Apply(context.Background(), b); err != nil {
		t.Fatalf("Apply: %v", err)
	}
}

func set(t testing.TB, s storage.Store, pairs ...kv) {
	t.Helper()
	var b storage.Batch
	for _, p := range pairs {
		b.Set([]byte(p.k), []byte(p.v))
	}
	apply(t, s, &b)
}

// get reads key from a fresh snapshot.
func get(t testing.TB, s storage.Store, key string) (string, bool) {
	t.Helper()
	snap := s.Snapshot()
	defer closeSnap(t, snap)
	return snapGet(t, snap, key)
}

func snapGet(t testing.TB, snap storage.Snapshot, key string) (string, bool) {
	t.Helper()
	v, ok, err := snap.Get([]byte(key))
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if !ok && v != nil {
		t.Errorf("Get(%q) = %q, false; want nil value when absent", key, v)
	}
	return string(v), ok
}

func closeSnap(t testing.TB, snap storage.Snapshot) {
	t.Helper()
	if err := snap.Close(); err != nil {
		t.Errorf("Snapshot.Close: %v", err)
	}
}

// scan collects [lower, upper) from snap; a nil bound is unbounded.
func scan(t testing.TB, snap storage.Snapshot, lower, upper []byte, reverse bool) []kv {
	t.Helper()
	it := snap.Iter(lower, upper, reverse)
	var out []kv
	for it.Next() {
		out = append(out, kv{string(it.Key()), string(it.Value())})
	}
	if err := it.Close(); err != nil {
		t.Fatalf("Iterator.Close: %v", err)
	}
	return out
}

func scanAll(t testing.TB, s storage.Store) []kv {
	t.Helper()
	snap := s.Snapshot()
	defer closeSnap(t, snap)
	return scan(t, snap, nil, nil, false)
}

func testGetSetDelete(t *testing.T, s storage.Store) {
	steps := []struct {
		name  string
		batch func(b *storage.Batch)
		want  map[string]string // expected value per probed key; absent = missing
	}{
		{"set", func(b *storage.Batch) { b.Set([]byte("a"), []byte("1")); b.Set([]byte("b"), []byte("2")) },
			map[string]string{"a": "1", "b": "2"}},
		{"overwrite", func(b *storage.Batch) { b.Set([]byte("a"), []byte("11")) },
			map[string]string{"a": "11", "b": "2"}},
		{"delete", func(b *storage.Batch) { b.Delete([]byte("b")) },
			map[string]string{"a": "11"}},
		{"delete missing", func(b *storage.Batch) { b.Delete([]byte("zz")) },
			map[string]string{"a": "11"}},
		{"reinsert", func(b *storage.Batch) { b.Set([]byte("b"), []byte("3")) },
			map[string]string{"a": "11", "b": "3"}},
	}
	probes := []string{"a", "b", "c", "zz", "", "a\x00"}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			var b storage.Batch
			st.batch(&b)
			apply(t, s, &b)
			for _, k := range probes {
				v, ok := get(t, s, k)
				want, wantOK := st.want[k]
				if ok != wantOK || v != want {
					t.Errorf("Get(%q) = %q, %v; want %q, %v", k, v, ok, want, wantOK)
				}
			}
		})
	}
}

func testEmptyValue(t *testing.T, s storage.Store) {
	var b storage.Batch
	b.Set([]byte("nil"), nil)
	b.Set([]byte("empty"), []byte{})
	apply(t, s, &b)
	for _, k := range []string{"nil", "empty"} {
		if v, ok := get(t, s, k); !ok || v != "" {
			t.Errorf("Get(%q) = %q, %v; want \"\", true", k, v, ok)
		}
	}
	got := scanAll(t, s)
	want := []kv{{"empty", ""}, {"nil", ""}}
	if !slices.Equal(got, want) {
		t.Errorf("scan = %q; want %q", got, want)
	}
}

func testLargeValue(t *testing.T, s storage.Store) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 400<<10/16) // 400 KiB, DynamoDB's item limit
	key := bytes.Repeat([]byte{0xab}, 3072)                     // 2048 B hash + 1024 B range key
	var b storage.Batch
	b.Set(key, big)
	apply(t, s, &b)
	v, ok := get(t, s, string(key))
	if !ok || v != string(big) {
		t.Fatalf("Get(large) ok=%v len=%d; want ok len=%d", ok, len(v), len(big))
	}
}

// orderingKeys is sorted by unsigned byte order.
var orderingKeys = []string{
	"", "\x00", "\x00\x00", "\x00\x01", "\x01", "a", "a\x00", "a\x00\x00", "ab", "a\xff",
	"b", "\x7f", "\x7f\xff", "\x80", "\xfe", "\xff", "\xff\x00", "\xff\xff", "\xff\xff\xff",
}

func testOrdering(t *testing.T, s storage.Store) {
	if !slices.IsSortedFunc(orderingKeys, func(a, b string) int { return bytes.Compare([]byte(a), []byte(b)) }) {
		t.Fatal("orderingKeys is not in unsigned byte order")
	}
	perm := rand.New(rand.NewPCG(1, 2)).Perm(len(orderingKeys))
	var b storage.Batch
	for _, i := range perm {
		k := orderingKeys[i]
		b.Set([]byte(k), []byte(fmt.Sprint(i)))
	}
	apply(t, s, &b)
	snap := s.Snapshot()
	defer closeSnap(t, snap)
	for _, reverse := range []bool{false, true} {
		t.Run(fmt.Sprintf("reverse=%v", reverse), func(t *testing.T) {
			got := scan(t, snap, nil, nil, reverse)
			want := make([]kv, len(orderingKeys))
			for i, k := range orderingKeys {
				want[i] = kv{k, fmt.Sprint(i)}
			}
			if reverse {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) {
				t.Errorf("scan = %q\nwant   %q", got, want)
			}
		})
	}
	for i, k := range orderingKeys {
		if v, ok := snapGet(t, snap, k); !ok || v != fmt.Sprint(i) {
			t.Errorf("Get(%q) = %q, %v; want %q", k, v, ok, fmt.Sprint(i))
		}
	}
}

func testBounds(t *testing.T, s storage.Store) {
	keys := []string{"b", "b\x00", "c", "d", "d\xff", "f"}
	for _, k := range keys {
		set(t, s, kv{k, "v" + k})
	}
	b := func(s string) []byte { return []byte(s) }
	cases := []struct {
		name         string
		lower, upper []byte
		want         []string // ascending
	}{
		{"unbounded", nil, nil, keys},
		{"lower only", b("c"), nil, []string{"c", "d", "d\xff", "f"}},
		{"upper only", nil, b("c"), []string{"b", "b\x00"}},
		{"exact keys", b("b\x00"), b("d\xff"), []string{"b\x00", "c", "d"}},
		{"between keys", b("bb"), b("e"), []string{"c", "d", "d\xff"}},
		{"prefix d", b("d"), b("e"), []string{"d", "d\xff"}},
		{"single", b("c"), b("c\x00"), []string{"c"}},
		{"empty lower", b(""), b("c"), []string{"b", "b\x00"}},
		{"empty upper", nil, b(""), nil},
		{"empty lower and upper", b(""), b(""), nil},
		{"all below", nil, b("a"), nil},
		{"all above", b("g"), nil, nil},
		{"equal bounds", b("c"), b("c"), nil},
		{"inverted bounds", b("d"), b("c"), nil},
		{"0x00 lower", b("\x00"), b("\xff"), keys},
		{"0xff upper", b("c"), b("\xff\xff"), []string{"c", "d", "d\xff", "f"}},
	}
	snap := s.Snapshot()
	defer closeSnap(t, snap)
	for _, tc := range cases {
		for _, reverse := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/reverse=%v", tc.name, reverse), func(t *testing.T) {
				got := scan(t, snap, tc.lower, tc.upper, reverse)
				var want []kv
				for _, k := range tc.want {
					want = append(want, kv{k, "v" + k})
				}
				if reverse {
					slices.Reverse(want)
				}
				if !slices.Equal(got, want) {
					t.Errorf("Iter(%q, %q, %v) = %q; want %q", tc.lower, tc.upper, reverse, got, want)
				}
			})
		}
	}
}

// testRandomRanges compares random range scans with a sorted model.
func testRandomRanges(t *testing.T, s storage.Store) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte{0x00, 0x01, 'a', 'b', 0x7f, 0x80, 0xfe, 0xff}
	randKey := func() []byte {
		k := make([]byte, r.IntN(5))
		for i := range k {
			k[i] = alphabet[r.IntN(len(alphabet))]
		}
		return k
	}
	model := map[string]string{}
	for round := 0; round < 20; round++ {
		var b storage.Batch
		for i := 0; i < 100; i++ {
			k := randKey()
			if r.IntN(4) == 0 {
				b.Delete(k)
				delete(model, string(k))
			} else {
				v := fmt.Sprint(round, ".", i)
				b.Set(k, []byte(v))
				model[string(k)] = v
			}
		}
		apply(t, s, &b)
	}
	sorted := make([]string, 0, len(model))
	for k := range model {
		sorted = append(sorted, k)
	}
	slices.Sort(sorted)
	snap := s.Snapshot()
	defer closeSnap(t, snap)
	for i := 0; i < 300; i++ {
		var lower, upper []byte
		if r.IntN(5) > 0 {
			lower = randKey()
		}
		if r.IntN(5) > 0 {
			upper = randKey()
		}
		reverse := r.IntN(2) == 0
		var want []kv
		for _, k := range sorted {
			if (lower == nil || k >= string(lower)) && (upper == nil || k < string(upper)) {
				want = append(want, kv{k, model[k]})
			}
		}
		if reverse {
			slices.Reverse(want)
		}
		if got := scan(t, snap, lower, upper, reverse); !slices.Equal(got, want) {
			t.Fatalf("Iter(%q, %q, %v) = %q; want %q", lower, upper, reverse, got, want)
		}
	}
}

func testLaterOpWins(t *testing.T, s storage.Store) {
	set(t, s, kv{"d", "old"})
	var b storage.Batch
	b.Set([]byte("a"), []byte("1"))
	b.Set([]byte("a"), []byte("2")) // set, set
	b.Set([]byte("b"), []byte("1"))
	b.Delete([]byte("b")) // set, delete
	b.Delete([]byte("c"))
	b.Set([]byte("c"), []byte("3")) // delete, set
	b.Delete([]byte("d"))
	b.Set([]byte("d"), []byte("4"))
	b.Delete([]byte("d")) // existing key: delete, set, delete
	apply(t, s, &b)
	want := []kv{{"a", "2"}, {"c", "3"}}
	if got := scanAll(t, s); !slices.Equal(got, want) {
		t.Errorf("scan = %q; want %q", got, want)
	}
	for _, k := range []string{"b", "d"} {
		if v, ok := get(t, s, k); ok {
			t.Errorf("Get(%q) = %q; want absent", k, v)
		}
	}
}

func testEmptyBatch(t *testing.T, s storage.Store) {
	apply(t, s, &storage.Batch{})
	set(t, s, kv{"k", "v"})
	apply(t, s, &storage.Batch{})
	if got := scanAll(t, s); !slices.Equal(got, []kv{{"k", "v"}}) {
		t.Errorf("scan = %q", got)
	}
}

func testSnapshotIsolation(t *testing.T, s storage.Store) {
	set(t, s, kv{"a", "1"}, kv{"b", "1"}, kv{"c", "1"})
	old := s.Snapshot()
	defer closeSnap(t, old)
	// An iterator opened before the writes must not see them either.
	it := old.Iter(nil, nil, false)

	var b storage.Batch
	b.Set([]byte("a"), []byte("2")) // overwrite
	b.Delete([]byte("b"))           // delete
	b.Set([]byte("d"), []byte("2")) // insert
	apply(t, s, &b)
	// Many more writes, so implementations that share structure must copy.
	for i := 0; i < 2000; i++ {
		set(t, s, kv{fmt.Sprintf("x%05d", i), "y"})
	}

	wantOld := []kv{{"a", "1"}, {"b", "1"}, {"c", "1"}}
	var gotIt []kv
	for it.Next() {
		gotIt = append(gotIt, kv{string(it.Key()), string(it.Value())})
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotIt, wantOld) {
		t.Errorf("iterator opened before writes = %q; want %q", gotIt, wantOld)
	}
	if got := scan(t, old, nil, nil, false); !slices.Equal(got, wantOld) {
		t.Errorf("old snapshot scan = %q; want %q", got, wantOld)
	}
	if got := scan(t, old, nil, nil, true); !slices.Equal(got, []kv{{"c", "1"}, {"b", "1"}, {"a", "1"}}) {
		t.Errorf("old snapshot reverse scan = %q", got)
	}
	for _, p := range []struct {
		k, v string
		ok   bool
	}{{"a", "1", true}, {"b", "1", true}, {"d", "", false}, {"x00000", "", false}} {
		if v, ok := snapGet(t, old, p.k); v != p.v || ok != p.ok {
			t.Errorf("old Get(%q) = %q, %v; want %q, %v", p.k, v, ok, p.v, p.ok)
		}
	}

	cur := s.Snapshot()
	defer closeSnap(t, cur)
	if got := scan(t, cur, nil, []byte("x"), false); !slices.Equal(got, []kv{{"a", "2"}, {"c", "1"}, {"d", "2"}}) {
		t.Errorf("new snapshot scan = %q", got)
	}
	if n := len(scan(t, cur, []byte("x"), nil, false)); n != 2000 {
		t.Errorf("new snapshot sees %d x keys; want 2000", n)
	}
}

func testValueOutlivesWrites(t *testing.T, s storage.Store) {
	set(t, s, kv{"k", "first"})
	snap := s.Snapshot()
	defer closeSnap(t, snap)
	v, ok, err := snap.Get([]byte("k"))
	if err != nil || !ok {
		t.Fatalf("Get = %v, %v", ok, err)
	}
	set(t, s, kv{"k", "second"})
	var b storage.Batch
	b.Delete([]byte("k"))
	apply(t, s, &b)
	for i := 0; i < 1000; i++ {
		set(t, s, kv{fmt.Sprintf("k%04d", i), "filler"})
	}
	if string(v) != "first" {
		t.Errorf("value read before later writes = %q; want %q", v, "first")
	}
}

func testIteratorLifecycle(t *testing.T, s storage.Store) {
	set(t, s, kv{"a", "1"}, kv{"b", "2"})
	snap := s.Snapshot()
	defer closeSnap(t, snap)
	for _, reverse := range []bool{false, true} {
		t.Run(fmt.Sprintf("reverse=%v", reverse), func(t *testing.T) {
			it := snap.Iter(nil, nil, reverse)
			requireUnpositioned(t, it, "before Next")
			n := 0
			for it.Next() {
				n++
			}
			if n != 2 {
				t.Errorf("iterated %d keys; want 2", n)
			}
			requireUnpositioned(t, it, "after exhaustion")
			for i := 0; i < 3; i++ {
				if it.Next() {
					t.Fatal("Next after exhaustion = true")
				}
			}
			if err := it.Close(); err != nil {
				t.Fatal(err)
			}
			if it.Next() {
				t.Fatal("Next after Close = true")
			}
			if err := it.Close(); err != nil {
				t.Errorf("second Close = %v; want nil", err)
			}
			// Closing before exhaustion is fine too.
			it = snap.Iter(nil, nil, reverse)
			if !it.Next() {
				t.Fatal("Next = false")
			}
			if err := it.Close(); err != nil {
				t.Fatal(err)
			}
			requireUnpositioned(t, it, "after an early Close")
			if it.Next() {
				t.Fatal("Next after early Close = true")
			}
			// Closing an iterator that was never advanced.
			if err := snap.Iter([]byte("a"), []byte("b"), reverse).Close(); err != nil {
				t.Fatal(err)
			}
		})
	}
	// Many iterators on one snapshot, interleaved.
	it1, it2 := snap.Iter(nil, nil, false), snap.Iter(nil, nil, true)
	if !it1.Next() || !it2.Next() || string(it1.Key()) != "a" || string(it2.Key()) != "b" {
		t.Error("interleaved iterators disagree")
	}
	if err := errors.Join(it1.Close(), it2.Close()); err != nil {
		t.Fatal(err)
	}
	// Closing a snapshot twice is harmless.
	other := s.Snapshot()
	if err := errors.Join(other.Close(), other.Close()); err != nil {
		t.Errorf("closing a snapshot twice: %v", err)
	}
}

func testSync(t *testing.T, s storage.Store) {
	ctx := context.Background()
	if err := s.Sync(ctx); err != nil {
		t.Fatalf("Sync on fresh store: %v", err)
	}
	set(t, s, kv{"a", "1"})
	if err := s.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := s.Sync(ctx); err != nil {
		t.Fatalf("Sync with nothing new: %v", err)
	}
	var g errgroup.Group
	for w := 0; w < 8; w++ {
		g.Go(func() error {
			for i := 0; i < 20; i++ {
				var b storage.Batch
				b.Set(fmt.Appendf(nil, "w%d/%d", w, i), []byte("v"))
				if err := s.Apply(ctx, &b); err != nil {
					return err
				}
				if err := s.Sync(ctx); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	if n := len(scanAll(t, s)); n != 1+8*20 {
		t.Errorf("store holds %d keys; want %d", n, 1+8*20)
	}
}

// testConcurrentAtomicity runs a writer whose every batch preserves two
// invariants (counters sum to a constant; exactly nSlots slot keys exist)
// against readers that check both on snapshots, by scan and by Get.
func testConcurrentAtomicity(t *testing.T, s storage.Store) {
	const (
		nCounters = 16
		total     = nCounters * 1000
		nSlots    = 8
		writes    = 1500
		readers   = 3
	)
	counterKey := func(i int) []byte { return fmt.Appendf(nil, "c/%02d", i) }
	slotKey := func(i int) []byte { return fmt.Appendf(nil, "s/%06d", i) }
	enc := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	dec := func(b []byte) int64 { return int64(binary.BigEndian.Uint64(b)) }

	var init storage.Batch
	vals := make([]int64, nCounters)
	for i := range vals {
		vals[i] = total / nCounters
		init.Set(counterKey(i), enc(vals[i]))
	}
	for i := 0; i < nSlots; i++ {
		init.Set(slotKey(i), []byte("slot"))
	}
	apply(t, s, &init)

	check := func(snap storage.Snapshot, reverse bool) error {
		var sum int64
		n := 0
		it := snap.Iter([]byte("c/"), []byte("c0"), reverse)
		for it.Next() {
			sum += dec(it.Value())
			n++
		}
		if err := it.Close(); err != nil {
			return err
		}
		if n != nCounters || sum != total {
			return fmt.Errorf("scan saw %d counters summing to %d; want %d, %d", n, sum, nCounters, total)
		}
		sum = 0
		for i := 0; i < nCounters; i++ {
			v, ok, err := snap.Get(counterKey(i))
			if err != nil || !ok {
				return fmt.Errorf("Get counter %d: ok=%v err=%v", i, ok, err)
			}
			sum += dec(v)
		}
		if sum != total {
			return fmt.Errorf("Get saw counters summing to %d; want %d", sum, total)
		}
		slots := 0
		it = snap.Iter([]byte("s/"), []byte("s0"), !reverse)
		for it.Next() {
			slots++
		}
		if err := it.Close(); err != nil {
			return err
		}
		if slots != nSlots {
			return fmt.Errorf("saw %d slots; want %d", slots, nSlots)
		}
		return nil
	}

	done := make(chan struct{})
	var g errgroup.Group
	g.Go(func() error {
		defer close(done)
		r := rand.New(rand.NewPCG(5, 6))
		nextSlot, oldest := nSlots, 0
		for w := 0; w < writes; w++ {
			var b storage.Batch
			// Move amounts between a few counters; touch some twice so that
			// "later op wins" matters for the invariant.
			for j := 0; j < 3; j++ {
				from, to := r.IntN(nCounters), r.IntN(nCounters)
				amt := r.Int64N(50)
				vals[from] -= amt
				vals[to] += amt
				b.Set(counterKey(from), enc(vals[from]))
				b.Set(counterKey(to), enc(vals[to]))
			}
			// Rotate a slot: delete the oldest, insert a new one.
			b.Delete(slotKey(oldest))
			b.Set(slotKey(nextSlot), []byte("slot"))
			oldest++
			nextSlot++
			if err := s.Apply(context.Background(), &b); err != nil {
				return err
			}
		}
		return nil
	})
	for rd := range readers {
		g.Go(func() error {
			for i := 0; ; i++ {
				select {
				case <-done:
					return nil
				default:
				}
				snap := s.Snapshot()
				err := check(snap, (rd+i)%2 == 0)
				if cerr := snap.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
			}
		})
	}
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
	snap := s.Snapshot()
	defer closeSnap(t, snap)
	if err := check(snap, false); err != nil {
		t.Fatal(err)
	}
}

// requireUnpositioned checks that an iterator not on an entry (when says
// why) has no key and no value.
func requireUnpositioned(t *testing.T, it storage.Iterator, when string) {
	t.Helper()
	if k, v := it.Key(), it.Value(); k != nil || v != nil {
		t.Errorf("%s: Key, Value = %q, %q; want nil, nil", when, k, v)
	}
}

func testClosed(t *testing.T, s storage.Store) {
	ctx := context.Background()
	set(t, s, kv{"a", "1"})
	// A snapshot left open across Close breaks the contract; it must fail
	// with ErrClosed afterwards rather than crash. Close may report it.
	leaked := s.Snapshot()
	leakedIt := leaked.Iter(nil, nil, false)
	positioned := leaked.Iter(nil, nil, false)
	if !positioned.Next() {
		t.Fatal("Next = false on a store holding a key")
	}
	_ = s.Close()

	var b storage.Batch
	b.Set([]byte("b"), []byte("2"))
	if err := s.Apply(ctx, &b); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Apply after Close = %v; want ErrClosed", err)
	}
	if err := s.Apply(ctx, &storage.Batch{}); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Apply(empty) after Close = %v; want ErrClosed", err)
	}
	if err := s.Sync(ctx); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("Sync after Close = %v; want ErrClosed", err)
	}
	if err := s.Close(); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("second Close = %v; want ErrClosed", err)
	}
	for name, snap := range map[string]storage.Snapshot{"new": s.Snapshot(), "leaked": leaked} {
		t.Run(name, func(t *testing.T) {
			if v, ok, err := snap.Get([]byte("a")); !errors.Is(err, storage.ErrClosed) || ok || v != nil {
				t.Errorf("Get = %q, %v, %v; want nil, false, ErrClosed", v, ok, err)
			}
			it := snap.Iter(nil, nil, false)
			if it.Next() {
				t.Error("Next = true on a closed store")
			}
			if err := it.Close(); !errors.Is(err, storage.ErrClosed) {
				t.Errorf("Iterator.Close = %v; want ErrClosed", err)
			}
			_ = snap.Close()
		})
	}
	if leakedIt.Next() {
		t.Error("Next on a leaked iterator = true after store Close")
	}
	if positioned.Next() {
		t.Error("Next on a positioned leaked iterator = true after store Close")
	}
	requireUnpositioned(t, positioned, "after its store closed")
	if err := positioned.Close(); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("positioned leaked Iterator.Close = %v; want ErrClosed", err)
	}
	if err := leakedIt.Close(); !errors.Is(err, storage.ErrClosed) {
		t.Errorf("leaked Iterator.Close = %v; want ErrClosed", err)
	}
}
