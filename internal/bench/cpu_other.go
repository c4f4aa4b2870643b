//go:build !unix

package bench

import "time"

// cpuTime returns 0: the process's CPU time is only read on Unix.
func cpuTime() time.Duration { return 0 }
