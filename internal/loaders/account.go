package loaders

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/table"
)

// Account is the read model of a user or organization.
type Account struct {
	Login     string
	Kind      string // USER or ORGANIZATION
	Name      string
	Email     string
	Bio       string
	CreatedAt time.Time
	UpdatedAt time.Time
}

func decodeAccount(it map[string]types.AttributeValue) *Account {
	if !isType(it, table.TypeAccount) {
		return nil // missing, or counter residue
	}
	return &Account{
		Login:     attrS(it, table.ReadLogin),
		Kind:      attrS(it, table.ReadKind),
		Name:      attrS(it, table.ReadName),
		Email:     attrS(it, table.ReadEmail),
		Bio:       attrS(it, table.ReadBio),
		CreatedAt: attrTime(it, table.ReadCreatedAt),
		UpdatedAt: attrTime(it, table.ReadUpdatedAt),
	}
}
