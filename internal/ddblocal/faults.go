package ddblocal

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// Faults makes a chosen fraction of requests fail the way Amazon DynamoDB
// fails under contention or load, so that an application can prove its
// retry paths against the engine. Every fraction is in [0, 1]; zero injects
// nothing. An injected fault never has an effect: the failed request
// writes nothing, and a key or item reported unprocessed was neither read
// nor written.
type Faults struct {
	// TransactionConflict is the fraction of TransactWriteItems and
	// TransactGetItems requests cancelled with a TransactionConflict
	// reason on one of their actions (the others None), as when another
	// transaction holds an item.
	TransactionConflict float64
	// ProvisionedThroughputExceeded is the fraction of data-plane requests
	// (item reads and writes, Query, Scan, batches, transactions) answered
	// with ProvisionedThroughputExceededException.
	ProvisionedThroughputExceeded float64
	// Throttling is the fraction of data-plane requests answered with
	// ThrottlingException.
	Throttling float64
	// Unprocessed is the fraction of the keys of each BatchGetItem and of
	// the requests of each BatchWriteItem returned in UnprocessedKeys /
	// UnprocessedItems. The first key or request of a batch is always
	// processed, so that a client that retries makes progress.
	Unprocessed float64
	// Operations limits every kind of fault to the named operations
	// (e.g. "TransactWriteItems"); empty means all the data-plane
	// operations each kind applies to.
	Operations []string
	// Seed seeds the choice of what fails. Zero: a random seed. With one
	// caller at a time, a seed makes the injected faults repeatable.
	Seed uint64
}

// applies reports whether faults may be injected into op.
func (f *Faults) applies(op string) bool {
	if !dataPlaneOps[op] {
		return false
	}
	if len(f.Operations) == 0 {
		return true
	}
	for _, o := range f.Operations {
		if o == op {
			return true
		}
	}
	return false
}

// FaultCounts says how many faults of each kind an engine has injected.
type FaultCounts struct {
	TransactionConflict           int64
	ProvisionedThroughputExceeded int64
	Throttling                    int64
	Unprocessed                   int64
}

func (f Faults) validate() error {
	for _, r := range []struct {
		name string
		v    float64
	}{
		{"TransactionConflict", f.TransactionConflict}, {"ProvisionedThroughputExceeded", f.ProvisionedThroughputExceeded},
		{"Throttling", f.Throttling}, {"Unprocessed", f.Unprocessed},
	} {
		if !(r.v >= 0 && r.v <= 1) {
			return fmt.Errorf("ddblocal: fault fraction %s = %v is not in [0, 1]", r.name, r.v)
		}
	}
	if f.ProvisionedThroughputExceeded+f.Throttling > 1 {
		return fmt.Errorf("ddblocal: fault fractions ProvisionedThroughputExceeded and Throttling add up to more than 1")
	}
	for _, op := range f.Operations {
		if !dataPlaneOps[op] {
			return fmt.Errorf("ddblocal: faults cannot be injected into %q: not a data-plane operation", op)
		}
	}
	return nil
}

// faultState is the engine's current fault configuration and its random
// source; the zero value injects nothing.
type faultState struct {
	cfg atomic.Pointer[Faults]

	mu  sync.Mutex
	rnd *rand.Rand

	conflicts, throughput, throttling, unprocessed atomic.Int64
}

func (s *faultState) set(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	seed := f.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	s.mu.Lock()
	s.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	s.mu.Unlock()
	if f.TransactionConflict == 0 && f.ProvisionedThroughputExceeded == 0 && f.Throttling == 0 && f.Unprocessed == 0 {
		s.cfg.Store(nil)
		return nil
	}
	f.Operations = append([]string(nil), f.Operations...)
	s.cfg.Store(&f)
	return nil
}

// roll returns a uniform number in [0, 1).
func (s *faultState) roll() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rnd.Float64()
}

// dataPlaneOps are the operations throttling faults apply to: control-plane
// and Streams calls are never failed, so that setting up a test or a
// consumer is not disturbed.
var dataPlaneOps = map[string]bool{
	"GetItem": true, "PutItem": true, "UpdateItem": true, "DeleteItem": true, "Query": true, "Scan": true,
	"BatchGetItem": true, "BatchWriteItem": true, "TransactWriteItems": true, "TransactGetItems": true,
}

// throttle returns the throttling error to answer op with, or nil.
func (s *faultState) throttle(op string) error {
	f := s.cfg.Load()
	if f == nil || (f.ProvisionedThroughputExceeded == 0 && f.Throttling == 0) || !f.applies(op) {
		return nil
	}
	r := s.roll()
	switch {
	case r < f.ProvisionedThroughputExceeded:
		s.throughput.Add(1)
		return ddberr.New(ddberr.ProvisionedThroughputExceeded, "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.")
	case r < f.ProvisionedThroughputExceeded+f.Throttling:
		s.throttling.Add(1)
		return ddberr.New(ddberr.Throttling, "Rate of requests exceeds the allowed throughput.")
	}
	return nil
}

// conflict returns the cancellation of a transaction (op) of n actions
// chosen to conflict, or nil.
func (s *faultState) conflict(op string, n int) error {
	f := s.cfg.Load()
	if f == nil || f.TransactionConflict == 0 || !f.applies(op) || s.roll() >= f.TransactionConflict {
		return nil
	}
	s.conflicts.Add(1)
	s.mu.Lock()
	at := s.rnd.IntN(n)
	s.mu.Unlock()
	reasons := make([]cancellationReason, n)
	for i := range reasons {
		reasons[i].Code = "None"
	}
	reasons[at] = cancellationReason{Code: "TransactionConflict", Message: "Transaction is ongoing for the item"}
	return &txCanceled{reasons: reasons}
}

// skipper returns a function that says, for each key or request of one
// batch (op) in order, whether to leave it unprocessed; nil when none will
// be.
func (s *faultState) skipper(op string) func() bool {
	f := s.cfg.Load()
	if f == nil || f.Unprocessed == 0 || !f.applies(op) {
		return nil
	}
	first := true
	return func() bool {
		if first {
			first = false
			return false
		}
		if s.roll() < f.Unprocessed {
			s.unprocessed.Add(1)
			return true
		}
		return false
	}
}

// SetFaults replaces the engine's fault injection (see Faults); the zero
// Faults turns it off. It fails only if a fraction is out of range, and
// may be called at any time, from any goroutine.
func (e *Engine) SetFaults(f Faults) error { return e.faults.set(f) }

// InjectedFaults returns how many faults of each kind the engine has
// injected since it started.
func (e *Engine) InjectedFaults() FaultCounts {
	return FaultCounts{
		TransactionConflict:           e.faults.conflicts.Load(),
		ProvisionedThroughputExceeded: e.faults.throughput.Load(),
		Throttling:                    e.faults.throttling.Load(),
		Unprocessed:                   e.faults.unprocessed.Load(),
	}
}
