// Package model holds the Go types behind the GraphQL schema: the ones
// gqlgen generates (models_gen.go) and the entity types hubstream binds
// itself (this file and entities.go), whose relation fields are resolved by
// resolvers through loaders.
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

// IsNode marks User as a Node.
func (User) IsNode() {}

// GetID returns the node ID.
func (u User) GetID() string { return u.ID }

// IsRepositoryOwner marks User as a RepositoryOwner.
func (User) IsRepositoryOwner() {}

// GetLogin returns the login.
func (u User) GetLogin() string { return u.Login }

// Organization is a GraphQL Organization.
type Organization struct {
	ID          string
	Login       string
	Name        *string
	Description *string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// IsNode marks Organization as a Node.
func (Organization) IsNode() {}

// GetID returns the node ID.
func (o Organization) GetID() string { return o.ID }

// IsRepositoryOwner marks Organization as a RepositoryOwner.
func (Organization) IsRepositoryOwner() {}

// GetLogin returns the login.
func (o Organization) GetLogin() string { return o.Login }
