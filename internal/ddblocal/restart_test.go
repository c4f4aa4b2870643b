package ddblocal_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/internal/ddblocal"
)

// TestTableIDsNotReusedAfterRestart: a table created after a restart never
// gets the ID of a table deleted before it (whose data may not be purged
// yet), so it can never see that table's items.
func TestTableIDsNotReusedAfterRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	open := func() (*ddblocal.Engine, *dynamodb.Client) {
		e, err := ddblocal.New(ddblocal.Options{Store: openQuietStore(t, dir)})
		if err != nil {
			t.Fatal(err)
		}
		return e, newBenchClient("http://ddblocal", e.HTTPClient())
	}
	create := func(c *dynamodb.Client, name string) string {
		out, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName:            aws.String(name),
			BillingMode:          types.BillingModePayPerRequest,
			AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
			KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.TableDescription.TableId)
	}
	e, c := open()
	create(c, "kept")
	deleted := create(c, "deleted")
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("deleted"), Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "ghost"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("deleted")}); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	e, c = open()
	defer e.Close()
	if id := create(c, "fresh"); id == deleted {
		t.Fatalf("the new table got the deleted table's ID %s", id)
	}
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("fresh")})
	if err != nil || out.Count != 0 {
		t.Fatalf("the new table holds %d items (%v), want none", out.Count, err)
	}
}
