// Package model holds the Go types behind the GraphQL schema: the ones
// gqlgen generates (models_gen.go) and the ones hubstream binds itself.
package model

import "time"

// User is a GraphQL User. Resolvers build it from a read item or, in
// mutation payloads, from the write side's new state.
type User struct {
	ID        string
	Login     string
	Name      *string
	Email     *string
	Bio       *string
	CreatedAt time.Time
	UpdatedAt time.Time
}
