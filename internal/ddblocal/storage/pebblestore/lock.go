package pebblestore

import "errors"

// ErrLocked is returned by Open when another Store, in this process or
// another, has the directory open.
var ErrLocked = errors.New("data directory is in use by another process")

// lockName is the file a Store holds an exclusive lock on. Pebble locks
// its own LOCK file too, but with POSIX record locks, which do not
// conflict within one process (Pebble then fails with an untyped error
// of its own): this lock is flock(2)-style, held by the open file, so a
// second Open conflicts wherever it comes from, with one error to map.
const lockName = "hubstream.lock"
