package table

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrSchemaMismatch is matched (errors.Is) by a *SchemaError.
var ErrSchemaMismatch = errors.New("table does not match hubstream's schema")

// ErrTableMissing reports that a table hubstream was told not to create
// does not exist.
var ErrTableMissing = errors.New("table does not exist")

// SchemaError lists every way a table differs from Definition. It matches
// ErrSchemaMismatch.
type SchemaError struct {
	Table    string
	Problems []string
}

// Error names the table and every problem, so that an operator can fix
// the table (or the template it came from) in one pass.
func (e *SchemaError) Error() string {
	return fmt.Sprintf("table %s does not match hubstream's schema (internal/table.Definition; deploy/template.yaml creates a matching one): %s",
		e.Table, strings.Join(e.Problems, "; "))
}

// Is reports target == ErrSchemaMismatch.
func (e *SchemaError) Is(target error) bool { return target == ErrSchemaMismatch }

// Compare returns how the described table differs from want in what
// hubstream relies on: the key schema and key attribute types, every index
// of want with its keys and projection, the stream and its view type, and
// (when ttl is not nil) time to live on AttrTTL. It returns nil when
// nothing differs. Billing mode, encryption, backups and extra indexes are
// the operator's choice and are not compared.
func Compare(want *dynamodb.CreateTableInput, have *types.TableDescription, ttl *types.TimeToLiveDescription) []string {
	if have == nil {
		return []string{"no table description"}
	}
	wantTypes := attrTypes(want.AttributeDefinitions)
	haveTypes := attrTypes(have.AttributeDefinitions)
	var problems []string
	problems = append(problems, compareKeys("the table", want.KeySchema, have.KeySchema, wantTypes, haveTypes)...)

	haveGSI := map[string]types.GlobalSecondaryIndexDescription{}
	for _, g := range have.GlobalSecondaryIndexes {
		haveGSI[aws.ToString(g.IndexName)] = g
	}
	for _, g := range want.GlobalSecondaryIndexes {
		name := aws.ToString(g.IndexName)
		h, ok := haveGSI[name]
		if !ok {
			problems = append(problems, fmt.Sprintf("global secondary index %s is missing", name))
			continue
		}
		what := "index " + name
		problems = append(problems, compareKeys(what, g.KeySchema, h.KeySchema, wantTypes, haveTypes)...)
		problems = append(problems, compareProjection(what, g.Projection, h.Projection)...)
		if h.IndexStatus == types.IndexStatusDeleting {
			problems = append(problems, what+" is being deleted")
		}
	}

	if ws := want.StreamSpecification; ws != nil && aws.ToBool(ws.StreamEnabled) {
		hs := have.StreamSpecification
		switch {
		case hs == nil || !aws.ToBool(hs.StreamEnabled):
			problems = append(problems, fmt.Sprintf("the stream is not enabled (want %s)", ws.StreamViewType))
		case hs.StreamViewType != ws.StreamViewType:
			problems = append(problems, fmt.Sprintf("the stream's view type is %s, want %s", hs.StreamViewType, ws.StreamViewType))
		}
	}

	if ttl != nil {
		on := ttl.TimeToLiveStatus == types.TimeToLiveStatusEnabled || ttl.TimeToLiveStatus == types.TimeToLiveStatusEnabling
		switch {
		case !on:
			problems = append(problems, fmt.Sprintf("time to live is %s, want it enabled on attribute %s", orNone(string(ttl.TimeToLiveStatus)), AttrTTL))
		case aws.ToString(ttl.AttributeName) != AttrTTL:
			problems = append(problems, fmt.Sprintf("time to live is on attribute %s, want %s", aws.ToString(ttl.AttributeName), AttrTTL))
		}
	}
	return problems
}

func attrTypes(defs []types.AttributeDefinition) map[string]types.ScalarAttributeType {
	m := make(map[string]types.ScalarAttributeType, len(defs))
	for _, d := range defs {
		m[aws.ToString(d.AttributeName)] = d.AttributeType
	}
	return m
}

func compareKeys(what string, want, have []types.KeySchemaElement, wantTypes, haveTypes map[string]types.ScalarAttributeType) []string {
	if keyString(want) != keyString(have) {
		return []string{fmt.Sprintf("%s's key schema is %s, want %s", what, keyString(have), keyString(want))}
	}
	var problems []string
	for _, k := range want {
		n := aws.ToString(k.AttributeName)
		if wt, ht := wantTypes[n], haveTypes[n]; wt != ht {
			problems = append(problems, fmt.Sprintf("%s's key attribute %s has type %s, want %s", what, n, orNone(string(ht)), wt))
		}
	}
	return problems
}

func keyString(ks []types.KeySchemaElement) string {
	if len(ks) == 0 {
		return "(none)"
	}
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("%s (%s)", aws.ToString(k.AttributeName), k.KeyType)
	}
	return strings.Join(parts, ", ")
}

func compareProjection(what string, want, have *types.Projection) []string {
	wt, ht := types.ProjectionTypeAll, types.ProjectionType("")
	if want != nil {
		wt = want.ProjectionType
	}
	if have != nil {
		ht = have.ProjectionType
	}
	if wt != ht {
		return []string{fmt.Sprintf("%s projects %s, want %s", what, orNone(string(ht)), wt)}
	}
	if wt != types.ProjectionTypeInclude {
		return nil
	}
	var missing []string
	got := map[string]bool{}
	for _, a := range have.NonKeyAttributes {
		got[a] = true
	}
	for _, a := range want.NonKeyAttributes {
		if !got[a] {
			missing = append(missing, a)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	sort.Strings(missing)
	return []string{fmt.Sprintf("%s does not project %s", what, strings.Join(missing, ", "))}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
