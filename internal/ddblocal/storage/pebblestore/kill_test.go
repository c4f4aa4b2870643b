package pebblestore

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/storage"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/storagetest"
)

// The kill test re-executes this test binary as a writer process (selected
// by these variables), SIGKILLs it at a random moment, and checks the data
// directory from the parent.
const (
	envKillDir   = "PEBBLESTORE_KILL_DIR"
	envKillStart = "PEBBLESTORE_KILL_START"
)

const (
	killWriters      = 4 // concurrent Apply+Sync loops in the child
	killKeysPerBatch = 5
)

func batchKey(n uint64, j int) []byte   { return fmt.Appendf(nil, "b/%012d/%d", n, j) }
func batchValue(n uint64, j int) []byte { return fmt.Appendf(nil, "n=%d j=%d ", n, j) }
func writerKey(w int) []byte            { return fmt.Appendf(nil, "w/%d", w) }

// TestMain runs this test binary as TestKillRecovery's writer process when
// envKillDir is set, and the tests otherwise.
func TestMain(m *testing.M) {
	if dir := os.Getenv(envKillDir); dir != "" {
		killChild(dir)
	}
	os.Exit(m.Run())
}

// killChild is the writer process of TestKillRecovery. Each batch n writes
// killKeysPerBatch keys b/n/j and overwrites its writer's key w/<w> with n.
// After Sync returns it prints "ack n w". It never returns.
func killChild(dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "kill child:", err)
		os.Exit(2)
	}
	start, err := strconv.ParseUint(os.Getenv(envKillStart), 10, 64)
	if err != nil {
		fail(err)
	}
	// A small memtable makes WAL rotations, flushes and compactions happen
	// while batches are being acknowledged.
	s, err := Open(dir, Options{CacheSize: 1 << 20, MemTableSize: 256 << 10, Logf: func(string, ...any) {}})
	if err != nil {
		fail(err)
	}
	os.Stdout.WriteString("ready\n")
	ctx := context.Background()
	var next atomic.Uint64
	next.Store(start)
	deadline := time.Now().Add(20 * time.Second) // in case the parent dies
	var wg sync.WaitGroup
	for w := range killWriters {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(start, uint64(w)))
			for time.Now().Before(deadline) {
				n := next.Add(1)
				var b storage.Batch
				for j := range killKeysPerBatch {
					v := batchValue(n, j)
					v = append(v, bytes.Repeat([]byte{'x'}, r.IntN(400))...)
					b.Set(batchKey(n, j), v)
				}
				b.Set(writerKey(w), strconv.AppendUint(nil, n, 10))
				if err := s.Apply(ctx, &b); err != nil {
					fmt.Fprintln(os.Stderr, "apply:", err)
					os.Exit(2)
				}
				if err := s.Sync(ctx); err != nil {
					fmt.Fprintln(os.Stderr, "sync:", err)
					os.Exit(2)
				}
				// One write(2) per line, so lines never interleave.
				os.Stdout.Write(fmt.Appendf(nil, "ack %d %d\n", n, w))
			}
		})
	}
	wg.Wait()
	os.Exit(0) // never close cleanly: the parent is meant to kill us first
}

// TestKillRecovery checks durability and atomicity across SIGKILL: every
// batch the writer acknowledged after Sync is fully present after reopen,
// and no batch, acknowledged or not, is partially present.
func TestKillRecovery(t *testing.T) {
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 1))
	var start uint64
	totalAcks := 0
	rounds := []struct {
		name        string
		beforeReady bool // kill during start-up (open, WAL replay)
		maxDelay    time.Duration
	}{
		{"fresh", false, 400 * time.Millisecond},
		{"during open", true, 150 * time.Millisecond},
		{"after crash 1", false, 400 * time.Millisecond},
		{"after crash 2", false, 800 * time.Millisecond},
		{"after crash 3", false, 200 * time.Millisecond},
	}
	for _, round := range rounds {
		t.Run(round.name, func(t *testing.T) {
			delay := time.Duration(r.Int64N(int64(round.maxDelay)))
			acks := runAndKill(t, dir, start, round.beforeReady, delay)
			totalAcks += len(acks)
			t.Logf("killed after %v with %d acknowledged batches", delay, len(acks))
			start = verifyAfterKill(t, dir, acks)
		})
		if t.Failed() {
			return
		}
	}
	if totalAcks == 0 {
		t.Fatal("the writer acknowledged no batch in any round; the test checked nothing")
	}
}

// ack is one acknowledged batch.
type ack struct {
	n uint64
	w int
}

// runAndKill starts the writer, SIGKILLs it delay after it is ready (or
// after start when beforeReady), and returns the batches it acknowledged.
func runAndKill(t *testing.T, dir string, start uint64, beforeReady bool, delay time.Duration) []ack {
	t.Helper()
	child := storagetest.StartChild(t, []string{"-test.run=^$"}, envKillDir+"="+dir, envKillStart+"="+strconv.FormatUint(start, 10))
	cmd, stdout, stderr := child.Cmd, child.Stdout, child.Stderr
	lines := make(chan string, 1024)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	var acks []ack
	parse := func(line string) {
		var a ack
		if _, err := fmt.Sscanf(line, "ack %d %d", &a.n, &a.w); err == nil {
			acks = append(acks, a)
		}
	}
	kill := time.After(delay)
	if !beforeReady {
		kill = nil
	}
	timeout := time.After(30 * time.Second)
	killed := false
	for !killed {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				t.Fatalf("writer exited before it was killed\nstderr:\n%s", stderr.Bytes())
			}
			if line == "ready" && kill == nil {
				kill = time.After(delay)
			}
			parse(line)
		case <-kill:
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
		case <-timeout:
			_ = cmd.Process.Kill()
			t.Fatalf("writer not ready in time\nstderr:\n%s", stderr.Bytes())
		}
	}
	// Lines written before the kill are still in the pipe.
	for line := range lines {
		parse(line)
	}
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != -1 || !strings.Contains(ee.String(), "killed") {
		t.Fatalf("writer: %v (want killed)\nstderr:\n%s", err, stderr.Bytes())
	}
	return acks
}

// verifyAfterKill reopens dir, checks acknowledged batches are whole and
// no batch is partial, and returns the highest batch number present (the
// next writer starts above it).
func verifyAfterKill(t *testing.T, dir string, acks []ack) uint64 {
	t.Helper()
	begin := time.Now()
	s, err := Open(dir, testOptions(t))
	if err != nil {
		t.Fatalf("reopen after kill: %v", err)
	}
	defer s.Close()
	t.Logf("reopened in %v", time.Since(begin))
	snap := s.Snapshot()
	defer snap.Close()

	// Group every b/ key by batch; each present batch must be complete and
	// hold its own values.
	present := map[uint64]int{}
	var maxN uint64
	it := snap.Iter([]byte("b/"), []byte("b0"), false)
	for it.Next() {
		var n uint64
		var j int
		if _, err := fmt.Sscanf(string(it.Key()), "b/%d/%d", &n, &j); err != nil {
			t.Fatalf("bad key %q", it.Key())
		}
		if !bytes.HasPrefix(it.Value(), batchValue(n, j)) {
			t.Errorf("key %q holds %q", it.Key(), it.Value())
		}
		present[n]++
		maxN = max(maxN, n)
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	for n, c := range present {
		if c != killKeysPerBatch {
			t.Errorf("batch %d is partially present: %d of %d keys", n, c, killKeysPerBatch)
		}
	}
	maxAcked := map[int]uint64{}
	for _, a := range acks {
		if present[a.n] != killKeysPerBatch {
			t.Errorf("acknowledged batch %d lost (%d of %d keys present)", a.n, present[a.n], killKeysPerBatch)
		}
		maxAcked[a.w] = max(maxAcked[a.w], a.n)
	}
	// Each writer key holds a batch number at least as new as the writer's
	// last acknowledged batch, and that batch is itself present.
	for w, want := range maxAcked {
		v, ok, err := snap.Get(writerKey(w))
		if err != nil || !ok {
			t.Errorf("writer key %d: ok=%v err=%v", w, ok, err)
			continue
		}
		got, _ := strconv.ParseUint(string(v), 10, 64)
		if got < want {
			t.Errorf("writer %d key holds batch %d, older than acknowledged batch %d", w, got, want)
		}
		if present[got] != killKeysPerBatch {
			t.Errorf("writer %d key names batch %d, which is not present", w, got)
		}
	}
	return maxN
}
