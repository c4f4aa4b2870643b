package ddblocal_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// TestConformanceControlPlaneViolations: CreateTable, UpdateTable and the
// Streams API report every constraint violation of a request in one
// ValidationException, before looking anything up (a request on a missing
// table or stream is still a ValidationException).
func TestConformanceControlPlaneViolations(t *testing.T) {
	t.Parallel()
	tg := newStreamTarget(t)
	missing := aws.String(uniqueTableName())
	const validationErrors = "validation errors detected: "
	const fakeArn = "arn:aws:dynamodb:us-east-1:000000000000:table/none/stream/2026-01-01T00:00:00.000"
	cases := []struct {
		name string
		call func() error
		msg  string
	}{
		{"CreateTable: name, attribute type, key type and billing mode", func() error {
			_, err := tg.client.CreateTable(t.Context(), &dynamodb.CreateTableInput{
				TableName:            aws.String("a!"),
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: "X"}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "PRIMARY"}},
				BillingMode:          "FREE",
			})
			return err
		}, "5 " + validationErrors +
			"Value 'X' at 'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]; " +
			"Value 'a!' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; " +
			"Value 'a!' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
			"Value 'PRIMARY' at 'keySchema.1.member.keyType' failed to satisfy constraint: Member must satisfy enum value set: [HASH, RANGE]; " +
			"Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"},
		{"CreateTable: an index's name and projection, the stream view type", func() error {
			_, err := tg.client.CreateTable(t.Context(), &dynamodb.CreateTableInput{
				TableName:            missing,
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: "S"}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}},
				BillingMode:          types.BillingModePayPerRequest,
				GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
					IndexName:  aws.String("g"),
					KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: "HASH"}},
					Projection: &types.Projection{ProjectionType: "SOME"},
				}},
				StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: "EVERYTHING"},
			})
			return err
		}, "3 " + validationErrors +
			"Value 'g' at 'globalSecondaryIndexes.1.member.indexName' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
			"Value 'SOME' at 'globalSecondaryIndexes.1.member.projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, KEYS_ONLY, INCLUDE]; " +
			"Value 'EVERYTHING' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]"},
		{"UpdateTable of a missing table: billing mode and table class", func() error {
			_, err := tg.client.UpdateTable(t.Context(), &dynamodb.UpdateTableInput{TableName: missing, BillingMode: "FREE", TableClass: "COLD"})
			return err
		}, "2 " + validationErrors +
			"Value 'FREE' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]; " +
			"Value 'COLD' at 'tableClass' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]"},
		{"DescribeStream: short ARN and Limit 0", func() error {
			_, err := tg.streams.DescribeStream(t.Context(), &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String("arn:short"), Limit: aws.Int32(0)})
			return err
		}, "2 " + validationErrors +
			"Value 'arn:short' at 'streamArn' failed to satisfy constraint: Member must have length between 37 and 1024; " +
			"Value '0' at 'limit' failed to satisfy constraint: Member must have value between 1 and 100"},
		{"GetShardIterator of a missing stream: shard id and iterator type", func() error {
			_, err := tg.streams.GetShardIterator(t.Context(), &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(fakeArn), ShardId: aws.String("shard"), ShardIteratorType: stypes.ShardIteratorType("OLDEST")})
			return err
		}, "2 " + validationErrors +
			"Value 'shard' at 'shardId' failed to satisfy constraint: Member must have length between 28 and 65; " +
			"Value 'OLDEST' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"},
		{"GetRecords: Limit and iterator length", func() error {
			_, err := tg.streams.GetRecords(t.Context(), &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(strings.Repeat("i", 2049)), Limit: aws.Int32(1001)})
			return err
		}, "2 " + validationErrors +
			"Value '1001' at 'limit' failed to satisfy constraint: Member must have value between 1 and 1000; " +
			"Value '...' at 'shardIterator' failed to satisfy constraint: Member must have length between 1 and 2048"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requireExactError(t, c.call(), "ValidationException", c.msg)
		})
	}
}
