package ddblocal

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// Tagging limits from the developer guide's tagging restrictions.
const (
	maxTagsPerTable = 50
	maxTagKeyLen    = 128
	maxTagValueLen  = 256
	maxArnLen       = 1283
)

type wireTag struct {
	Key   *string `json:"Key"`
	Value *string `json:"Value"`
}

type tagResourceInput struct {
	ResourceArn *string   `json:"ResourceArn"`
	Tags        []wireTag `json:"Tags"`
}

type untagResourceInput struct {
	ResourceArn *string  `json:"ResourceArn"`
	TagKeys     []string `json:"TagKeys"`
}

type listTagsInput struct {
	ResourceArn *string `json:"ResourceArn"`
	NextToken   *string `json:"NextToken"`
}

type tagOut struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

type listTagsOutput struct {
	Tags []tagOut `json:"Tags"`
}

// resourceArn records the constraints of a ResourceArn member.
func (v *violations) resourceArn(arn *string) {
	switch {
	case arn == nil:
		v.null("resourceArn")
	case *arn == "":
		v.add(*arn, "resourceArn", "Member must have length greater than or equal to 1")
	case len(*arn) > maxArnLen:
		v.add(*arn, "resourceArn", "Member must have length less than or equal to 1283")
	}
}

// tagKeys records tag keys and values outside their length bounds, counted
// in characters.
func (v *violations) tags(tags []wireTag) {
	if tags == nil {
		v.null("tags")
		return
	}
	for i, t := range tags {
		member := "tags." + strconv.Itoa(i+1) + ".member"
		if t.Key == nil {
			v.null(member + ".key")
		} else {
			v.tagKey(*t.Key, member+".key")
		}
		switch {
		case t.Value == nil:
			v.null(member + ".value")
		case utf8.RuneCountInString(*t.Value) > maxTagValueLen:
			v.add(*t.Value, member+".value", "Member must have length less than or equal to 256")
		}
	}
}

// tagKey records a tag key outside its length bounds, counted in
// characters.
func (v *violations) tagKey(k, member string) {
	switch {
	case k == "":
		v.add(k, member, "Member must have length greater than or equal to 1")
	case utf8.RuneCountInString(k) > maxTagKeyLen:
		v.add(k, member, "Member must have length less than or equal to 128")
	}
}

// tableForArn resolves a table ARN of this engine's region and account to
// its live table.
func (e *Engine) tableForArn(arn string) (*table, *tableMeta, error) {
	prefix := "arn:aws:dynamodb:"
	rest, ok := strings.CutPrefix(arn, prefix)
	parts := strings.SplitN(rest, ":", 3)
	if !ok || len(parts) != 3 || !strings.HasPrefix(parts[2], "table/") || strings.Contains(parts[2][len("table/"):], "/") || parts[2] == "table/" {
		return nil, nil, ddberr.Validationf("Invalid TableArn: Invalid ResourceArn provided as input %s", arn)
	}
	notFound := ddberr.New(ddberr.ResourceNotFound, "Requested resource not found: ResourcArn: %s not found", arn)
	if parts[0] != e.opts.Region || parts[1] != e.opts.AccountID {
		return nil, nil, notFound
	}
	e.mu.RLock()
	t := e.tables[parts[2][len("table/"):]]
	e.mu.RUnlock()
	if t == nil {
		return nil, nil, notFound
	}
	return t, t.meta.Load(), nil
}

// tagResource adds or replaces tags on a table. The change is made under
// the commit lock and persisted with the table definition.
func (e *Engine) tagResource(ctx context.Context, body []byte) (any, error) {
	var in tagResourceInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v violations
	v.resourceArn(in.ResourceArn)
	v.tags(in.Tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	for _, t := range in.Tags {
		if strings.HasPrefix(*t.Key, "aws:") {
			return nil, invalidParam("Tag keys starting with 'aws:' are reserved for system use: %s", *t.Key)
		}
	}
	err := e.editTags(ctx, *in.ResourceArn, len(in.Tags), func(tags map[string]string) error {
		for _, tag := range in.Tags {
			tags[*tag.Key] = *tag.Value
		}
		if len(tags) > maxTagsPerTable {
			return ddberr.New(ddberr.LimitExceeded, "The number of tags on the resource would exceed the limit of %d", maxTagsPerTable)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rawJSON(`{}`), nil
}

// editTags applies edit to a copy of the tags of the table arn names and
// persists the result with the table definition, all under the commit
// lock; grow sizes the copy for the tags edit may add.
func (e *Engine) editTags(ctx context.Context, arn string, grow int, edit func(tags map[string]string) error) error {
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	t, old, err := e.tableForArn(arn)
	if err != nil {
		return err
	}
	m := old.clone()
	m.Tags = make(map[string]string, len(old.Tags)+grow)
	for k, val := range old.Tags {
		m.Tags[k] = val
	}
	if err := edit(m.Tags); err != nil {
		return err
	}
	if err := e.persistMeta(ctx, m); err != nil {
		return err
	}
	t.meta.Store(m)
	return nil
}

// untagResource removes tags by key; keys the table does not have are
// ignored, as in DynamoDB.
func (e *Engine) untagResource(ctx context.Context, body []byte) (any, error) {
	var in untagResourceInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v violations
	v.resourceArn(in.ResourceArn)
	if in.TagKeys == nil {
		v.null("tagKeys")
	}
	for i, k := range in.TagKeys {
		v.tagKey(k, "tagKeys."+strconv.Itoa(i+1)+".member")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	err := e.editTags(ctx, *in.ResourceArn, 0, func(tags map[string]string) error {
		for _, k := range in.TagKeys {
			delete(tags, k)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return rawJSON(`{}`), nil
}

// listTagsOfResource lists a table's tags sorted by key, all in one page
// (a table has at most 50).
func (e *Engine) listTagsOfResource(ctx context.Context, body []byte) (any, error) {
	var in listTagsInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	var v violations
	v.resourceArn(in.ResourceArn)
	if err := v.err(); err != nil {
		return nil, err
	}
	_, m, err := e.tableForArn(*in.ResourceArn)
	if err != nil {
		return nil, err
	}
	out := listTagsOutput{Tags: make([]tagOut, 0, len(m.Tags))}
	for k, val := range m.Tags {
		out.Tags = append(out.Tags, tagOut{k, val})
	}
	sort.Slice(out.Tags, func(i, j int) bool { return out.Tags[i].Key < out.Tags[j].Key })
	return out, nil
}

// describeLimits answers with DynamoDB's default account and table
// quotas for provisioned capacity; the engine enforces none of them.
func (e *Engine) describeLimits(ctx context.Context, body []byte) (any, error) {
	if err := decodeRequest(body, &struct{}{}); err != nil {
		return nil, err
	}
	return map[string]int64{
		"AccountMaxReadCapacityUnits":  80000,
		"AccountMaxWriteCapacityUnits": 80000,
		"TableMaxReadCapacityUnits":    40000,
		"TableMaxWriteCapacityUnits":   40000,
	}, nil
}

// hostKey carries the request's Host header to DescribeEndpoints.
type hostKey struct{}

// describeEndpoints names the engine itself as the endpoint to use, for
// clients with endpoint discovery turned on: the address they reached it
// at, cached for a day as DynamoDB's answer is.
func (e *Engine) describeEndpoints(ctx context.Context, body []byte) (any, error) {
	if err := decodeRequest(body, &struct{}{}); err != nil {
		return nil, err
	}
	addr, _ := ctx.Value(hostKey{}).(string)
	if addr == "" {
		addr = "dynamodb." + e.opts.Region + ".amazonaws.com"
	}
	return map[string]any{"Endpoints": []map[string]any{{"Address": addr, "CachePeriodInMinutes": 1440}}}, nil
}
