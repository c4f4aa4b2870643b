// Package entities is hubstream's domain: aggregates, their commands and
// events, the pure Decide and Evolve functions, validation, and the domain
// error type. It imports only the standard library — no AWS, GraphQL or
// HTTP — so every rule here is testable without I/O.
//
// The shape every aggregate follows:
//
//   - an ID type naming one aggregate instance (AccountID, …), which
//     internal/table maps to a partition;
//   - a State type folded from the aggregate's events by Evolve;
//   - event types (UserCreated, …), each a plain struct with a stable type
//     name and JSON form;
//   - command types (CreateUser, …) whose Decide method looks at the
//     current states of the aggregates it names and returns new events, or
//     a domain *Error.
package entities
