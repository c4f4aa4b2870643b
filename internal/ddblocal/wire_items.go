package ddblocal

import "github.com/hubstream/hubstream/internal/ddblocal/attr"

// exprInput is the expression part shared by data-plane requests.
type exprInput struct {
	ExpressionAttributeNames  map[string]string     `json:"ExpressionAttributeNames"`
	ExpressionAttributeValues map[string]attr.Value `json:"ExpressionAttributeValues"`
}

type capacityInput struct {
	ReturnConsumedCapacity      string `json:"ReturnConsumedCapacity"`
	ReturnItemCollectionMetrics string `json:"ReturnItemCollectionMetrics"`
}

// singleWriteInput is the members PutItem, DeleteItem and UpdateItem share.
type singleWriteInput struct {
	TableName                           string  `json:"TableName"`
	ConditionExpression                 *string `json:"ConditionExpression"`
	ReturnValues                        string  `json:"ReturnValues"`
	ReturnValuesOnConditionCheckFailure string  `json:"ReturnValuesOnConditionCheckFailure"`
	exprInput
	legacyInput
	capacityInput
}

type putItemInput struct {
	singleWriteInput
	Item attr.Item `json:"Item"`
}

type deleteItemInput struct {
	singleWriteInput
	Key attr.Item `json:"Key"`
}

type updateItemInput struct {
	singleWriteInput
	Key              attr.Item `json:"Key"`
	UpdateExpression *string   `json:"UpdateExpression"`
}

type getItemInput struct {
	TableName            string    `json:"TableName"`
	Key                  attr.Item `json:"Key"`
	ConsistentRead       bool      `json:"ConsistentRead"`
	ProjectionExpression *string   `json:"ProjectionExpression"`
	AttributesToGet      []string  `json:"AttributesToGet"`
	exprInput
	capacityInput
}

type writeItemOutput struct {
	Attributes       attr.Item         `json:"Attributes,omitempty"`
	ConsumedCapacity *consumedCapacity `json:"ConsumedCapacity,omitempty"`
}

// response returns o for encoding, or the encoded empty object that it
// would give: most writes return nothing, and encoding/json's reflection
// showed in write profiles.
func (o writeItemOutput) response() any {
	if len(o.Attributes) == 0 && o.ConsumedCapacity == nil {
		return rawJSON(`{}`)
	}
	return o
}

type getItemOutput struct {
	Item             attr.Item         `json:"Item,omitempty"`
	ConsumedCapacity *consumedCapacity `json:"ConsumedCapacity,omitempty"`
}
