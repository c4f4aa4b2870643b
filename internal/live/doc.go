// Package live turns the table's DynamoDB Stream into in-process events for
// GraphQL subscriptions (docs/subscriptions.md).
//
// One Follower per server process reads every shard of the stream from
// LATEST, following shard lineage (a child shard is read from its start once
// its parent is finished). A Hub decodes the appends it reads (head items
// carry the appended events inline) and holds each aggregate's events until
// the projector's marker for that aggregate reaches their version — also a
// stream record — so that a subscriber that queries the read model on
// receipt sees the change. It then fans each event out, in aggregate version
// order, to the subscriptions of its topics through bounded per-subscriber
// buffers: N subscribers cost one stream read, and a slow subscriber is
// dropped instead of slowing the others.
//
// Access control is not decided here: the GraphQL layer checks every event
// against the subscriber's current rights when it delivers it.
package live
