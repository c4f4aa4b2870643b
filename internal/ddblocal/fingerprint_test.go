package ddblocal

import "testing"

func decodeTxItems(t *testing.T, body string) []txItem {
	t.Helper()
	var in transactWriteInput
	if err := decodeRequest([]byte(body), &in); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	return in.TransactItems
}

func TestTxFingerprint(t *testing.T) {
	const base = `{"TransactItems":[
		{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"x":{"S":"1"},"y":{"S":"2"}}}},
		 "ConditionExpression":"#n <> :v","ExpressionAttributeNames":{"#n":"n","#m":"m"},"ExpressionAttributeValues":{":v":{"N":"2"},":w":{"S":"w"}}}},
		{"Update":{"TableName":"t","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}}]}`
	same := []struct{ name, body string }{
		{"members reordered", `{"TransactItems":[
		{"Put":{"ExpressionAttributeValues":{":w":{"S":"w"},":v":{"N":"2"}},"ExpressionAttributeNames":{"#m":"m","#n":"n"},"ConditionExpression":"#n <> :v",
		 "Item":{"m":{"M":{"y":{"S":"2"},"x":{"S":"1"}}},"n":{"N":"1"},"pk":{"S":"a"}},"TableName":"t"}},
		{"Update":{"ExpressionAttributeValues":{":v":{"N":"2"}},"UpdateExpression":"SET x = :v","Key":{"pk":{"S":"b"}},"TableName":"t"}}]}`},
		{"whitespace", `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"x":{"S":"1"},"y":{"S":"2"}}}},"ConditionExpression":"#n <> :v","ExpressionAttributeNames":{"#n":"n","#m":"m"},"ExpressionAttributeValues":{":v":{"N":"2"},":w":{"S":"w"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}}]}`},
	}
	different := []struct{ name, body string }{
		{"item value", `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"3"},"m":{"M":{"x":{"S":"1"},"y":{"S":"2"}}}},"ConditionExpression":"#n <> :v","ExpressionAttributeNames":{"#n":"n","#m":"m"},"ExpressionAttributeValues":{":v":{"N":"2"},":w":{"S":"w"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}}]}`},
		{"table", `{"TransactItems":[{"Put":{"TableName":"u","Item":{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"x":{"S":"1"},"y":{"S":"2"}}}},"ConditionExpression":"#n <> :v","ExpressionAttributeNames":{"#n":"n","#m":"m"},"ExpressionAttributeValues":{":v":{"N":"2"},":w":{"S":"w"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}}]}`},
		{"condition dropped", `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"x":{"S":"1"},"y":{"S":"2"}}}},"ExpressionAttributeNames":{"#n":"n","#m":"m"},"ExpressionAttributeValues":{":v":{"N":"2"},":w":{"S":"w"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}}]}`},
		{"name mapping", `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"x":{"S":"1"},"y":{"S":"2"}}}},"ConditionExpression":"#n <> :v","ExpressionAttributeNames":{"#n":"m","#m":"n"},"ExpressionAttributeValues":{":v":{"N":"2"},":w":{"S":"w"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}}]}`},
		{"update expression", `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"x":{"S":"1"},"y":{"S":"2"}}}},"ConditionExpression":"#n <> :v","ExpressionAttributeNames":{"#n":"n","#m":"m"},"ExpressionAttributeValues":{":v":{"N":"2"},":w":{"S":"w"}}}},{"Update":{"TableName":"t","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET y = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}}]}`},
		{"action kind", `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"x":{"S":"1"},"y":{"S":"2"}}}},"ConditionExpression":"#n <> :v","ExpressionAttributeNames":{"#n":"n","#m":"m"},"ExpressionAttributeValues":{":v":{"N":"2"},":w":{"S":"w"}}}},{"Delete":{"TableName":"t","Key":{"pk":{"S":"b"}}}}]}`},
		{"order of actions", `{"TransactItems":[{"Update":{"TableName":"t","Key":{"pk":{"S":"b"}},"UpdateExpression":"SET x = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}},{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"n":{"N":"1"},"m":{"M":{"x":{"S":"1"},"y":{"S":"2"}}}},"ConditionExpression":"#n <> :v","ExpressionAttributeNames":{"#n":"n","#m":"m"},"ExpressionAttributeValues":{":v":{"N":"2"},":w":{"S":"w"}}}}]}`},
	}
	want := txFingerprint(decodeTxItems(t, base))
	for _, c := range same {
		t.Run("same/"+c.name, func(t *testing.T) {
			if got := txFingerprint(decodeTxItems(t, c.body)); got != want {
				t.Errorf("fingerprint differs from the base request's")
			}
		})
	}
	for _, c := range different {
		t.Run("different/"+c.name, func(t *testing.T) {
			if got := txFingerprint(decodeTxItems(t, c.body)); got == want {
				t.Errorf("fingerprint equals the base request's")
			}
		})
	}
}
