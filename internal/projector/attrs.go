package projector

import (
	"log/slog"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute value helpers for the runtime's own bookkeeping items (markers,
// tombstones, leases, dead letters); read items are encoded by the
// projections.

func sv(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func nv(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func bv(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }

// discardLogger is the default logger of the runtime's options.
func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
