package ddblocal_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestConformanceTagging covers TagResource, UntagResource and
// ListTagsOfResource.
func TestConformanceTagging(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	table := tg.createTable(t, tableDef{hash: keyS("pk")})
	arn := tg.describe(t, table).TableArn

	listTags := func(t *testing.T) string {
		t.Helper()
		out, err := tg.client.ListTagsOfResource(t.Context(), &dynamodb.ListTagsOfResourceInput{ResourceArn: arn})
		requireNoErr(t, err, "ListTagsOfResource")
		var pairs []string
		for _, tag := range out.Tags {
			pairs = append(pairs, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
		}
		return strings.Join(pairs, ",")
	}
	tag := func(k, v string) types.Tag { return types.Tag{Key: aws.String(k), Value: aws.String(v)} }

	t.Run("tag, retag, untag", func(t *testing.T) {
		if got := listTags(t); got != "" {
			t.Fatalf("new table has tags %q", got)
		}
		_, err := tg.client.TagResource(t.Context(), &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{tag("team", "core"), tag("env", "test"), tag("empty", "")}})
		requireNoErr(t, err, "TagResource")
		if got := listTags(t); got != "empty=,env=test,team=core" {
			t.Fatalf("tags %q", got)
		}
		_, err = tg.client.TagResource(t.Context(), &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{tag("env", "prod")}})
		requireNoErr(t, err, "TagResource")
		_, err = tg.client.UntagResource(t.Context(), &dynamodb.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"team", "never-set"}})
		requireNoErr(t, err, "UntagResource")
		if got := listTags(t); got != "empty=,env=prod" {
			t.Fatalf("tags after retag and untag %q", got)
		}
	})

	t.Run("CreateTable tags", func(t *testing.T) {
		name := uniqueTableName()
		in := tableDef{hash: keyS("pk")}.input(name)
		in.Tags = []types.Tag{tag("owner", "me")}
		out, err := tg.client.CreateTable(t.Context(), in)
		requireNoErr(t, err, "CreateTable")
		tg.deleteAtCleanup(t, name)
		tg.waitTableActive(t, name)
		l, err := tg.client.ListTagsOfResource(t.Context(), &dynamodb.ListTagsOfResourceInput{ResourceArn: out.TableDescription.TableArn})
		requireNoErr(t, err, "ListTagsOfResource")
		if len(l.Tags) != 1 || aws.ToString(l.Tags[0].Key) != "owner" || aws.ToString(l.Tags[0].Value) != "me" {
			t.Fatalf("tags %+v, want owner=me", l.Tags)
		}
	})

	t.Run("errors", func(t *testing.T) {
		missing := strings.Replace(aws.ToString(arn), table, uniqueTableName(), 1)
		cases := []struct {
			name string
			call func() error
			code string
			msg  string
		}{
			{"missing table", func() error {
				_, err := tg.client.TagResource(t.Context(), &dynamodb.TagResourceInput{ResourceArn: aws.String(missing), Tags: []types.Tag{tag("a", "b")}})
				return err
			}, "ResourceNotFoundException", "Requested resource not found: ResourcArn: " + missing + " not found"},
			{"list on a missing table", func() error {
				_, err := tg.client.ListTagsOfResource(t.Context(), &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(missing)})
				return err
			}, "ResourceNotFoundException", "Requested resource not found: ResourcArn: " + missing + " not found"},
			{"not an ARN", func() error {
				_, err := tg.client.ListTagsOfResource(t.Context(), &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String("not-an-arn")})
				return err
			}, "ValidationException", "Invalid TableArn: Invalid ResourceArn provided as input not-an-arn"},
			{"key too long", func() error {
				_, err := tg.client.TagResource(t.Context(), &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{tag(strings.Repeat("k", 129), "v")}})
				return err
			}, "ValidationException", "1 validation error detected: Value '" + strings.Repeat("k", 129) + "' at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"},
			{"empty key and long value", func() error {
				_, err := tg.client.TagResource(t.Context(), &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{tag("", strings.Repeat("v", 257))}})
				return err
			}, "ValidationException", "2 validation errors detected: Value '' at 'tags.1.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '" + strings.Repeat("v", 257) + "' at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				requireExactError(t, c.call(), c.code, c.msg)
			})
		}
	})

	t.Run("at most 50 tags", func(t *testing.T) {
		var tags []types.Tag
		for i := range 51 {
			tags = append(tags, tag("k"+strings.Repeat("x", i), "v"))
		}
		name := tg.createTable(t, tableDef{hash: keyS("pk")})
		_, err := tg.client.TagResource(t.Context(), &dynamodb.TagResourceInput{ResourceArn: tg.describe(t, name).TableArn, Tags: tags})
		requireAPIError(t, err, "LimitExceededException")
	})
}

// TestConformanceDescribeCalls covers DescribeLimits and DescribeEndpoints.
func TestConformanceDescribeCalls(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	t.Run("DescribeLimits", func(t *testing.T) {
		out, err := tg.client.DescribeLimits(t.Context(), &dynamodb.DescribeLimitsInput{})
		requireNoErr(t, err, "DescribeLimits")
		for name, v := range map[string]*int64{"AccountMaxReadCapacityUnits": out.AccountMaxReadCapacityUnits, "AccountMaxWriteCapacityUnits": out.AccountMaxWriteCapacityUnits,
			"TableMaxReadCapacityUnits": out.TableMaxReadCapacityUnits, "TableMaxWriteCapacityUnits": out.TableMaxWriteCapacityUnits} {
			if v == nil || *v <= 0 {
				t.Fatalf("%s = %v, want a positive limit", name, v)
			}
		}
		if *out.TableMaxReadCapacityUnits > *out.AccountMaxReadCapacityUnits {
			t.Fatalf("table read limit %d above the account's %d", *out.TableMaxReadCapacityUnits, *out.AccountMaxReadCapacityUnits)
		}
	})
	t.Run("DescribeEndpoints", func(t *testing.T) {
		out, err := tg.client.DescribeEndpoints(t.Context(), &dynamodb.DescribeEndpointsInput{})
		requireNoErr(t, err, "DescribeEndpoints")
		if len(out.Endpoints) != 1 || aws.ToString(out.Endpoints[0].Address) == "" || out.Endpoints[0].CachePeriodInMinutes <= 0 {
			t.Fatalf("Endpoints %+v, want one address with a cache period", out.Endpoints)
		}
		if !tg.remote && aws.ToString(out.Endpoints[0].Address) != "ddblocal" {
			t.Fatalf("Address %q, want the host the client reached (ddblocal)", aws.ToString(out.Endpoints[0].Address))
		}
	})
}

// TestConformanceTimeToLiveInterval: a table's TimeToLive may change once
// an hour.
func TestConformanceTimeToLiveInterval(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)
	name := tg.createTable(t, tableDef{hash: keyS("pk")})
	update := func(enabled bool) error { return tg.updateTTL(t, name, "exp", enabled) }
	requireNoErr(t, update(true), "enable")
	requireExactError(t, update(false), "ValidationException", "Time to live has been modified multiple times within a fixed interval")
	requireExactError(t, update(true), "ValidationException", "TimeToLive is already enabled")
}
