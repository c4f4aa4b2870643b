package ddblocal_test

import (
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestConformanceControlPlane covers CreateTable, DescribeTable, ListTables,
// DeleteTable, UpdateTable (GSI add/remove), UpdateTimeToLive and
// DescribeTimeToLive, and the SDK's TableExistsWaiter.
func TestConformanceControlPlane(t *testing.T) {
	t.Parallel()
	tg := newTarget(t)

	t.Run("CreateTable/validation", func(t *testing.T) {
		ks := func(elems ...string) []types.KeySchemaElement {
			return namedPairs(elems, func(n, k string) types.KeySchemaElement {
				return types.KeySchemaElement{AttributeName: aws.String(n), KeyType: types.KeyType(k)}
			})
		}
		ad := func(elems ...string) []types.AttributeDefinition {
			return namedPairs(elems, func(n, k string) types.AttributeDefinition {
				return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeType(k)}
			})
		}
		all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
		cases := []struct {
			name      string
			in        dynamodb.CreateTableInput
			fragments []string
		}{
			{
				name:      "key attribute not defined",
				in:        dynamodb.CreateTableInput{KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("other:S")},
				fragments: []string{"One or more parameter values were invalid"},
			},
			{
				name:      "attribute definition not used by any key",
				in:        dynamodb.CreateTableInput{KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("pk:S", "extra:S")},
				fragments: []string{"Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
			},
			{
				name:      "first key element is RANGE",
				in:        dynamodb.CreateTableInput{KeySchema: ks("pk:RANGE"), AttributeDefinitions: ad("pk:S")},
				fragments: []string{"Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
			},
			{
				name:      "two HASH elements",
				in:        dynamodb.CreateTableInput{KeySchema: ks("pk:HASH", "sk:HASH"), AttributeDefinitions: ad("pk:S", "sk:S")},
				fragments: []string{"Invalid KeySchema"},
			},
			{
				name:      "same attribute as hash and range",
				in:        dynamodb.CreateTableInput{KeySchema: ks("pk:HASH", "pk:RANGE"), AttributeDefinitions: ad("pk:S")},
				fragments: []string{"Invalid KeySchema"},
			},
			{
				name:      "three key elements",
				in:        dynamodb.CreateTableInput{KeySchema: ks("pk:HASH", "sk:RANGE", "tk:RANGE"), AttributeDefinitions: ad("pk:S", "sk:S", "tk:S")},
				fragments: []string{"Member must have length less than or equal to 2"},
			},
			{
				name:      "attribute type not S N or B",
				in:        dynamodb.CreateTableInput{KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("pk:BOOL")},
				fragments: []string{"Member must satisfy enum value set"},
			},
			{
				name: "GSI key attribute not defined",
				in: dynamodb.CreateTableInput{
					KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("pk:S"),
					GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"), KeySchema: ks("g:HASH"), Projection: all}},
				},
				fragments: []string{"One or more parameter values were invalid"},
			},
			{
				name: "duplicate GSI names",
				in: dynamodb.CreateTableInput{
					KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("pk:S", "g:S"),
					GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
						{IndexName: aws.String("byG"), KeySchema: ks("g:HASH"), Projection: all},
						{IndexName: aws.String("byG"), KeySchema: ks("g:HASH"), Projection: all},
					},
				},
			},
			{
				name: "LSI on a table without a sort key",
				in: dynamodb.CreateTableInput{
					KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("pk:S", "l:S"),
					LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byL"), KeySchema: ks("pk:HASH", "l:RANGE"), Projection: all}},
				},
			},
			{
				name: "LSI with a different hash key",
				in: dynamodb.CreateTableInput{
					KeySchema: ks("pk:HASH", "sk:RANGE"), AttributeDefinitions: ad("pk:S", "sk:S", "other:S", "l:S"),
					LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byL"), KeySchema: ks("other:HASH", "l:RANGE"), Projection: all}},
				},
			},
			{
				name: "KEYS_ONLY projection with NonKeyAttributes",
				in: dynamodb.CreateTableInput{
					KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("pk:S", "g:S"),
					GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
						IndexName: aws.String("byG"), KeySchema: ks("g:HASH"),
						Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly, NonKeyAttributes: []string{"x"}},
					}},
				},
			},
			{
				name:      "table name too short",
				in:        dynamodb.CreateTableInput{TableName: aws.String("ab"), KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("pk:S")},
				fragments: []string{"Member must have length greater than or equal to 3"},
			},
			{
				name:      "table name with invalid characters",
				in:        dynamodb.CreateTableInput{TableName: aws.String("conf bad!name"), KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("pk:S")},
				fragments: []string{"Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"},
			},
			{
				name: "PROVISIONED without ProvisionedThroughput",
				in: dynamodb.CreateTableInput{
					KeySchema: ks("pk:HASH"), AttributeDefinitions: ad("pk:S"), BillingMode: types.BillingModeProvisioned,
				},
			},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				in := tc.in
				if in.TableName == nil {
					in.TableName = aws.String(uniqueTableName())
				}
				if in.BillingMode == "" {
					in.BillingMode = types.BillingModePayPerRequest
				}
				_, err := tg.client.CreateTable(t.Context(), &in)
				if err == nil {
					tg.deleteAtCleanup(t, *in.TableName)
				}
				requireValidation(t, err, tc.fragments...)
				// Nothing was created.
				if len(*in.TableName) >= 3 && !strings.ContainsAny(*in.TableName, " !") {
					_, err = tg.client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: in.TableName})
					requireNotFound(t, err)
				}
			})
		}
	})

	t.Run("CreateTable/duplicate name", func(t *testing.T) {
		def := tableDef{hash: keyS("pk")}
		name := tg.createTable(t, def)
		_, err := tg.client.CreateTable(t.Context(), def.input(name))
		requireAPIError(t, err, "ResourceInUseException", "Table already exists")
		var riu *types.ResourceInUseException
		if !errors.As(err, &riu) {
			t.Fatalf("error %T is not *types.ResourceInUseException", err)
		}
	})

	t.Run("CreateTable/response", func(t *testing.T) {
		name := uniqueTableName()
		out, err := tg.client.CreateTable(t.Context(), tableDef{hash: keyS("pk"), rng: rangeKey(keyN("sk"))}.input(name))
		requireNoErr(t, err, "CreateTable")
		tg.deleteAtCleanup(t, name)
		d := out.TableDescription
		if d == nil {
			t.Fatal("CreateTable returned no TableDescription")
		}
		if aws.ToString(d.TableName) != name {
			t.Errorf("TableName %q, want %q", aws.ToString(d.TableName), name)
		}
		if d.TableStatus != types.TableStatusCreating && d.TableStatus != types.TableStatusActive {
			t.Errorf("TableStatus %q, want CREATING or ACTIVE", d.TableStatus)
		}
		requireKeySchema(t, d.KeySchema, "pk:HASH", "sk:RANGE")
		tg.waitTableActive(t, name)
	})

	t.Run("DescribeTable", func(t *testing.T) {
		def := tableDef{
			hash: keyS("pk"), rng: rangeKey(keyN("sk")),
			gsis: []indexDef{
				{name: "byG", hash: keyS("gpk"), rng: rangeKey(keyN("gsk"))},
				{name: "byGKeys", hash: keyS("gpk"), projection: types.ProjectionTypeKeysOnly},
				{name: "byGInc", hash: keyB("gb"), projection: types.ProjectionTypeInclude, include: []string{"x", "y"}},
			},
			lsis: []indexDef{{name: "byL", hash: keyS("pk"), rng: rangeKey(keyS("lsk")), projection: types.ProjectionTypeKeysOnly}},
		}
		before := time.Now()
		name := tg.createTable(t, def)
		d := tg.describe(t, name)

		if aws.ToString(d.TableName) != name {
			t.Errorf("TableName %q, want %q", aws.ToString(d.TableName), name)
		}
		if d.TableStatus != types.TableStatusActive {
			t.Errorf("TableStatus %q, want ACTIVE", d.TableStatus)
		}
		requireKeySchema(t, d.KeySchema, "pk:HASH", "sk:RANGE")
		var defs []string
		for _, a := range d.AttributeDefinitions {
			defs = append(defs, aws.ToString(a.AttributeName)+":"+string(a.AttributeType))
		}
		sort.Strings(defs)
		if got, want := strings.Join(defs, ","), "gb:B,gpk:S,gsk:N,lsk:S,pk:S,sk:N"; got != want {
			t.Errorf("AttributeDefinitions %s, want %s", got, want)
		}
		if !strings.HasPrefix(aws.ToString(d.TableArn), "arn:aws:dynamodb:") || !strings.HasSuffix(aws.ToString(d.TableArn), ":table/"+name) {
			t.Errorf("TableArn %q is not arn:aws:dynamodb:<region>:<account>:table/%s", aws.ToString(d.TableArn), name)
		}
		if d.ItemCount == nil || *d.ItemCount != 0 {
			t.Errorf("ItemCount %v, want 0 on a new table", d.ItemCount)
		}
		if d.TableSizeBytes == nil || *d.TableSizeBytes != 0 {
			t.Errorf("TableSizeBytes %v, want 0 on a new table", d.TableSizeBytes)
		}
		if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
			t.Errorf("BillingModeSummary %+v, want PAY_PER_REQUEST", d.BillingModeSummary)
		}
		if d.CreationDateTime == nil {
			t.Errorf("CreationDateTime missing")
		} else if c := *d.CreationDateTime; c.Before(before.Add(-24*time.Hour)) || c.After(time.Now().Add(24*time.Hour)) {
			t.Errorf("CreationDateTime %v is not near now (%v)", c, before)
		}

		if len(d.GlobalSecondaryIndexes) != 3 {
			t.Fatalf("%d GlobalSecondaryIndexes, want 3", len(d.GlobalSecondaryIndexes))
		}
		wantGSI := map[string]struct {
			keys    []string
			proj    types.ProjectionType
			include []string
		}{
			"byG":     {[]string{"gpk:HASH", "gsk:RANGE"}, types.ProjectionTypeAll, nil},
			"byGKeys": {[]string{"gpk:HASH"}, types.ProjectionTypeKeysOnly, nil},
			"byGInc":  {[]string{"gb:HASH"}, types.ProjectionTypeInclude, []string{"x", "y"}},
		}
		for name, w := range wantGSI {
			g := findGSI(d, name)
			if g == nil {
				t.Errorf("GSI %s missing from DescribeTable", name)
				continue
			}
			if g.IndexStatus != types.IndexStatusActive {
				t.Errorf("GSI %s IndexStatus %q, want ACTIVE", name, g.IndexStatus)
			}
			requireKeySchema(t, g.KeySchema, w.keys...)
			if g.Projection == nil || g.Projection.ProjectionType != w.proj {
				t.Errorf("GSI %s projection %+v, want %s", name, g.Projection, w.proj)
			} else {
				nk := append([]string{}, g.Projection.NonKeyAttributes...)
				sort.Strings(nk)
				if strings.Join(nk, ",") != strings.Join(w.include, ",") {
					t.Errorf("GSI %s NonKeyAttributes %v, want %v", name, nk, w.include)
				}
			}
			if !strings.HasSuffix(aws.ToString(g.IndexArn), ":table/"+aws.ToString(d.TableName)+"/index/"+name) {
				t.Errorf("GSI %s IndexArn %q", name, aws.ToString(g.IndexArn))
			}
		}
		if len(d.LocalSecondaryIndexes) != 1 {
			t.Fatalf("%d LocalSecondaryIndexes, want 1", len(d.LocalSecondaryIndexes))
		}
		l := d.LocalSecondaryIndexes[0]
		if aws.ToString(l.IndexName) != "byL" {
			t.Errorf("LSI name %q, want byL", aws.ToString(l.IndexName))
		}
		requireKeySchema(t, l.KeySchema, "pk:HASH", "lsk:RANGE")
		if l.Projection == nil || l.Projection.ProjectionType != types.ProjectionTypeKeysOnly {
			t.Errorf("LSI projection %+v, want KEYS_ONLY", l.Projection)
		}

		// ItemCount is refreshed by DynamoDB only about every six hours, so
		// after writes it may still read 0; it must never read anything but
		// 0 or the true count.
		for i := range 3 {
			tg.put(t, name, item{"pk": avS("p"), "sk": avN(string(rune('1' + i)))})
		}
		if c := tg.describe(t, name).ItemCount; c == nil || (*c != 0 && *c != 3) {
			t.Errorf("ItemCount after 3 puts = %v, want 3 (or 0 before DynamoDB's periodic refresh)", c)
		}
	})

	t.Run("DescribeTable/missing", func(t *testing.T) {
		_, err := tg.client.DescribeTable(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(uniqueTableName())})
		requireNotFound(t, err)
	})

	t.Run("ListTables", func(t *testing.T) {
		prefix := uniqueTableName()
		names := []string{prefix + "_a", prefix + "_b", prefix + "_c"}
		for _, n := range names {
			tg.createTableNamed(t, n, tableDef{hash: keyS("pk")})
		}

		t.Run("Limit and ExclusiveStartTableName", func(t *testing.T) {
			out, err := tg.client.ListTables(t.Context(), &dynamodb.ListTablesInput{
				ExclusiveStartTableName: aws.String(prefix), Limit: aws.Int32(2),
			})
			requireNoErr(t, err, "ListTables")
			if strings.Join(out.TableNames, ",") != names[0]+","+names[1] {
				t.Fatalf("first page %v, want %v", out.TableNames, names[:2])
			}
			if aws.ToString(out.LastEvaluatedTableName) != names[1] {
				t.Fatalf("LastEvaluatedTableName %q, want %q", aws.ToString(out.LastEvaluatedTableName), names[1])
			}
			out, err = tg.client.ListTables(t.Context(), &dynamodb.ListTablesInput{
				ExclusiveStartTableName: out.LastEvaluatedTableName, Limit: aws.Int32(2),
			})
			requireNoErr(t, err, "ListTables page 2")
			if len(out.TableNames) == 0 || out.TableNames[0] != names[2] {
				t.Fatalf("second page %v, want it to start with %s", out.TableNames, names[2])
			}
			if len(out.TableNames) > 2 {
				t.Fatalf("second page has %d names, Limit was 2", len(out.TableNames))
			}
		})

		t.Run("paginator lists every table once in order", func(t *testing.T) {
			p := dynamodb.NewListTablesPaginator(tg.client, &dynamodb.ListTablesInput{Limit: aws.Int32(1)})
			var all []string
			for pages := 0; p.HasMorePages(); pages++ {
				if pages > 10000 {
					t.Fatal("ListTables paginator did not terminate")
				}
				out, err := p.NextPage(t.Context())
				requireNoErr(t, err, "ListTables page")
				if len(out.TableNames) > 1 {
					t.Fatalf("page of %d names with Limit 1", len(out.TableNames))
				}
				all = append(all, out.TableNames...)
			}
			if !sort.StringsAreSorted(all) {
				t.Fatalf("table names not in ascending order: %v", all)
			}
			seen := map[string]int{}
			for _, n := range all {
				seen[n]++
			}
			for _, n := range names {
				if seen[n] != 1 {
					t.Errorf("table %s listed %d times, want once", n, seen[n])
				}
			}
		})
	})

	t.Run("DeleteTable", func(t *testing.T) {
		def := tableDef{hash: keyS("pk")}
		name := tg.createTable(t, def)
		tg.put(t, name, item{"pk": avS("a")})
		out, err := tg.client.DeleteTable(t.Context(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		requireNoErr(t, err, "DeleteTable")
		if out.TableDescription == nil || aws.ToString(out.TableDescription.TableName) != name {
			t.Fatalf("DeleteTable TableDescription %+v, want table %s", out.TableDescription, name)
		}
		if out.TableDescription.TableStatus != types.TableStatusDeleting {
			t.Errorf("DeleteTable TableStatus %q, want DELETING", out.TableDescription.TableStatus)
		}
		w := dynamodb.NewTableNotExistsWaiter(tg.client, func(o *dynamodb.TableNotExistsWaiterOptions) {
			if tg.remote {
				o.MinDelay = 2 * time.Second
			}
		})
		requireNoErr(t, w.Wait(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, tg.maxWait), "TableNotExistsWaiter")

		_, err = tg.client.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(name), Key: item{"pk": avS("a")}})
		requireNotFound(t, err)
		_, err = tg.client.DeleteTable(t.Context(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		requireNotFound(t, err)

		// The name can be reused, and the new table starts empty.
		tg.createTableNamed(t, name, def)
		tg.requireStored(t, name, item{"pk": avS("a")}, nil)
	})

	t.Run("UpdateTable/GSI lifecycle", func(t *testing.T) {
		name := tg.createTable(t, tableDef{hash: keyS("pk")})
		tg.put(t, name, item{"pk": avS("1"), "g": avS("x"), "v": avN("1")})
		tg.put(t, name, item{"pk": avS("2"), "g": avS("x"), "v": avN("2")})
		tg.put(t, name, item{"pk": avS("3"), "g": avS("y"), "v": avN("3")})
		tg.put(t, name, item{"pk": avS("4"), "v": avN("4")}) // no index key: sparse

		_, err := tg.client.UpdateTable(t.Context(), &dynamodb.UpdateTableInput{
			TableName: aws.String(name),
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			},
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName:  aws.String("byG"),
				KeySchema:  keySchema(keyS("g"), nil),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			}}},
		})
		requireNoErr(t, err, "UpdateTable create GSI")
		tg.waitFor(t, name, "GSI byG ACTIVE", func(d *types.TableDescription) bool {
			g := findGSI(d, "byG")
			return g != nil && g.IndexStatus == types.IndexStatusActive && !aws.ToBool(g.Backfilling)
		})
		tg.put(t, name, item{"pk": avS("5"), "g": avS("x"), "v": avN("5")}) // written after creation

		out, err := tg.client.Query(t.Context(), &dynamodb.QueryInput{
			TableName: aws.String(name), IndexName: aws.String("byG"),
			KeyConditionExpression:    aws.String("g = :g"),
			ExpressionAttributeValues: item{":g": avS("x")},
		})
		requireNoErr(t, err, "Query new GSI")
		var pks []string
		for _, it := range out.Items {
			pks = append(pks, it["pk"].(*types.AttributeValueMemberS).Value)
			if _, ok := it["v"]; !ok {
				t.Errorf("ALL projection item lacks v: %s", itemString(it))
			}
		}
		sort.Strings(pks)
		if strings.Join(pks, ",") != "1,2,5" {
			t.Fatalf("new GSI returned pks %v, want [1 2 5] (existing items must be backfilled)", pks)
		}

		// Creating an index that already exists is rejected.
		_, err = tg.client.UpdateTable(t.Context(), &dynamodb.UpdateTableInput{
			TableName: aws.String(name),
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
			},
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
				IndexName:  aws.String("byG"),
				KeySchema:  keySchema(keyS("g"), nil),
				Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
			}}},
		})
		requireValidation(t, err)

		_, err = tg.client.UpdateTable(t.Context(), &dynamodb.UpdateTableInput{
			TableName: aws.String(name),
			GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{
				IndexName: aws.String("byG"),
			}}},
		})
		requireNoErr(t, err, "UpdateTable delete GSI")
		tg.waitFor(t, name, "GSI byG removed", func(d *types.TableDescription) bool { return findGSI(d, "byG") == nil })
		_, err = tg.client.Query(t.Context(), &dynamodb.QueryInput{
			TableName: aws.String(name), IndexName: aws.String("byG"),
			KeyConditionExpression:    aws.String("g = :g"),
			ExpressionAttributeValues: item{":g": avS("x")},
		})
		requireValidation(t, err, "The table does not have the specified index")
		// The table's own data is untouched.
		tg.requireStored(t, name, item{"pk": avS("1")}, item{"pk": avS("1"), "g": avS("x"), "v": avN("1")})
	})

	t.Run("UpdateTable/missing table", func(t *testing.T) {
		_, err := tg.client.UpdateTable(t.Context(), &dynamodb.UpdateTableInput{
			TableName:   aws.String(uniqueTableName()),
			BillingMode: types.BillingModePayPerRequest,
		})
		requireNotFound(t, err)
	})

	t.Run("TimeToLive", func(t *testing.T) {
		name := tg.createTable(t, tableDef{hash: keyS("pk")})
		d, err := tg.client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		requireNoErr(t, err, "DescribeTimeToLive")
		if d.TimeToLiveDescription == nil || d.TimeToLiveDescription.TimeToLiveStatus != types.TimeToLiveStatusDisabled {
			t.Fatalf("initial TimeToLiveDescription %+v, want DISABLED", d.TimeToLiveDescription)
		}

		u, err := tg.client.UpdateTimeToLive(t.Context(), &dynamodb.UpdateTimeToLiveInput{
			TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{
				AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true),
			},
		})
		requireNoErr(t, err, "UpdateTimeToLive")
		if s := u.TimeToLiveSpecification; s == nil || aws.ToString(s.AttributeName) != "expiresAt" || !aws.ToBool(s.Enabled) {
			t.Fatalf("UpdateTimeToLive returned %+v, want expiresAt enabled", s)
		}

		d, err = tg.client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
		requireNoErr(t, err, "DescribeTimeToLive")
		ttl := d.TimeToLiveDescription
		if ttl == nil || (ttl.TimeToLiveStatus != types.TimeToLiveStatusEnabled && ttl.TimeToLiveStatus != types.TimeToLiveStatusEnabling) {
			t.Fatalf("TimeToLiveDescription %+v, want ENABLED (or ENABLING)", ttl)
		}
		if aws.ToString(ttl.AttributeName) != "expiresAt" {
			t.Fatalf("TTL AttributeName %q, want expiresAt", aws.ToString(ttl.AttributeName))
		}

		// Enabling again (already enabled, and within the hour) is rejected.
		_, err = tg.client.UpdateTimeToLive(t.Context(), &dynamodb.UpdateTimeToLiveInput{
			TableName: aws.String(name),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{
				AttributeName: aws.String("expiresAt"), Enabled: aws.Bool(true),
			},
		})
		requireValidation(t, err)

		_, err = tg.client.DescribeTimeToLive(t.Context(), &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(uniqueTableName())})
		requireNotFound(t, err)
	})

	t.Run("TableExistsWaiter", func(t *testing.T) {
		name := uniqueTableName()
		_, err := tg.client.CreateTable(t.Context(), tableDef{hash: keyS("pk"), gsis: []indexDef{{name: "byG", hash: keyN("g")}}}.input(name))
		requireNoErr(t, err, "CreateTable")
		tg.deleteAtCleanup(t, name)
		// The waiter's defaults (20 s minimum delay) make a table that is not
		// ACTIVE at the first DescribeTable exceed the in-process budget.
		w := dynamodb.NewTableExistsWaiter(tg.client)
		out, err := w.WaitForOutput(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(name)}, tg.maxWait)
		requireNoErr(t, err, "TableExistsWaiter")
		if out.Table == nil || out.Table.TableStatus != types.TableStatusActive {
			t.Fatalf("waiter output %+v, want ACTIVE table", out.Table)
		}
		if g := findGSI(out.Table, "byG"); g == nil || g.IndexStatus != types.IndexStatusActive {
			t.Fatalf("GSI created with the table is %+v once the table is ACTIVE, want ACTIVE", g)
		}
	})
}

// requireKeySchema fails unless ks is exactly the name:TYPE elements given,
// in order.
func requireKeySchema(t *testing.T, ks []types.KeySchemaElement, want ...string) {
	t.Helper()
	var got []string
	for _, k := range ks {
		got = append(got, aws.ToString(k.AttributeName)+":"+string(k.KeyType))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("KeySchema %v, want %v", got, want)
	}
}

// namedPairs builds one element with mk for each "name:TYPE" of elems.
func namedPairs[T any](elems []string, mk func(name, typ string) T) []T {
	var out []T
	for _, e := range elems {
		n, k, _ := strings.Cut(e, ":")
		out = append(out, mk(n, k))
	}
	return out
}
