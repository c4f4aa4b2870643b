package events

import "github.com/hubstream/hubstream/internal/entities"

// AttemptOutcome is what came of one append attempt of a command.
type AttemptOutcome string

// The outcomes of an append attempt.
const (
	// AttemptCommitted: the transaction committed.
	AttemptCommitted AttemptOutcome = "committed"
	// AttemptRetried: the transaction lost to a concurrent write (a
	// version conflict, or contention) and the command is tried again.
	AttemptRetried AttemptOutcome = "retried"
	// AttemptConflict: it lost on the last allowed attempt; the command
	// fails with CONFLICT.
	AttemptConflict AttemptOutcome = "conflict"
	// AttemptFailed: it failed otherwise (a domain error found by a
	// condition, a DynamoDB error).
	AttemptFailed AttemptOutcome = "failed"
)

// AppendAttempt describes one TransactWriteItems of a command, for
// ExecutorOptions.Observer.
type AppendAttempt struct {
	Command entities.Command
	// Attempt counts from 1.
	Attempt int
	Outcome AttemptOutcome
}

// observe tells the observer, if any, of an attempt.
func (x *Executor) observe(cmd entities.Command, attempt int, outcome AttemptOutcome) {
	if x.opts.Observer != nil {
		x.opts.Observer(AppendAttempt{Command: cmd, Attempt: attempt, Outcome: outcome})
	}
}
