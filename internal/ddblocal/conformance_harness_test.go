package ddblocal_test

// Black-box conformance suite for internal/ddblocal.
//
// Every test in the conformance_*_test.go files talks to the engine only
// through the unchanged AWS SDK for Go v2 DynamoDB client, and asserts
// behaviour of Amazon DynamoDB itself. By default each top-level test gets a
// fresh in-process engine (no socket). Setting DDBLOCAL_CONFORMANCE_ENDPOINT
// (for example https://dynamodb.eu-west-1.amazonaws.com or
// http://localhost:8000 for DynamoDB Local) runs the very same assertions
// against that endpoint instead, so anyone can check a claim about DynamoDB's
// behaviour against the real service:
//
//	DDBLOCAL_CONFORMANCE_ENDPOINT=https://dynamodb.us-east-1.amazonaws.com \
//	AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \
//	go test ./internal/ddblocal/ -run Conformance -v
//
// Against a remote endpoint the region comes from AWS_REGION (default
// us-east-1) and credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN (dummy credentials when unset, which DynamoDB Local
// accepts). Tables are created on demand (PAY_PER_REQUEST, prefix "conf_")
// and deleted when the test that created them finishes.
//
// The only tests that skip against a remote endpoint are the raw-HTTP wire
// tests (conformance_badinput_test.go), which need the engine's handler.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/hubstream/hubstream/internal/ddblocal"
	"github.com/hubstream/hubstream/internal/ddblocal/storage/pebblestore"
)

// conformanceEndpointEnv names the environment variable that points the suite
// at another DynamoDB-compatible endpoint.
const conformanceEndpointEnv = "DDBLOCAL_CONFORMANCE_ENDPOINT"

// target is the endpoint under test.
type target struct {
	client *dynamodb.Client
	// engine is the in-process engine; nil when running against a remote
	// endpoint.
	engine *ddblocal.Engine
	remote bool
	// maxWait bounds every wait for a table or index state change.
	maxWait time.Duration
	// poll is the interval between DescribeTable polls while waiting for an
	// index to become ACTIVE or disappear.
	poll time.Duration
}

// newTarget returns the endpoint under test: a fresh in-process engine, or a
// client for DDBLOCAL_CONFORMANCE_ENDPOINT when that is set.
func newTarget(t *testing.T) *target {
	t.Helper()
	if ep := os.Getenv(conformanceEndpointEnv); ep != "" {
		return &target{client: dynamodb.NewFromConfig(remoteConfig(ep)), remote: true, maxWait: 10 * time.Minute, poll: 5 * time.Second}
	}
	e := openEngine(t, ddblocal.Options{})
	return &target{client: engineClient(e), engine: e, maxWait: 5 * time.Second, poll: 5 * time.Millisecond}
}

// conformanceRegion is the region of a remote endpoint: AWS_REGION, by
// default us-east-1.
func conformanceRegion() string {
	if r := os.Getenv("AWS_REGION"); r != "" {
		return r
	}
	return "us-east-1"
}

// remoteConfig is the client configuration for a remote endpoint ep, with
// the credentials of the environment (dummy ones when unset, which
// DynamoDB Local accepts).
func remoteConfig(ep string) aws.Config {
	var creds aws.CredentialsProvider = credentials.NewStaticCredentialsProvider("conformance", "conformance", "")
	if id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		creds = credentials.NewStaticCredentialsProvider(id, secret, os.Getenv("AWS_SESSION_TOKEN"))
	}
	return aws.Config{Region: conformanceRegion(), Credentials: creds, BaseEndpoint: aws.String(ep)}
}

// openEngine opens an in-process engine with opts, closed when tb ends; an
// error closing it fails tb.
func openEngine(tb testing.TB, opts ddblocal.Options) *ddblocal.Engine {
	tb.Helper()
	e, err := ddblocal.New(opts)
	if err != nil {
		tb.Fatalf("ddblocal.New: %v", err)
	}
	tb.Cleanup(func() {
		if err := e.Close(); err != nil {
			tb.Errorf("engine Close: %v", err)
		}
	})
	return e
}

// updateTTL turns TimeToLive on table on or off with attribute as the TTL
// attribute.
func (tg *target) updateTTL(t *testing.T, table, attribute string, enabled bool) error {
	t.Helper()
	_, err := tg.client.UpdateTimeToLive(t.Context(), &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attribute), Enabled: aws.Bool(enabled)}})
	return err
}

// openQuietStore opens a pebblestore in dir that logs nothing: the tests
// that use one restart or kill it on purpose.
func openQuietStore(tb testing.TB, dir string) *pebblestore.Store {
	tb.Helper()
	s, err := pebblestore.Open(dir, pebblestore.Options{Logf: func(string, ...any) {}})
	if err != nil {
		tb.Fatalf("pebblestore.Open: %v", err)
	}
	return s
}

// engineConfig is the client configuration for the in-process engine e,
// shared by its DynamoDB and Streams clients. In-process there is no
// throttling; a retry would only hide a 500 from the engine.
func engineConfig(e *ddblocal.Engine) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("conformance", "conformance", ""),
		BaseEndpoint: aws.String("http://ddblocal"),
		HTTPClient:   e.HTTPClient(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

// engineClient is a DynamoDB client of the in-process engine e.
func engineClient(e *ddblocal.Engine) *dynamodb.Client {
	return dynamodb.NewFromConfig(engineConfig(e))
}

// ---------------------------------------------------------------------------
// Tables

// keyAttr is a key attribute: its name and scalar type.
type keyAttr struct {
	name string
	typ  types.ScalarAttributeType
}

func keyS(name string) keyAttr { return keyAttr{name, types.ScalarAttributeTypeS} }
func keyN(name string) keyAttr { return keyAttr{name, types.ScalarAttributeTypeN} }
func keyB(name string) keyAttr { return keyAttr{name, types.ScalarAttributeTypeB} }

// indexDef describes a secondary index.
type indexDef struct {
	name       string
	hash       keyAttr
	rng        *keyAttr
	projection types.ProjectionType // default ALL
	include    []string
}

// tableDef describes a table to create.
type tableDef struct {
	hash keyAttr
	rng  *keyAttr
	gsis []indexDef
	lsis []indexDef
}

func rangeKey(k keyAttr) *keyAttr { return &k }

func keySchema(hash keyAttr, rng *keyAttr) []types.KeySchemaElement {
	ks := []types.KeySchemaElement{{AttributeName: aws.String(hash.name), KeyType: types.KeyTypeHash}}
	if rng != nil {
		ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(rng.name), KeyType: types.KeyTypeRange})
	}
	return ks
}

func (ix indexDef) projectionSpec() *types.Projection {
	p := &types.Projection{ProjectionType: ix.projection}
	if p.ProjectionType == "" {
		p.ProjectionType = types.ProjectionTypeAll
	}
	if len(ix.include) > 0 {
		p.NonKeyAttributes = ix.include
	}
	return p
}

// attributeDefinitions lists every key attribute of the table and its
// indexes once, in first-seen order.
func (d tableDef) attributeDefinitions() []types.AttributeDefinition {
	var defs []types.AttributeDefinition
	seen := map[string]bool{}
	add := func(k *keyAttr) {
		if k == nil || seen[k.name] {
			return
		}
		seen[k.name] = true
		defs = append(defs, types.AttributeDefinition{AttributeName: aws.String(k.name), AttributeType: k.typ})
	}
	add(&d.hash)
	add(d.rng)
	for _, ix := range append(append([]indexDef{}, d.gsis...), d.lsis...) {
		h := ix.hash
		add(&h)
		add(ix.rng)
	}
	return defs
}

// input returns the CreateTableInput for d named name.
func (d tableDef) input(name string) *dynamodb.CreateTableInput {
	in := &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		KeySchema:            keySchema(d.hash, d.rng),
		AttributeDefinitions: d.attributeDefinitions(),
	}
	for _, ix := range d.gsis {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.name),
			KeySchema:  keySchema(ix.hash, ix.rng),
			Projection: ix.projectionSpec(),
		})
	}
	for _, ix := range d.lsis {
		in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{
			IndexName:  aws.String(ix.name),
			KeySchema:  keySchema(ix.hash, ix.rng),
			Projection: ix.projectionSpec(),
		})
	}
	return in
}

// uniqueTableName returns a fresh table name with the suite's "conf_" prefix.
func uniqueTableName() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "conf_" + hex.EncodeToString(b[:])
}

// createTable creates a uniquely named table from d, waits until it is
// ACTIVE and deletes it when t finishes. It returns the table name.
func (tg *target) createTable(t *testing.T, d tableDef) string {
	t.Helper()
	return tg.createTableNamed(t, uniqueTableName(), d)
}

// createTableNamed is createTable with a caller-chosen name.
func (tg *target) createTableNamed(t *testing.T, name string, d tableDef) string {
	t.Helper()
	if _, err := tg.client.CreateTable(t.Context(), d.input(name)); err != nil {
		t.Fatalf("CreateTable %s: %v", name, err)
	}
	tg.deleteAtCleanup(t, name)
	tg.waitTableActive(t, name)
	return name
}

// deleteAtCleanup deletes table name when t finishes (best effort: DeleteTable
// has its own tests).
func (tg *target) deleteAtCleanup(t *testing.T, name string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := tg.client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			t.Logf("cleanup: DeleteTable %s: %v", name, err)
		}
	})
}

// waitTableActive waits with the SDK's TableExistsWaiter.
func (tg *target) waitTableActive(t *testing.T, name string) {
	t.Helper()
	w := dynamodb.NewTableExistsWaiter(tg.client, func(o *dynamodb.TableExistsWaiterOptions) {
		if tg.remote {
			o.MinDelay = 2 * time.Second
			o.MaxDelay = 10 * time.Second
		}
	})
	if err := w.Wait(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, tg.maxWait); err != nil {
		t.Fatalf("TableExistsWaiter %s: %v", name, err)
	}
}

// describe returns the table description.
func (tg *target) describe(t *testing.T, name string) *types.TableDescription {
	t.Helper()
	out, err := tg.client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatalf("DescribeTable %s: %v", name, err)
	}
	if out.Table == nil {
		t.Fatalf("DescribeTable %s: no Table in response", name)
	}
	return out.Table
}

// waitFor polls DescribeTable until cond holds, failing after tg.maxWait.
func (tg *target) waitFor(t *testing.T, name, what string, cond func(*types.TableDescription) bool) *types.TableDescription {
	t.Helper()
	deadline := time.Now().Add(tg.maxWait)
	for {
		d := tg.describe(t, name)
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("table %s: %s did not happen within %v", name, what, tg.maxWait)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("table %s: waiting for %s: %v", name, what, t.Context().Err())
		case <-time.After(tg.poll):
		}
	}
}

func findGSI(d *types.TableDescription, index string) *types.GlobalSecondaryIndexDescription {
	for i := range d.GlobalSecondaryIndexes {
		if aws.ToString(d.GlobalSecondaryIndexes[i].IndexName) == index {
			return &d.GlobalSecondaryIndexes[i]
		}
	}
	return nil
}

// ---------------------------------------------------------------------------
// Items

type item = map[string]types.AttributeValue

func avS(s string) types.AttributeValue  { return &types.AttributeValueMemberS{Value: s} }
func avN(n string) types.AttributeValue  { return &types.AttributeValueMemberN{Value: n} }
func avB(b []byte) types.AttributeValue  { return &types.AttributeValueMemberB{Value: b} }
func avBool(b bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: b} }
func avNull() types.AttributeValue       { return &types.AttributeValueMemberNULL{Value: true} }
func avL(vs ...types.AttributeValue) types.AttributeValue {
	if vs == nil {
		vs = []types.AttributeValue{}
	}
	return &types.AttributeValueMemberL{Value: vs}
}
func avM(m item) types.AttributeValue {
	if m == nil {
		m = item{}
	}
	return &types.AttributeValueMemberM{Value: m}
}
func avSS(ss ...string) types.AttributeValue {
	if ss == nil {
		ss = []string{}
	}
	return &types.AttributeValueMemberSS{Value: ss}
}
func avNS(ns ...string) types.AttributeValue {
	if ns == nil {
		ns = []string{}
	}
	return &types.AttributeValueMemberNS{Value: ns}
}
func avBS(bs ...[]byte) types.AttributeValue {
	if bs == nil {
		bs = [][]byte{}
	}
	return &types.AttributeValueMemberBS{Value: bs}
}

// avString renders v canonically: map keys sorted, set members sorted (sets
// are unordered in DynamoDB), binary as base64. Two values are equal exactly
// when their renderings are.
func avString(v types.AttributeValue) string {
	var sb strings.Builder
	writeAV(&sb, v)
	return sb.String()
}

func writeAV(sb *strings.Builder, v types.AttributeValue) {
	switch v := v.(type) {
	case nil:
		sb.WriteString("<nil>")
	case *types.AttributeValueMemberS:
		fmt.Fprintf(sb, "{S:%q}", v.Value)
	case *types.AttributeValueMemberN:
		fmt.Fprintf(sb, "{N:%s}", v.Value)
	case *types.AttributeValueMemberB:
		fmt.Fprintf(sb, "{B:%s}", base64.StdEncoding.EncodeToString(v.Value))
	case *types.AttributeValueMemberBOOL:
		fmt.Fprintf(sb, "{BOOL:%v}", v.Value)
	case *types.AttributeValueMemberNULL:
		fmt.Fprintf(sb, "{NULL:%v}", v.Value)
	case *types.AttributeValueMemberL:
		sb.WriteString("{L:[")
		for i, e := range v.Value {
			if i > 0 {
				sb.WriteString(",")
			}
			writeAV(sb, e)
		}
		sb.WriteString("]}")
	case *types.AttributeValueMemberM:
		sb.WriteString("{M:")
		sb.WriteString(itemString(v.Value))
		sb.WriteString("}")
	case *types.AttributeValueMemberSS:
		ss := append([]string{}, v.Value...)
		sort.Strings(ss)
		fmt.Fprintf(sb, "{SS:%q}", ss)
	case *types.AttributeValueMemberNS:
		ns := append([]string{}, v.Value...)
		sort.Strings(ns)
		fmt.Fprintf(sb, "{NS:%v}", ns)
	case *types.AttributeValueMemberBS:
		bs := make([]string, len(v.Value))
		for i, b := range v.Value {
			bs[i] = base64.StdEncoding.EncodeToString(b)
		}
		sort.Strings(bs)
		fmt.Fprintf(sb, "{BS:%v}", bs)
	default:
		fmt.Fprintf(sb, "{%T}", v)
	}
}

// itemString renders an item canonically (see avString).
func itemString(it item) string {
	if it == nil {
		return "<nil>"
	}
	keys := make([]string, 0, len(it))
	for k := range it {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%q: ", k)
		writeAV(&sb, it[k])
	}
	sb.WriteString("}")
	return sb.String()
}

func avEqual(a, b types.AttributeValue) bool { return avString(a) == avString(b) }

// requireItem fails unless got equals want (sets compared as sets). A nil
// want means "no item": got must be nil or empty.
func requireItem(t *testing.T, got, want item, what string) {
	t.Helper()
	if want == nil {
		if len(got) != 0 {
			t.Fatalf("%s: got %s, want no item", what, itemString(got))
		}
		return
	}
	if g, w := itemString(got), itemString(want); g != w {
		t.Fatalf("%s:\n got  %s\n want %s", what, g, w)
	}
}

// requireKeys fails unless it has exactly the attribute names in names.
func requireKeys(t *testing.T, it item, what string, names ...string) {
	t.Helper()
	got := make([]string, 0, len(it))
	for k := range it {
		got = append(got, k)
	}
	sort.Strings(got)
	want := append([]string{}, names...)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: attribute names %v, want %v (item %s)", what, got, want, itemString(it))
	}
}

// copyItem returns a shallow copy of it with extra attributes merged in.
func copyItem(it item, extra ...item) item {
	out := item{}
	for k, v := range it {
		out[k] = v
	}
	for _, e := range extra {
		for k, v := range e {
			out[k] = v
		}
	}
	return out
}

// put writes it to table and fails on error.
func (tg *target) put(t *testing.T, table string, it item) {
	t.Helper()
	if _, err := tg.client.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
		t.Fatalf("PutItem %s: %v", itemString(it), err)
	}
}

// get reads key from table with a strongly consistent read; nil when absent.
func (tg *target) get(t *testing.T, table string, key item) item {
	t.Helper()
	out, err := tg.client.GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem %s: %v", itemString(key), err)
	}
	return out.Item
}

// requireStored fails unless the item stored under key equals want (nil: absent).
func (tg *target) requireStored(t *testing.T, table string, key, want item) {
	t.Helper()
	requireItem(t, tg.get(t, table, key), want, "stored item "+itemString(key))
}

// batchPut writes items with BatchWriteItem in chunks of 25, retrying
// unprocessed items.
func (tg *target) batchPut(t *testing.T, table string, items []item) {
	t.Helper()
	for start := 0; start < len(items); start += 25 {
		end := min(start+25, len(items))
		var reqs []types.WriteRequest
		for _, it := range items[start:end] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
		pending := map[string][]types.WriteRequest{table: reqs}
		for attempt := 0; len(pending) > 0; attempt++ {
			if attempt > 20 {
				t.Fatalf("BatchWriteItem: items still unprocessed after %d attempts", attempt)
			}
			out, err := tg.client.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				t.Fatalf("BatchWriteItem: %v", err)
			}
			pending = out.UnprocessedItems
		}
	}
}

// ---------------------------------------------------------------------------
// Errors

// requireAPIError fails unless err is an API error with the given code whose
// message contains every fragment. It returns the error.
func requireAPIError(t *testing.T, err error, code string, fragments ...string) smithy.APIError {
	t.Helper()
	if err == nil {
		t.Fatalf("want %s, got success", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want API error %s, got %T: %v", code, err, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code %q (message %q), want %q", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	for _, f := range fragments {
		if !strings.Contains(ae.ErrorMessage(), f) {
			t.Fatalf("%s message %q does not contain %q", code, ae.ErrorMessage(), f)
		}
	}
	return ae
}

// requireValidation fails unless err is a ValidationException whose message
// contains every fragment.
func requireValidation(t *testing.T, err error, fragments ...string) {
	t.Helper()
	requireAPIError(t, err, "ValidationException", fragments...)
}

// requireConditionalFailed fails unless err is a
// ConditionalCheckFailedException with DynamoDB's message.
func requireConditionalFailed(t *testing.T, err error) *types.ConditionalCheckFailedException {
	t.Helper()
	requireAPIError(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("error %T is not *types.ConditionalCheckFailedException", err)
	}
	return ccf
}

// requireCanceled fails unless err is a TransactionCanceledException whose
// reason codes are exactly codes, in order, and whose message lists them as
// DynamoDB does.
func requireCanceled(t *testing.T, err error, codes ...string) *types.TransactionCanceledException {
	t.Helper()
	requireAPIError(t, err, "TransactionCanceledException",
		"Transaction cancelled, please refer cancellation reasons for specific reasons ["+strings.Join(codes, ", ")+"]")
	var tc *types.TransactionCanceledException
	if !errors.As(err, &tc) {
		t.Fatalf("error %T is not *types.TransactionCanceledException", err)
	}
	got := make([]string, len(tc.CancellationReasons))
	for i, r := range tc.CancellationReasons {
		got[i] = aws.ToString(r.Code)
	}
	if strings.Join(got, ",") != strings.Join(codes, ",") {
		t.Fatalf("CancellationReasons codes %v, want %v", got, codes)
	}
	return tc
}

// requireNotFound fails unless err is a ResourceNotFoundException.
func requireNotFound(t *testing.T, err error) {
	t.Helper()
	requireAPIError(t, err, "ResourceNotFoundException", "Requested resource not found")
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("error %T is not *types.ResourceNotFoundException", err)
	}
}

// requireNoErr fails on err.
func requireNoErr(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// sortedNames returns the keys of m sorted.
func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
