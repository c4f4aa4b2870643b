package ddblocal

import "github.com/hubstream/hubstream/internal/ddblocal/attr"

// decodePutItemFast is the fast decoder (see fastdecode.go) for PutItem
// without legacy parameters.
func decodePutItemFast(body []byte) (putItemInput, bool) {
	var in putItemInput
	ok := decodeFast(body, func(r *attr.Reader, name string) error {
		switch name {
		case "TableName":
			return readString(r, &in.TableName)
		case "Item":
			var err error
			in.Item, err = r.Item()
			return err
		case "ConditionExpression":
			return readStringPtr(r, &in.ConditionExpression)
		case "ReturnValues":
			return readString(r, &in.ReturnValues)
		case "ReturnValuesOnConditionCheckFailure":
			return readString(r, &in.ReturnValuesOnConditionCheckFailure)
		}
		return readShared(r, name, &in.exprInput, &in.capacityInput)
	})
	if !ok {
		return putItemInput{}, false
	}
	return in, true
}

// decodeTransactWriteFast is the fast decoder (see fastdecode.go) for
// TransactWriteItems.
func decodeTransactWriteFast(body []byte) (transactWriteInput, bool) {
	var in transactWriteInput
	ok := decodeFast(body, func(r *attr.Reader, name string) error {
		switch name {
		case "TransactItems":
			in.TransactItems = make([]txItem, 0, 4)
			return readArray(r, func() error {
				var it txItem
				err := readTxItem(r, &it)
				in.TransactItems = append(in.TransactItems, it)
				return err
			})
		case "ClientRequestToken":
			return readStringPtr(r, &in.ClientRequestToken)
		}
		if known, err := readCapacityInput(r, name, &in.capacityInput); known {
			return err
		}
		return errFallback{}
	})
	if !ok {
		return transactWriteInput{}, false
	}
	return in, true
}

// readTxItem reads one TransactItems entry.
func readTxItem(r *attr.Reader, it *txItem) error {
	return readStruct(r, func(action string) error {
		// Each action is the common members plus Key, Item or
		// UpdateExpression.
		var common *txCommon
		var key, item *attr.Item
		var update **string
		switch action {
		case "ConditionCheck":
			it.ConditionCheck = &txKeyAction{}
			common, key = &it.ConditionCheck.txCommon, &it.ConditionCheck.Key
		case "Put":
			it.Put = &txPutAction{}
			common, item = &it.Put.txCommon, &it.Put.Item
		case "Delete":
			it.Delete = &txKeyAction{}
			common, key = &it.Delete.txCommon, &it.Delete.Key
		case "Update":
			it.Update = &txUpdateAction{}
			common, key, update = &it.Update.txCommon, &it.Update.Key, &it.Update.UpdateExpression
		default:
			return errFallback{}
		}
		return readStruct(r, func(name string) error {
			var err error
			switch {
			case name == "TableName":
				return readString(r, &common.TableName)
			case name == "ConditionExpression":
				return readStringPtr(r, &common.ConditionExpression)
			case name == "ReturnValuesOnConditionCheckFailure":
				return readString(r, &common.ReturnValuesOnConditionCheckFailure)
			case name == "Key" && key != nil:
				*key, err = r.Item()
				return err
			case name == "Item" && item != nil:
				*item, err = r.Item()
				return err
			case name == "UpdateExpression" && update != nil:
				return readStringPtr(r, update)
			}
			if known, err := readExprInput(r, name, &common.exprInput); known {
				return err
			}
			return errFallback{}
		})
	})
}

// readShared reads the expression and capacity members; any other name is
// errFallback.
func readShared(r *attr.Reader, name string, ex *exprInput, c *capacityInput) error {
	if known, err := readExprInput(r, name, ex); known {
		return err
	}
	if known, err := readCapacityInput(r, name, c); known {
		return err
	}
	return errFallback{}
}
