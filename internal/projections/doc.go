// Package projections maps events to read items, purely: projection.go
// defines Write, Event and Project, and one file per aggregate
// (account.go, organization.go, repository.go, star.go, issue.go,
// pullrequest.go, comment.go, reaction.go) maps one event, with the
// aggregate's state before and after it, to read-item writes. A deleted
// entity's read items are described by a PurgeSpec (purge.go) rather than
// found here: nothing in this package does I/O.
//
// internal/projector is the runtime that applies these writes: the
// applier, the stream runner, dead letters, rebuild, verify and status.
package projections
