package deploy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hubstream/hubstream/deploy"
	"github.com/hubstream/hubstream/internal/lambdaprojector"
	"github.com/hubstream/hubstream/internal/table"
)

func load(t *testing.T) *deploy.Template {
	t.Helper()
	tpl, err := deploy.Load()
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// one returns the only resource of type typ.
func one(t *testing.T, tpl *deploy.Template, typ string) (string, deploy.Resource) {
	t.Helper()
	names := tpl.ResourcesOfType(typ)
	if len(names) != 1 {
		t.Fatalf("%d resources of type %s (%v), want 1", len(names), typ, names)
	}
	return names[0], tpl.Resources[names[0]]
}

// str follows a path of map keys and returns the string found.
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func list(v any) []any { l, _ := v.([]any); return l }

// TestTableIsTheCodesTable turns the template's table into the
// description DynamoDB would give of it and compares it with
// table.Definition through table.Compare — the check the server and the
// projector make at start — and then requires the rest of what the issue
// asks of a production table.
func TestTableIsTheCodesTable(t *testing.T) {
	tpl := load(t)
	name, res := one(t, tpl, "AWS::DynamoDB::Table")
	p := res.Properties
	desc := &types.TableDescription{TableName: aws.String(name)}
	for _, d := range list(p["AttributeDefinitions"]) {
		desc.AttributeDefinitions = append(desc.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(get(d, "AttributeName").(string)), AttributeType: types.ScalarAttributeType(get(d, "AttributeType").(string)),
		})
	}
	keys := func(v any) []types.KeySchemaElement {
		var out []types.KeySchemaElement
		for _, k := range list(v) {
			out = append(out, types.KeySchemaElement{AttributeName: aws.String(get(k, "AttributeName").(string)), KeyType: types.KeyType(get(k, "KeyType").(string))})
		}
		return out
	}
	desc.KeySchema = keys(p["KeySchema"])
	for _, g := range list(p["GlobalSecondaryIndexes"]) {
		gd := types.GlobalSecondaryIndexDescription{IndexName: aws.String(get(g, "IndexName").(string)), KeySchema: keys(get(g, "KeySchema")),
			Projection: &types.Projection{ProjectionType: types.ProjectionType(fmt.Sprint(get(g, "Projection", "ProjectionType")))}}
		for _, a := range list(get(g, "Projection", "NonKeyAttributes")) {
			gd.Projection.NonKeyAttributes = append(gd.Projection.NonKeyAttributes, a.(string))
		}
		desc.GlobalSecondaryIndexes = append(desc.GlobalSecondaryIndexes, gd)
	}
	if vt, ok := get(p, "StreamSpecification", "StreamViewType").(string); ok {
		desc.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(vt)}
	}
	ttl := &types.TimeToLiveDescription{TimeToLiveStatus: types.TimeToLiveStatusDisabled}
	if get(p, "TimeToLiveSpecification", "Enabled") == true {
		ttl = &types.TimeToLiveDescription{TimeToLiveStatus: types.TimeToLiveStatusEnabled, AttributeName: aws.String(fmt.Sprint(get(p, "TimeToLiveSpecification", "AttributeName")))}
	}
	want := table.Definition(name)
	if problems := table.Compare(want, desc, ttl); len(problems) > 0 {
		t.Fatalf("the template's table differs from internal/table:\n%s", strings.Join(problems, "\n"))
	}

	// Exactly the code's indexes and attributes: an index the code does
	// not define is cost and write amplification nobody asked for.
	var gotGSIs, wantGSIs, gotAttrs, wantAttrs []string
	for _, g := range desc.GlobalSecondaryIndexes {
		gotGSIs = append(gotGSIs, aws.ToString(g.IndexName))
	}
	for _, g := range want.GlobalSecondaryIndexes {
		wantGSIs = append(wantGSIs, aws.ToString(g.IndexName))
	}
	for _, a := range desc.AttributeDefinitions {
		gotAttrs = append(gotAttrs, aws.ToString(a.AttributeName)+" "+string(a.AttributeType))
	}
	for _, a := range want.AttributeDefinitions {
		wantAttrs = append(wantAttrs, aws.ToString(a.AttributeName)+" "+string(a.AttributeType))
	}
	sort.Strings(gotAttrs)
	sort.Strings(wantAttrs)
	if !reflect.DeepEqual(gotGSIs, wantGSIs) || !reflect.DeepEqual(gotAttrs, wantAttrs) {
		t.Errorf("indexes %v and attributes %v, want %v and %v", gotGSIs, gotAttrs, wantGSIs, wantAttrs)
	}
	if p["LocalSecondaryIndexes"] != nil {
		t.Error("the code defines no local secondary index")
	}

	checks := []struct {
		what string
		got  any
		want any
	}{
		{"BillingMode", p["BillingMode"], string(want.BillingMode)},
		{"StreamSpecification", get(p, "StreamSpecification", "StreamViewType"), string(want.StreamSpecification.StreamViewType)},
		{"TimeToLiveSpecification.AttributeName", get(p, "TimeToLiveSpecification", "AttributeName"), table.AttrTTL},
		{"TimeToLiveSpecification.Enabled", get(p, "TimeToLiveSpecification", "Enabled"), true},
		{"PointInTimeRecoveryEnabled", get(p, "PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"), true},
		{"SSEEnabled", get(p, "SSESpecification", "SSEEnabled"), true},
		{"DeletionProtectionEnabled", p["DeletionProtectionEnabled"], true},
		{"DeletionPolicy", res.DeletionPolicy, "Retain"},
		{"UpdateReplacePolicy", res.UpdateReplacePolicy, "Retain"},
		{"TableName", p["TableName"], map[string]any{"Ref": "TableName"}},
		{"TableName parameter default", tpl.Parameters["TableName"]["Default"], table.DefaultTable},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
}

// TestTableCheckCatchesADifference: the comparison above can fail — a
// template whose index projects keys only is refused.
func TestTableCheckCatchesADifference(t *testing.T) {
	tpl, err := deploy.Parse(bytes.Replace(mustTemplate(t), []byte("{ProjectionType: ALL}"), []byte("{ProjectionType: KEYS_ONLY}"), 1))
	if err != nil {
		t.Fatal(err)
	}
	_, res := one(t, tpl, "AWS::DynamoDB::Table")
	g := list(res.Properties["GlobalSecondaryIndexes"])[0]
	if pt := get(g, "Projection", "ProjectionType"); pt != "KEYS_ONLY" {
		t.Fatalf("the mutation did not take: %v", pt)
	}
	desc := &types.TableDescription{KeySchema: table.Definition("x").KeySchema, AttributeDefinitions: table.Definition("x").AttributeDefinitions}
	for _, g := range table.Definition("x").GlobalSecondaryIndexes {
		desc.GlobalSecondaryIndexes = append(desc.GlobalSecondaryIndexes, types.GlobalSecondaryIndexDescription{IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection})
	}
	desc.GlobalSecondaryIndexes[0].Projection = &types.Projection{ProjectionType: types.ProjectionType(get(g, "Projection", "ProjectionType").(string))}
	if problems := table.Compare(table.Definition("x"), desc, nil); len(problems) == 0 {
		t.Fatal("a KEYS_ONLY index passed the comparison")
	}
}

func mustTemplate(t *testing.T) []byte {
	t.Helper()
	return deploy.TemplateYAML()
}

// TestEventSourceMapping: the projector's mapping reads the table's
// stream from its start, reports partial failures, bisects on function
// errors, bounds retries and record age, sends what it gives up on to
// the SQS queue of the template, and filters to head records.
func TestEventSourceMapping(t *testing.T) {
	tpl := load(t)
	_, esm := one(t, tpl, "AWS::Lambda::EventSourceMapping")
	fnName, _ := one(t, tpl, "AWS::Lambda::Function")
	tableName, _ := one(t, tpl, "AWS::DynamoDB::Table")
	queue, _ := one(t, tpl, "AWS::SQS::Queue")
	p := esm.Properties
	param := func(v any) any {
		if ref, ok := get(v, "Ref").(string); ok {
			if pm, ok := tpl.Parameters[ref]; ok {
				return pm["Default"]
			}
		}
		return v
	}
	checks := []struct {
		what string
		got  any
		want any
	}{
		{"EventSourceArn", p["EventSourceArn"], map[string]any{"Fn::GetAtt": []any{tableName, "StreamArn"}}},
		{"FunctionName", p["FunctionName"], map[string]any{"Ref": fnName}},
		{"StartingPosition", p["StartingPosition"], "TRIM_HORIZON"},
		{"FunctionResponseTypes", p["FunctionResponseTypes"], []any{"ReportBatchItemFailures"}},
		{"BisectBatchOnFunctionError", p["BisectBatchOnFunctionError"], true},
		{"DestinationConfig.OnFailure", get(p, "DestinationConfig", "OnFailure", "Destination"), map[string]any{"Fn::GetAtt": []any{queue, "Arn"}}},
		{"ParallelizationFactor", p["ParallelizationFactor"], 1.0},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.what, c.got, c.want)
		}
	}
	ranges := []struct {
		name     string
		lo, hi   float64
		required bool
	}{
		{"BatchSize", 1, 10000, true},
		{"MaximumBatchingWindowInSeconds", 0, 300, true},
		{"MaximumRetryAttempts", 1, 10000, true}, // finite: a crash on one record must end in the queue
		{"MaximumRecordAgeInSeconds", 60, 86400, true},
	}
	for _, r := range ranges {
		v, ok := param(p[r.name]).(float64)
		if !ok || v < r.lo || v > r.hi {
			t.Errorf("%s = %v (default), want %v..%v", r.name, param(p[r.name]), r.lo, r.hi)
		}
	}
	// A parameter may be set to any value in its MinValue..MaxValue; each
	// such value must be one Lambda accepts (MaximumRecordAgeInSeconds: 60
	// to 604800 — -1 means never and is refused here like 0..59, which
	// Lambda rejects), and retries must stay finite.
	allowed := map[string][2]float64{
		"BatchSize":                      {1, 10000},
		"MaximumBatchingWindowInSeconds": {0, 300},
		"MaximumRetryAttempts":           {0, 10000},
		"MaximumRecordAgeInSeconds":      {60, 604800},
	}
	for prop, lim := range allowed {
		ref, ok := get(p[prop], "Ref").(string)
		if !ok {
			continue
		}
		pm := tpl.Parameters[ref]
		lo, okLo := pm["MinValue"].(float64)
		hi, okHi := pm["MaxValue"].(float64)
		if !okLo || !okHi || lo < lim[0] || hi > lim[1] {
			t.Errorf("parameter %s (%s) allows %v..%v, want within %v..%v", ref, prop, pm["MinValue"], pm["MaxValue"], lim[0], lim[1])
		}
	}
	filters := list(get(p, "FilterCriteria", "Filters"))
	if len(filters) != 1 {
		t.Fatalf("filters %v, want one", filters)
	}
	if _, err := deploy.FilterMatches(get(filters[0], "Pattern").(string), []byte(`{}`)); err != nil {
		t.Fatalf("the filter pattern: %v", err)
	}
}

// TestFunction: the projector runs on provided.al2023/arm64 as bootstrap,
// with a timeout that leaves the handler time to stop before it, logs to
// a log group with a retention, and sets only environment variables the
// function's code reads (found by the analysis in calls_test.go).
func TestFunction(t *testing.T) {
	tpl := load(t)
	_, fn := one(t, tpl, "AWS::Lambda::Function")
	p := fn.Properties
	if p["Runtime"] != "provided.al2023" || !reflect.DeepEqual(p["Architectures"], []any{"arm64"}) || p["Handler"] != "bootstrap" {
		t.Errorf("runtime %v %v handler %v, want provided.al2023 arm64 bootstrap", p["Runtime"], p["Architectures"], p["Handler"])
	}
	timeout := tpl.Parameters[get(p["Timeout"], "Ref").(string)]
	if min, _ := timeout["MinValue"].(float64); time.Duration(min)*time.Second < 3*(3*time.Second) {
		t.Errorf("the timeout may be %vs: the handler stops 3 s (at most half the time) before it", min)
	}
	logGroup := get(p, "LoggingConfig", "LogGroup", "Ref")
	if lg, ok := tpl.Resources[fmt.Sprint(logGroup)]; !ok || lg.Type != "AWS::Logs::LogGroup" {
		t.Errorf("the function logs to %v, not a log group of the template", logGroup)
	}
	reads := reachableCalls(t, "cmd/projector-lambda").Env
	vars, _ := get(p, "Environment", "Variables").(map[string]any)
	if len(vars) == 0 {
		t.Fatal("the function has no environment: which table would it project?")
	}
	for k := range vars {
		if !reads[k] {
			t.Errorf("environment variable %s is read by nothing", k)
		}
	}
	if get(vars["HUBSTREAM_TABLE"], "Ref") == nil {
		t.Errorf("HUBSTREAM_TABLE = %v, want a reference to the table", vars["HUBSTREAM_TABLE"])
	}
}

// TestLogRetention: every log group of the template expires its logs.
func TestLogRetention(t *testing.T) {
	tpl := load(t)
	groups := tpl.ResourcesOfType("AWS::Logs::LogGroup")
	if len(groups) < 2 {
		t.Fatalf("log groups %v, want the projector's and the server's", groups)
	}
	for _, g := range groups {
		if tpl.Resources[g].Properties["RetentionInDays"] == nil {
			t.Errorf("log group %s keeps logs for ever", g)
		}
	}
}

// TestAlarms: the alarms the issue asks for exist and watch resources of
// the template; the poison alarm watches a metric the function emits.
func TestAlarms(t *testing.T) {
	tpl := load(t)
	fnName, _ := one(t, tpl, "AWS::Lambda::Function")
	byMetric := map[string]deploy.Resource{}
	for _, name := range tpl.ResourcesOfType("AWS::CloudWatch::Alarm") {
		r := tpl.Resources[name]
		byMetric[fmt.Sprint(r.Properties["Namespace"])+" "+fmt.Sprint(r.Properties["MetricName"])] = r
		if r.Properties["AlarmActions"] == nil {
			t.Errorf("alarm %s notifies nobody", name)
		}
	}
	for _, m := range []string{"AWS/Lambda IteratorAge", "AWS/Lambda Errors", "AWS/Lambda Throttles", "AWS/ApplicationELB HTTPCode_Target_5XX_Count",
		lambdaprojector.MetricNamespace + " " + lambdaprojector.MetricPoison, "AWS/SQS NumberOfMessagesSent"} {
		r, ok := byMetric[m]
		if !ok {
			t.Errorf("no alarm on %s", m)
			continue
		}
		if strings.HasPrefix(m, "AWS/Lambda") || strings.HasPrefix(m, lambdaprojector.MetricNamespace) {
			dims := list(r.Properties["Dimensions"])
			if len(dims) != 1 || get(dims[0], "Name") != lambdaprojector.MetricDimension || !reflect.DeepEqual(get(dims[0], "Value"), map[string]any{"Ref": fnName}) {
				t.Errorf("alarm on %s watches %v, want the projector function", m, dims)
			}
		}
	}
}

// TestReferences: every Ref, GetAtt, Sub variable and condition names
// something the template defines (CloudFormation would refuse the stack
// at creation, which nothing here can run).
func TestReferences(t *testing.T) {
	tpl := load(t)
	known := map[string]bool{"AWS::Region": true, "AWS::AccountId": true, "AWS::StackName": true, "AWS::Partition": true, "AWS::URLSuffix": true, "AWS::NoValue": true, "AWS::StackId": true}
	for name := range tpl.Parameters {
		known[name] = true
	}
	for name := range tpl.Resources {
		known[name] = true
	}
	// owner is the condition of the resource being walked; guarded says
	// the value sits in a branch of Fn::If, where a reference to a
	// conditional resource is the template's business.
	var walk func(where string, v any, owner string, guarded bool)
	conditional := func(where, ref, owner string, guarded bool) {
		if r, ok := tpl.Resources[ref]; ok && r.Condition != "" && r.Condition != owner && !guarded {
			t.Errorf("%s: %s exists only under condition %s, outside any Fn::If", where, ref, r.Condition)
		}
	}
	walk = func(where string, v any, owner string, guarded bool) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				switch k {
				case "Ref":
					if !known[fmt.Sprint(x)] {
						t.Errorf("%s: Ref %v names nothing", where, x)
					}
					conditional(where, fmt.Sprint(x), owner, guarded)
				case "Fn::GetAtt":
					if l := list(x); len(l) != 2 || tpl.Resources[fmt.Sprint(l[0])].Type == "" {
						t.Errorf("%s: GetAtt %v names no resource", where, x)
					} else {
						conditional(where, fmt.Sprint(l[0]), owner, guarded)
					}
				case "Fn::Sub":
					s, _ := x.(string)
					for _, part := range strings.Split(s, "${")[1:] {
						ref, _, _ := strings.Cut(part, "}")
						ref, _, _ = strings.Cut(ref, ".")
						if !known[ref] {
							t.Errorf("%s: Sub variable %s names nothing", where, ref)
						}
						conditional(where, ref, owner, guarded)
					}
				case "Fn::If", "Condition":
					cond := x
					if l := list(x); len(l) > 0 {
						cond = l[0]
					}
					if _, ok := tpl.Conditions[fmt.Sprint(cond)]; !ok {
						t.Errorf("%s: condition %v is not defined", where, cond)
					}
				}
				walk(where+"."+k, x, owner, guarded || k == "Fn::If")
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s[%d]", where, i), x, owner, guarded)
			}
		}
	}
	for name, r := range tpl.Resources {
		deps := list(r.DependsOn)
		if d, ok := r.DependsOn.(string); ok {
			deps = []any{d}
		}
		for _, d := range deps {
			dep, ok := tpl.Resources[fmt.Sprint(d)]
			if !ok {
				t.Errorf("%s: DependsOn %v names no resource", name, d)
			} else if dep.Condition != "" && dep.Condition != r.Condition {
				t.Errorf("%s: DependsOn %v, which exists only under condition %s", name, d, dep.Condition)
			}
		}
		if r.Condition != "" {
			if _, ok := tpl.Conditions[r.Condition]; !ok {
				t.Errorf("%s: condition %s is not defined", name, r.Condition)
			}
		}
		walk(name, r.Properties, r.Condition, false)
		walk(name+".Metadata", r.Metadata, r.Condition, false)
	}
	walk("Outputs", tpl.Outputs, "", false)
	walk("Conditions", tpl.Conditions, "", false)
}

// TestServerContainer runs the server binary with the container's
// command and health check in -h mode (an unknown flag is an error), and
// checks that its environment and secrets are variables the server reads
// (found in the code) and that it runs without the in-process projector
// and without creating the table.
func TestServerContainer(t *testing.T) {
	tpl := load(t)
	_, td := one(t, tpl, "AWS::ECS::TaskDefinition")
	defs := list(td.Properties["ContainerDefinitions"])
	if len(defs) != 1 {
		t.Fatalf("%d containers, want the server", len(defs))
	}
	c := defs[0]
	bin := filepath.Join(t.TempDir(), "server")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/server").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	strs := func(v any) []string {
		var out []string
		for _, x := range list(v) {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	if ep := strs(get(c, "EntryPoint")); len(ep) != 1 || ep[0] != "/usr/local/bin/server" {
		t.Fatalf("entry point %v, want the image's server binary", ep)
	}
	command := strs(get(c, "Command"))
	for _, want := range []string{"--no-projector", "--no-subscriptions", "--create-table=false"} {
		if !contains(command, want) {
			t.Errorf("command %v lacks %s", command, want)
		}
	}
	checkFlags(t, bin, command)
	hc := strs(get(c, "HealthCheck", "Command"))
	if len(hc) < 3 || hc[0] != "CMD" || hc[1] != "/usr/local/bin/server" {
		t.Fatalf("health check %v: want [CMD, /usr/local/bin/server, ...] (the image has no shell)", hc)
	}
	checkFlags(t, bin, hc[2:])

	reads := reachableCalls(t, "cmd/server").Env
	var names []string
	for _, e := range append(list(get(c, "Environment")), list(get(c, "Secrets"))...) {
		if alt := list(get(e, "Fn::If")); len(alt) == 3 {
			e = alt[1]
		}
		names = append(names, fmt.Sprint(get(e, "Name")))
	}
	if !contains(names, "HUBSTREAM_TABLE") || !contains(names, "DYNAMODB_ENDPOINT") || !contains(names, "AUTH_JWT_SECRET") || !contains(names, "AUTH_JWKS_URL") {
		t.Errorf("environment %v: want the table, the endpoint and both ways to configure tokens", names)
	}
	for _, n := range names {
		if !reads[n] {
			t.Errorf("environment variable %s is read by nothing in cmd/server", n)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// checkFlags runs bin with args and -h: the flag package parses every
// flag before it meets -h, so an unknown flag shows as an error instead of
// the usage text.
func checkFlags(t *testing.T, bin string, args []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, append(append([]string{}, args...), "-h")...)
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	if s := out.String(); strings.Contains(s, "flag provided but not defined") || strings.Contains(s, "invalid") || !strings.Contains(strings.ToLower(s), "usage") {
		t.Fatalf("%s %v:\n%s", filepath.Base(bin), args, s)
	}
}

// TestFilterOnARealRecordShape: the template's filter lets a head
// record through and keeps the projector's own writes out.
func TestFilterOnARealRecordShape(t *testing.T) {
	tpl := load(t)
	_, esm := one(t, tpl, "AWS::Lambda::EventSourceMapping")
	pattern := get(list(get(esm.Properties, "FilterCriteria", "Filters"))[0], "Pattern").(string)
	rec := func(et string) []byte {
		b, _ := json.Marshal(map[string]any{"eventName": "MODIFY", "dynamodb": map[string]any{"NewImage": map[string]any{table.AttrType: map[string]any{"S": et}}}})
		return b
	}
	for et, want := range map[string]bool{table.TypeHead: true, table.TypeEvent: false, table.TypeMarker: false, table.TypeShardLease: false, "ACCOUNT": false} {
		got, err := deploy.FilterMatches(pattern, rec(et))
		if err != nil || got != want {
			t.Errorf("_et=%s: match %v (%v), want %v", et, got, err, want)
		}
	}
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// TestRulesRefuseWhatTheServerRefuses: a stack the server would refuse to
// start on is refused by the template's Rules first — a JWKS without
// issuer and audience (tokens of any application of the identity provider
// would pass), and no shared cursor key without an HS256 secret (every
// task would draw its own, and cursors would fail across tasks) — and the
// cursor key reaches the container from Secrets Manager, which the
// execution role may read.
func TestRulesRefuseWhatTheServerRefuses(t *testing.T) {
	tpl := load(t)
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	rules := []struct {
		name             string
		condition        string   // parameter the rule's condition tests
		assertionsRefer  []string // parameters its assertions require
		conditionIsEmpty bool     // the condition is "the parameter is empty"
	}{
		{"a JWKS needs issuer and audience", "JwksUrl", []string{"AuthIssuer", "AuthAudience"}, false},
		{"no HS256 secret needs a cursor key", "JwtSecretArn", []string{"CursorKeySecretArn"}, true},
	}
	for _, want := range rules {
		t.Run(want.name, func(t *testing.T) {
			for name, r := range tpl.Rules {
				cond, asserts := js(get(r, "RuleCondition")), js(get(r, "Assertions"))
				if !strings.Contains(cond, `"Ref":"`+want.condition+`"`) || strings.HasPrefix(cond, `{"Fn::Not"`) == want.conditionIsEmpty {
					continue
				}
				for _, p := range want.assertionsRefer {
					if !strings.Contains(asserts, `"Ref":"`+p+`"`) {
						t.Errorf("rule %s does not require %s: %s", name, p, asserts)
					}
				}
				return
			}
			t.Fatalf("no rule conditioned on %s (empty: %v) among %s", want.condition, want.conditionIsEmpty, js(tpl.Rules))
		})
	}
	_, task := one(t, tpl, "AWS::ECS::TaskDefinition")
	secrets := js(get(list(get(task.Properties, "ContainerDefinitions"))[0], "Secrets"))
	if !strings.Contains(secrets, `{"Name":"HUBSTREAM_CURSOR_KEY","ValueFrom":{"Ref":"CursorKeySecretArn"}}`) {
		t.Errorf("the server's secrets %s lack HUBSTREAM_CURSOR_KEY from CursorKeySecretArn", secrets)
	}
	role := js(tpl.Resources["ServerExecutionRole"].Properties)
	if !strings.Contains(role, `"Action":"secretsmanager:GetSecretValue","Effect":"Allow","Resource":{"Ref":"CursorKeySecretArn"}`) {
		t.Errorf("the execution role cannot read CursorKeySecretArn: %s", role)
	}
}
