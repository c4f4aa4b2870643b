package table

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Attribute names shared by every item.
const (
	AttrPK       = "PK"
	AttrSK       = "SK"
	AttrType     = "_et" // item type, e.g. EVENT, HEAD, ACCOUNT
	AttrVersion  = "_v"  // on read items: the source aggregate version they reflect
	AttrTTL      = "ttl"
	AttrGSI1PK   = "GSI1PK"
	AttrGSI1SK   = "GSI1SK"
	AttrGSI2PK   = "GSI2PK"
	AttrGSI2SK   = "GSI2SK"
	AttrGSI3PK   = "GSI3PK"
	AttrGSI3SK   = "GSI3SK"
	AttrGSI4PK   = "GSI4PK"
	AttrGSI4SK   = "GSI4SK"
	DefaultTable = "hubstream"
)

// Index names.
const (
	GSI1 = "GSI1"
	GSI2 = "GSI2"
	GSI3 = "GSI3"
	GSI4 = "GSI4"
)

// Name returns the table name from HUBSTREAM_TABLE, or DefaultTable.
func Name() string {
	if n := os.Getenv("HUBSTREAM_TABLE"); n != "" {
		return n
	}
	return DefaultTable
}

// Definition returns the CreateTable input for the hubstream table called
// name: PK/SK strings, GSI1..GSI4 on GSInPK/GSInSK with projection ALL, a
// NEW_AND_OLD_IMAGES stream and on-demand billing.
func Definition(name string) *dynamodb.CreateTableInput {
	defs := []types.AttributeDefinition{
		{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String(AttrSK), AttributeType: types.ScalarAttributeTypeS},
	}
	var gsis []types.GlobalSecondaryIndex
	for i := 1; i <= 4; i++ {
		pk, sk := fmt.Sprintf("GSI%dPK", i), fmt.Sprintf("GSI%dSK", i)
		defs = append(defs,
			types.AttributeDefinition{AttributeName: aws.String(pk), AttributeType: types.ScalarAttributeTypeS},
			types.AttributeDefinition{AttributeName: aws.String(sk), AttributeType: types.ScalarAttributeTypeS})
		gsis = append(gsis, types.GlobalSecondaryIndex{
			IndexName: aws.String(fmt.Sprintf("GSI%d", i)),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(pk), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(sk), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	return &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		AttributeDefinitions: defs,
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: gsis,
		BillingMode:            types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{
			StreamEnabled:  aws.Bool(true),
			StreamViewType: types.StreamViewTypeNewAndOldImages,
		},
	}
}

// EnsureTable creates the table called name if it does not exist, waits
// until it is ACTIVE, and enables TTL on AttrTTL. It is idempotent and safe
// to run from several processes at once. It fails if the table exists with
// a different key schema or without a stream, since nothing would work.
func EnsureTable(ctx context.Context, c *dynamodb.Client, name string, maxWait time.Duration) error {
	_, err := c.CreateTable(ctx, Definition(name))
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 2 * time.Second
	})
	out, err := w.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, maxWait)
	if err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	if err := checkShape(out.Table); err != nil {
		return fmt.Errorf("table %s: %w", name, err)
	}
	if on, err := ttlEnabled(ctx, c, name); err != nil || on {
		return err
	}
	_, err = c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(AttrTTL), Enabled: aws.Bool(true)},
	})
	if err != nil {
		// Another process may have enabled it in between: that is success.
		if on, derr := ttlEnabled(ctx, c, name); derr == nil && on {
			return nil
		}
		return fmt.Errorf("enable TTL on %s: %w", name, err)
	}
	return nil
}

func ttlEnabled(ctx context.Context, c *dynamodb.Client, name string) (bool, error) {
	ttl, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return false, fmt.Errorf("describe TTL of %s: %w", name, err)
	}
	d := ttl.TimeToLiveDescription
	return d != nil && (d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling), nil
}

// checkShape verifies what hubstream cannot run without.
func checkShape(t *types.TableDescription) error {
	if t == nil {
		return errors.New("no table description")
	}
	if len(t.KeySchema) != 2 || aws.ToString(t.KeySchema[0].AttributeName) != AttrPK || aws.ToString(t.KeySchema[1].AttributeName) != AttrSK {
		return errors.New("key schema is not PK (HASH), SK (RANGE)")
	}
	if t.StreamSpecification == nil || !aws.ToBool(t.StreamSpecification.StreamEnabled) {
		return errors.New("stream is not enabled")
	}
	if t.StreamSpecification.StreamViewType != types.StreamViewTypeNewAndOldImages {
		return fmt.Errorf("stream view type is %s, want NEW_AND_OLD_IMAGES", t.StreamSpecification.StreamViewType)
	}
	have := map[string]bool{}
	for _, g := range t.GlobalSecondaryIndexes {
		have[aws.ToString(g.IndexName)] = true
	}
	for _, n := range []string{GSI1, GSI2, GSI3, GSI4} {
		if !have[n] {
			return fmt.Errorf("index %s is missing", n)
		}
	}
	return nil
}
