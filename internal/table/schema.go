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

// EnvTable names the environment variable with the table's name.
const EnvTable = "HUBSTREAM_TABLE"

// Name returns the table name from HUBSTREAM_TABLE, or DefaultTable.
func Name() string {
	if n := os.Getenv(EnvTable); n != "" {
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
// until it is ACTIVE, enables TTL on AttrTTL, and then checks the table
// as CheckTable does. It is idempotent and safe to run from several
// processes at once. It fails with a *SchemaError (ErrSchemaMismatch) if
// the table existed with a different schema, since nothing would work.
// It needs dynamodb:CreateTable and dynamodb:UpdateTimeToLive: on AWS,
// where the deployment creates the table, use CheckTable.
func EnsureTable(ctx context.Context, c *dynamodb.Client, name string, maxWait time.Duration) error {
	_, err := c.CreateTable(ctx, Definition(name))
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	desc, err := waitActive(ctx, c, name, maxWait)
	if err != nil {
		return err
	}
	ttl, err := describeTTL(ctx, c, name)
	if err != nil {
		return err
	}
	if !ttlOn(ttl) {
		_, uerr := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
			TableName:               aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(AttrTTL), Enabled: aws.Bool(true)},
		})
		// Another process may have enabled it in between: the description
		// decides.
		if ttl, err = describeTTL(ctx, c, name); err != nil {
			return err
		}
		if uerr != nil && !ttlOn(ttl) {
			return fmt.Errorf("enable TTL on %s: %w", name, uerr)
		}
	}
	return verify(name, desc, ttl)
}

// CheckTable checks that the table called name exists and matches
// Definition (Compare), waiting up to maxWait while it is being created or
// updated. It never changes the table and needs only
// dynamodb:DescribeTable and dynamodb:DescribeTimeToLive, so it is what a
// server or projector runs against a table the deployment created. It
// fails with ErrTableMissing when there is no such table and with a
// *SchemaError (ErrSchemaMismatch) listing every difference otherwise.
func CheckTable(ctx context.Context, c *dynamodb.Client, name string, maxWait time.Duration) error {
	out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return fmt.Errorf("%w: %s (create it with deploy/template.yaml, or let hubstream create it with --create-table)", ErrTableMissing, name)
	}
	if err != nil {
		return fmt.Errorf("describe table %s: %w", name, err)
	}
	desc := out.Table
	// Only a table being created is waited for: DynamoDB serves data
	// operations on an UPDATING table (a billing-mode or index change can
	// keep it so for an hour), and a server or Lambda that refused to start
	// meanwhile would turn a routine change into an outage.
	if desc == nil || !usable(desc.TableStatus) {
		if desc, err = waitActive(ctx, c, name, maxWait); err != nil {
			return err
		}
	}
	ttl, err := describeTTL(ctx, c, name)
	if err != nil {
		return err
	}
	return verify(name, desc, ttl)
}

// usable reports whether a table in status st serves data operations.
func usable(st types.TableStatus) bool {
	return st == types.TableStatusActive || st == types.TableStatusUpdating
}

func waitActive(ctx context.Context, c *dynamodb.Client, name string, maxWait time.Duration) (*types.TableDescription, error) {
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = 100 * time.Millisecond
		o.MaxDelay = 2 * time.Second
	})
	out, err := w.WaitForOutput(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, maxWait)
	if err != nil {
		return nil, fmt.Errorf("wait for table %s: %w", name, err)
	}
	return out.Table, nil
}

func verify(name string, desc *types.TableDescription, ttl *types.TimeToLiveDescription) error {
	if problems := Compare(Definition(name), desc, ttl); len(problems) > 0 {
		return &SchemaError{Table: name, Problems: problems}
	}
	return nil
}

func describeTTL(ctx context.Context, c *dynamodb.Client, name string) (*types.TimeToLiveDescription, error) {
	out, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		return nil, fmt.Errorf("describe TTL of %s: %w", name, err)
	}
	if out.TimeToLiveDescription == nil {
		return &types.TimeToLiveDescription{TimeToLiveStatus: types.TimeToLiveStatusDisabled}, nil
	}
	return out.TimeToLiveDescription, nil
}

func ttlOn(d *types.TimeToLiveDescription) bool {
	return d != nil && (d.TimeToLiveStatus == types.TimeToLiveStatusEnabled || d.TimeToLiveStatus == types.TimeToLiveStatusEnabling)
}
