package events

import (
	"fmt"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/table"
)

// Partition returns the table partition of an aggregate.
func Partition(id entities.ID) (table.Partition, error) {
	switch id := id.(type) {
	case entities.AccountID:
		return table.AccountPartition(id.Login()), nil
	}
	return "", fmt.Errorf("events: no partition for aggregate %T", id)
}
