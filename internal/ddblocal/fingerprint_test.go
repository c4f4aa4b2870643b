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
	t.Run("sets are unordered", func(t *testing.T) {
		a := `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"ss":{"SS":["x","y","z"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AA==","AQ=="]},"l":{"L":[{"SS":["p","q"]}]}}}}]}`
		b := `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"ss":{"SS":["z","x","y"]},"ns":{"NS":["2.50","1"]},"bs":{"BS":["AQ==","AA=="]},"l":{"L":[{"SS":["q","p"]}]}}}}]}`
		c := `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"ss":{"SS":["x","y","w"]},"ns":{"NS":["1","2.5"]},"bs":{"BS":["AA==","AQ=="]},"l":{"L":[{"SS":["p","q"]}]}}}}]}`
		fa, fb, fc := txFingerprint(decodeTxItems(t, a)), txFingerprint(decodeTxItems(t, b)), txFingerprint(decodeTxItems(t, c))
		if fa != fb {
			t.Error("reordering set members changed the fingerprint")
		}
		if fa == fc {
			t.Error("changing a set member kept the fingerprint")
		}
	})
	t.Run("list order counts", func(t *testing.T) {
		a := `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"l":{"L":[{"S":"1"},{"S":"2"}]}}}}]}`
		b := `{"TransactItems":[{"Put":{"TableName":"t","Item":{"pk":{"S":"a"},"l":{"L":[{"S":"2"},{"S":"1"}]}}}}]}`
		if txFingerprint(decodeTxItems(t, a)) == txFingerprint(decodeTxItems(t, b)) {
			t.Error("reordering list elements kept the fingerprint")
		}
	})
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
