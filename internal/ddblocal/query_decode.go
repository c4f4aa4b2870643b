package ddblocal

import "github.com/hubstream/hubstream/internal/ddblocal/attr"

// decodeQueryFast is the fast decoder (see fastdecode.go) for Query
// without legacy parameters or AttributesToGet.
func decodeQueryFast(body []byte) (queryInput, bool) {
	var in queryInput
	ok := decodeFast(body, func(r *attr.Reader, name string) error {
		var err error
		switch name {
		case "TableName":
			return readString(r, &in.TableName)
		case "IndexName":
			return readStringPtr(r, &in.IndexName)
		case "KeyConditionExpression":
			return readStringPtr(r, &in.KeyConditionExpression)
		case "FilterExpression":
			return readStringPtr(r, &in.FilterExpression)
		case "ProjectionExpression":
			return readStringPtr(r, &in.ProjectionExpression)
		case "Select":
			return readString(r, &in.Select)
		case "Limit":
			n, err := r.Int64()
			in.Limit = &n
			return err
		case "ScanIndexForward":
			b, err := r.Bool()
			in.ScanIndexForward = &b
			return err
		case "ConsistentRead":
			in.ConsistentRead, err = r.Bool()
			return err
		case "ExclusiveStartKey":
			in.ExclusiveStartKey, err = r.Item()
			return err
		}
		return readShared(r, name, &in.exprInput, &in.capacityInput)
	})
	if !ok {
		return queryInput{}, false
	}
	return in, true
}
