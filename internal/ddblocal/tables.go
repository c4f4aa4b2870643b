package ddblocal

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hubstream/hubstream/internal/ddblocal/attr"
	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
	"github.com/hubstream/hubstream/internal/ddblocal/storage"
)

// DynamoDB's per-table index limits.
const (
	maxGSIs            = 20
	maxLSIs            = 5
	maxNonKeyAttrs     = 100
	defaultTableList   = 100
	billingProvisioned = "PROVISIONED"
	billingOnDemand    = "PAY_PER_REQUEST"
)

func (e *Engine) createTable(ctx context.Context, body []byte) (any, error) {
	in, err := decodeChecked(body, createTableViolations)
	if err != nil {
		return nil, err
	}
	m, err := e.buildTableMeta(in)
	if err != nil {
		return nil, err
	}
	if m.Tags, err = createTags(in.Tags); err != nil {
		return nil, err
	}
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	e.mu.Lock()
	if _, exists := e.tables[m.Name]; exists {
		e.mu.Unlock()
		return nil, ddberr.New(ddberr.ResourceInUse, "Table already exists: %s", m.Name)
	}
	m.ID = e.nextTableID
	e.nextTableID++
	e.mu.Unlock()
	if m.Stream.Enabled {
		m.Stream.Label = e.uniqueStreamLabel(m.Name, "")
	}
	if err := e.persistNewTable(ctx, m); err != nil {
		return nil, err
	}
	t := &table{stats: newTableStats()}
	t.meta.Store(m)
	e.mu.Lock()
	e.tables[m.Name] = t
	e.mu.Unlock()
	if err := e.streamTransition(ctx, nil, m); err != nil {
		return nil, err
	}
	desc := e.describe(t, m)
	return tableDescriptionOutput{TableDescription: desc}, nil
}

// persistMeta stores a table definition durably.
func (e *Engine) persistMeta(ctx context.Context, m *tableMeta) error {
	return e.applyMeta(ctx, m, nil)
}

// persistNewTable is persistMeta for a new table: the same batch records
// the next table ID (keyNextTableID).
func (e *Engine) persistNewTable(ctx context.Context, m *tableMeta) error {
	return e.applyMeta(ctx, m, binary.BigEndian.AppendUint32(nil, m.ID+1))
}

func (e *Engine) applyMeta(ctx context.Context, m *tableMeta, nextID []byte) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return err
	}
	var b storage.Batch
	b.Set(metaKey(m.Name), raw)
	if nextID != nil {
		b.Set([]byte{keyNextTableID}, nextID)
	}
	if err := e.store.Apply(ctx, &b); err != nil {
		return err
	}
	return e.syncApplied(ctx)
}

func parseAttrDefs(defs []wireAttributeDefinition) (map[string]attr.Type, error) {
	out := make(map[string]attr.Type, len(defs))
	for _, d := range defs {
		if d.AttributeName == "" {
			return nil, invalidParam("AttributeName in AttributeDefinitions must not be empty")
		}
		t, ok := attr.ParseType(d.AttributeType)
		if !ok || (t != attr.TypeS && t != attr.TypeN && t != attr.TypeB) {
			return nil, constraintError(d.AttributeType, "attributeDefinitions.member.attributeType", "Member must satisfy enum value set: [B, N, S]")
		}
		if _, dup := out[d.AttributeName]; dup {
			return nil, invalidParam("Cannot have two attributes with the same name: %s", d.AttributeName)
		}
		out[d.AttributeName] = t
	}
	return out, nil
}

// parseKeySchema checks a KeySchema (1 HASH, optionally 1 RANGE after it)
// against the attribute definitions.
func parseKeySchema(ks []wireKeySchemaElement, defs map[string]attr.Type, where string) (keySchema, error) {
	var out keySchema
	if len(ks) == 0 {
		return out, invalidParam("%s must have at least one element", where)
	}
	if len(ks) > 2 {
		return out, constraintError(len(ks), "keySchema", "Member must have length less than or equal to 2")
	}
	for i, el := range ks {
		t, ok := defs[el.AttributeName]
		if !ok {
			return out, invalidParam("Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]", joinKeyNames(ks), joinDefNames(defs))
		}
		switch {
		case i == 0 && el.KeyType == "HASH":
			out.Hash = keyAttr{Name: el.AttributeName, Type: t}
		case i == 1 && el.KeyType == "RANGE":
			if el.AttributeName == out.Hash.Name {
				return out, invalidParam("Invalid KeySchema: Both the Hash Key and the Range Key element in the KeySchema have the same name")
			}
			out.Range = keyAttr{Name: el.AttributeName, Type: t}
		case el.KeyType != "HASH" && el.KeyType != "RANGE":
			return out, constraintError(el.KeyType, "keySchema.member.keyType", "Member must satisfy enum value set: [HASH, RANGE]")
		case i == 0:
			return out, invalidParam("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
		default:
			return out, invalidParam("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
		}
	}
	return out, nil
}

func joinKeyNames(ks []wireKeySchemaElement) string {
	var names []string
	for _, k := range ks {
		names = append(names, k.AttributeName)
	}
	return strings.Join(names, ", ")
}

func joinDefNames(defs map[string]attr.Type) string {
	var names []string
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func parseProjection(p *wireProjection, indexName string) (string, []string, error) {
	if p == nil || p.ProjectionType == "" {
		return "", nil, invalidParam("Projection is required for index: %s", indexName)
	}
	switch p.ProjectionType {
	case projAll, projKeysOnly:
		if len(p.NonKeyAttributes) > 0 {
			return "", nil, invalidParam("ProjectionType is %s, but NonKeyAttributes is specified", p.ProjectionType)
		}
		return p.ProjectionType, nil, nil
	case projInclude:
		if len(p.NonKeyAttributes) == 0 {
			return "", nil, invalidParam("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
		}
		if len(p.NonKeyAttributes) > maxNonKeyAttrs {
			return "", nil, ddberr.New(ddberr.LimitExceeded, "The number of projected attributes in all indexes exceeds the limit of %d", maxNonKeyAttrs)
		}
		seen := map[string]bool{}
		for _, n := range p.NonKeyAttributes {
			if seen[n] {
				return "", nil, invalidParam("Duplicate attribute in NonKeyAttributes: %s", n)
			}
			seen[n] = true
		}
		return projInclude, append([]string(nil), p.NonKeyAttributes...), nil
	}
	return "", nil, constraintError(p.ProjectionType, "projection.projectionType", "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]")
}

// parseThroughput validates provisioned throughput against the billing mode.
func parseThroughput(billing string, tp *wireThroughput) (int64, int64, error) {
	if billing == billingOnDemand {
		if tp != nil {
			return 0, 0, invalidParam("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
		return 0, 0, nil
	}
	if tp == nil || tp.ReadCapacityUnits == nil || tp.WriteCapacityUnits == nil {
		return 0, 0, invalidParam("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
	}
	if *tp.ReadCapacityUnits < 1 || *tp.WriteCapacityUnits < 1 {
		return 0, 0, invalidParam("ReadCapacityUnits and WriteCapacityUnits must be greater than or equal to 1")
	}
	return *tp.ReadCapacityUnits, *tp.WriteCapacityUnits, nil
}

func (e *Engine) buildTableMeta(in *createTableInput) (*tableMeta, error) {
	if err := validateTableName(in.TableName); err != nil {
		return nil, err
	}
	defs, err := parseAttrDefs(in.AttributeDefinitions)
	if err != nil {
		return nil, err
	}
	key, err := parseKeySchema(in.KeySchema, defs, "KeySchema")
	if err != nil {
		return nil, err
	}
	billing := in.BillingMode
	if billing == "" {
		billing = billingProvisioned
	}
	if billing != billingProvisioned && billing != billingOnDemand {
		return nil, constraintError(billing, "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
	}
	rcu, wcu, err := parseThroughput(billing, in.ProvisionedThroughput)
	if err != nil {
		return nil, err
	}
	m := &tableMeta{
		Name:        in.TableName,
		Key:         key,
		BillingMode: billing,
		RCU:         rcu,
		WCU:         wcu,
		Created:     float64(e.now().UnixMilli()) / 1000,
		NextIndexID: 1,
		TableClass:  in.TableClass,
	}
	if in.DeletionProtectionEnabled != nil {
		m.DeletionProtection = *in.DeletionProtectionEnabled
	}
	used := map[string]bool{key.Hash.Name: true}
	if key.hasRange() {
		used[key.Range.Name] = true
	}
	if len(in.GlobalSecondaryIndexes) > maxGSIs {
		return nil, ddberr.New(ddberr.LimitExceeded, "Subscriber limit exceeded: Number of global secondary indexes exceeds per-table limit of %d", maxGSIs)
	}
	if len(in.LocalSecondaryIndexes) > maxLSIs {
		return nil, invalidParam("Number of LocalSecondaryIndexes exceeds per-table limit of %d", maxLSIs)
	}
	names := map[string]bool{}
	// add numbers an index and records its name and key attributes, the
	// same for global and local indexes.
	add := func(ix *index) error {
		if names[ix.Name] {
			return invalidParam("Duplicate index name: %s", ix.Name)
		}
		names[ix.Name] = true
		ix.ID = m.NextIndexID
		m.NextIndexID++
		m.Indexes = append(m.Indexes, ix)
		for _, n := range ix.Key.names() {
			used[n] = true
		}
		return nil
	}
	for i := range in.GlobalSecondaryIndexes {
		ix, err := buildIndex(&in.GlobalSecondaryIndexes[i], defs, true, billing)
		if err != nil {
			return nil, err
		}
		if err := add(ix); err != nil {
			return nil, err
		}
	}
	for i := range in.LocalSecondaryIndexes {
		ix, err := buildIndex(&in.LocalSecondaryIndexes[i], defs, false, billing)
		if err != nil {
			return nil, err
		}
		if !key.hasRange() {
			return nil, invalidParam("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		}
		if ix.Key.Hash != key.Hash {
			return nil, invalidParam("Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s", ix.Name, ix.Key.Hash.Name, key.Hash.Name)
		}
		if !ix.Key.hasRange() {
			return nil, invalidParam("Index KeySchema must have a range key for LocalSecondaryIndex: %s", ix.Name)
		}
		if err := add(ix); err != nil {
			return nil, err
		}
	}
	if len(used) != len(defs) {
		return nil, invalidParam("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	for n, t := range defs {
		m.AttrDefs = append(m.AttrDefs, keyAttr{Name: n, Type: t})
	}
	sort.Slice(m.AttrDefs, func(i, j int) bool { return m.AttrDefs[i].Name < m.AttrDefs[j].Name })
	if spec := in.StreamSpecification; spec != nil && spec.StreamEnabled != nil && *spec.StreamEnabled {
		if err := validateViewType(spec.StreamViewType); err != nil {
			return nil, err
		}
		m.Stream = streamMeta{Enabled: true, ViewType: spec.StreamViewType}
	} else if spec != nil && spec.StreamViewType != "" && (spec.StreamEnabled == nil || !*spec.StreamEnabled) {
		return nil, invalidParam("StreamViewType cannot be specified when StreamEnabled is false")
	}
	return m, nil
}

func validateViewType(v string) error {
	switch v {
	case "KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES":
		return nil
	case "":
		return invalidParam("StreamViewType must be specified when StreamEnabled is true")
	}
	return constraintError(v, "streamSpecification.streamViewType", "Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]")
}

func buildIndex(in *wireIndexInput, defs map[string]attr.Type, global bool, billing string) (*index, error) {
	if err := validateResourceName(in.IndexName, "indexName"); err != nil {
		return nil, err
	}
	key, err := parseKeySchema(in.KeySchema, defs, "KeySchema")
	if err != nil {
		return nil, err
	}
	proj, nonKey, err := parseProjection(in.Projection, in.IndexName)
	if err != nil {
		return nil, err
	}
	ix := &index{Name: in.IndexName, Global: global, Key: key, Projection: proj, NonKey: nonKey}
	if global {
		if billing == billingProvisioned {
			rcu, wcu, err := parseThroughput(billing, in.ProvisionedThroughput)
			if err != nil {
				return nil, invalidParam("ProvisionedThroughput must be specified for index: %s", in.IndexName)
			}
			ix.RCU, ix.WCU = rcu, wcu
		} else if in.ProvisionedThroughput != nil {
			return nil, invalidParam("One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", in.IndexName)
		}
	} else if in.ProvisionedThroughput != nil {
		return nil, invalidParam("ProvisionedThroughput cannot be specified for a local secondary index: %s", in.IndexName)
	}
	return ix, nil
}

func (e *Engine) tableArn(name string) string {
	return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", e.opts.Region, e.opts.AccountID, name)
}

func (e *Engine) describe(t *table, m *tableMeta) *wireTableDescription {
	items, size := t.stats.get(0)
	d := &wireTableDescription{
		TableName:                 m.Name,
		TableStatus:               "ACTIVE",
		TableArn:                  e.tableArn(m.Name),
		TableId:                   fmt.Sprintf("%08x-0000-4000-8000-%012x", m.ID, m.ID),
		CreationDateTime:          m.Created,
		KeySchema:                 wireKeys(m.Key),
		ItemCount:                 items,
		TableSizeBytes:            size,
		ProvisionedThroughput:     wireThroughputDescription{ReadCapacityUnits: m.RCU, WriteCapacityUnits: m.WCU},
		DeletionProtectionEnabled: m.DeletionProtection,
	}
	for _, a := range m.AttrDefs {
		d.AttributeDefinitions = append(d.AttributeDefinitions, wireAttributeDefinition{AttributeName: a.Name, AttributeType: a.Type.String()})
	}
	if m.BillingMode == billingOnDemand {
		d.BillingModeSummary = &wireBillingModeSummary{BillingMode: billingOnDemand, LastUpdateToPayPerRequestDateTime: m.Created}
	}
	if m.TableClass != "" {
		d.TableClassSummary = &wireTableClassSummary{TableClass: m.TableClass}
	}
	for _, ix := range m.Indexes {
		n, sz := t.stats.get(ix.ID)
		id := wireIndexDescription{
			IndexName:      ix.Name,
			KeySchema:      wireKeys(ix.Key),
			Projection:     wireProjection{ProjectionType: ix.Projection, NonKeyAttributes: ix.NonKey},
			IndexArn:       e.tableArn(m.Name) + "/index/" + ix.Name,
			ItemCount:      n,
			IndexSizeBytes: sz,
		}
		if ix.Global {
			id.IndexStatus = "ACTIVE"
			id.ProvisionedThroughput = &wireThroughputDescription{ReadCapacityUnits: ix.RCU, WriteCapacityUnits: ix.WCU}
			d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, id)
		} else {
			d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, id)
		}
	}
	if m.Stream.Label != "" {
		if m.Stream.Enabled {
			enabled := true
			d.StreamSpecification = &wireStreamSpecification{StreamEnabled: &enabled, StreamViewType: m.Stream.ViewType}
		}
		d.LatestStreamLabel = m.Stream.Label
		d.LatestStreamArn = e.streamArn(m.Name, m.Stream.Label)
	}
	return d
}

func wireKeys(k keySchema) []wireKeySchemaElement {
	out := []wireKeySchemaElement{{AttributeName: k.Hash.Name, KeyType: "HASH"}}
	if k.hasRange() {
		out = append(out, wireKeySchemaElement{AttributeName: k.Range.Name, KeyType: "RANGE"})
	}
	return out
}

// lookupRequested looks up the table a request of only a TableName
// (DescribeTable, DescribeTimeToLive) names.
func (e *Engine) lookupRequested(body []byte) (*table, *tableMeta, error) {
	var in tableNameInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, nil, err
	}
	return e.lookup(in.TableName)
}

func (e *Engine) describeTable(ctx context.Context, body []byte) (any, error) {
	t, m, err := e.lookupRequested(body)
	if err != nil {
		return nil, err
	}
	return describeTableOutput{Table: e.describe(t, m)}, nil
}

func (e *Engine) listTables(ctx context.Context, body []byte) (any, error) {
	var in listTablesInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	limit := defaultTableList
	if in.Limit != nil {
		if *in.Limit < 1 || *in.Limit > 100 {
			return nil, constraintError(*in.Limit, "limit", "Member must have value between 1 and 100")
		}
		limit = *in.Limit
	}
	e.mu.RLock()
	names := make([]string, 0, len(e.tables))
	for n := range e.tables {
		names = append(names, n)
	}
	e.mu.RUnlock()
	sort.Strings(names)
	start := sort.SearchStrings(names, in.ExclusiveStartTableName)
	if start < len(names) && names[start] == in.ExclusiveStartTableName {
		start++
	}
	out := listTablesOutput{TableNames: []string{}}
	for i := start; i < len(names); i++ {
		if len(out.TableNames) == limit {
			out.LastEvaluatedTableName = out.TableNames[len(out.TableNames)-1]
			break
		}
		out.TableNames = append(out.TableNames, names[i])
	}
	return out, nil
}

func (e *Engine) deleteTable(ctx context.Context, body []byte) (any, error) {
	var in tableNameInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	t, m, err := e.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	if m.DeletionProtection {
		return nil, invalidParam("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	}
	var b storage.Batch
	b.Delete(metaKey(m.Name))
	if err := e.store.Apply(ctx, &b); err != nil {
		return nil, err
	}
	if err := e.syncApplied(ctx); err != nil {
		return nil, err
	}
	e.mu.Lock()
	delete(e.tables, m.Name)
	e.mu.Unlock()
	desc := e.describe(t, m)
	desc.TableStatus = "DELETING"
	if err := e.streamTransition(ctx, m, nil); err != nil {
		return nil, err
	}
	e.purgeTableData(m)
	return tableDescriptionOutput{TableDescription: desc}, nil
}

// purgeTableData removes a deleted table's items and index entries in the
// background. Table IDs are never reused, so a table recreated under the
// same name cannot see leftovers even before the purge finishes.
func (e *Engine) purgeTableData(m *tableMeta) {
	lo := dataPrefix(m.ID, 0)[:5]
	e.purgeRange(lo, prefixEnd(lo), "table "+m.Name)
}

// purgeRange deletes every key in [lo, hi) in the background, in batches
// of 1000 so that it never holds much memory or blocks writers for long.
func (e *Engine) purgeRange(lo, hi []byte, what string) {
	e.bg.Add(1)
	go func() {
		defer e.bg.Done()
		for e.life.Err() == nil {
			snap := e.store.Snapshot()
			it := snap.Iter(lo, hi, false)
			var b storage.Batch
			for b.Len() < 1000 && it.Next() {
				b.Delete(append([]byte(nil), it.Key()...))
			}
			_ = it.Close()
			_ = snap.Close()
			if b.Len() == 0 {
				return
			}
			if err := e.store.Apply(e.life, &b); err != nil {
				e.logBackground("purging "+what, err)
				return
			}
		}
	}()
}

func (e *Engine) updateTable(ctx context.Context, body []byte) (any, error) {
	in, err := decodeChecked(body, updateTableViolations)
	if err != nil {
		return nil, err
	}
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	t, old, err := e.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	m := old.clone()
	changed := false
	if in.BillingMode != "" && in.BillingMode != m.BillingMode {
		if in.BillingMode != billingProvisioned && in.BillingMode != billingOnDemand {
			return nil, constraintError(in.BillingMode, "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]")
		}
		m.BillingMode = in.BillingMode
		changed = true
	}
	if in.ProvisionedThroughput != nil || (in.BillingMode == billingProvisioned && old.BillingMode != billingProvisioned) {
		rcu, wcu, err := parseThroughput(m.BillingMode, in.ProvisionedThroughput)
		if err != nil {
			return nil, err
		}
		m.RCU, m.WCU = rcu, wcu
		changed = true
	}
	if m.BillingMode == billingOnDemand {
		m.RCU, m.WCU = 0, 0
	}
	if in.DeletionProtectionEnabled != nil {
		m.DeletionProtection = *in.DeletionProtectionEnabled
		changed = true
	}
	if in.TableClass != "" {
		m.TableClass = in.TableClass
		changed = true
	}
	var backfill *index
	var dropped []*index
	if len(in.GlobalSecondaryIndexUpdates) > 0 {
		defs := map[string]attr.Type{}
		for _, a := range m.AttrDefs {
			defs[a.Name] = a.Type
		}
		newDefs, err := parseAttrDefs(in.AttributeDefinitions)
		if err != nil {
			return nil, err
		}
		for n, ty := range newDefs {
			if have, ok := defs[n]; ok && have != ty {
				return nil, invalidParam("Cannot change the type of attribute %s", n)
			}
			defs[n] = ty
		}
		creates := 0
		for _, u := range in.GlobalSecondaryIndexUpdates {
			switch {
			case u.Create != nil:
				creates++
				if creates > 1 {
					return nil, ddberr.New(ddberr.LimitExceeded, "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table")
				}
				if _, err := m.indexByName(u.Create.IndexName); err == nil {
					return nil, invalidParam("Attempting to create an index which already exists")
				}
				if countGlobal(m) >= maxGSIs {
					return nil, ddberr.New(ddberr.LimitExceeded, "Subscriber limit exceeded: Number of global secondary indexes exceeds per-table limit of %d", maxGSIs)
				}
				ix, err := buildIndex(u.Create, defs, true, m.BillingMode)
				if err != nil {
					return nil, err
				}
				ix.ID = m.NextIndexID
				m.NextIndexID++
				m.Indexes = append(m.Indexes, ix)
				backfill = ix
				for _, k := range []keyAttr{ix.Key.Hash, ix.Key.Range} {
					if k.Name != "" && !hasAttrDef(m.AttrDefs, k.Name) {
						m.AttrDefs = append(m.AttrDefs, k)
					}
				}
				sort.Slice(m.AttrDefs, func(i, j int) bool { return m.AttrDefs[i].Name < m.AttrDefs[j].Name })
			case u.Delete != nil:
				ix, err := m.indexByName(u.Delete.IndexName)
				if err != nil || !ix.Global {
					return nil, ddberr.New(ddberr.ResourceNotFound, "Requested resource not found: Index: %s not found", u.Delete.IndexName)
				}
				dropped = append(dropped, ix)
				m.Indexes = removeIndex(m.Indexes, ix.Name)
			case u.Update != nil:
				ix, err := m.indexByName(u.Update.IndexName)
				if err != nil || !ix.Global {
					return nil, ddberr.New(ddberr.ResourceNotFound, "Requested resource not found: Index: %s not found", u.Update.IndexName)
				}
				rcu, wcu, err := parseThroughput(m.BillingMode, u.Update.ProvisionedThroughput)
				if err != nil {
					return nil, err
				}
				ix.RCU, ix.WCU = rcu, wcu
			}
		}
		m.AttrDefs = pruneAttrDefs(m)
		changed = true
	}
	if spec := in.StreamSpecification; spec != nil {
		if err := e.updateStreamSpec(m, spec); err != nil {
			return nil, err
		}
		changed = true
	}
	if !changed {
		return nil, ddberr.Validationf("The parameter must be specified: nothing to update")
	}
	if backfill != nil {
		if err := e.backfillIndex(ctx, t, m, backfill); err != nil {
			return nil, err
		}
	}
	if err := e.persistMeta(ctx, m); err != nil {
		return nil, err
	}
	t.meta.Store(m)
	if err := e.streamTransition(ctx, old, m); err != nil {
		return nil, err
	}
	for _, ix := range dropped {
		e.purgeIndexData(m, ix)
	}
	return tableDescriptionOutput{TableDescription: e.describe(t, m)}, nil
}

func countGlobal(m *tableMeta) int {
	n := 0
	for _, ix := range m.Indexes {
		if ix.Global {
			n++
		}
	}
	return n
}

func hasAttrDef(defs []keyAttr, name string) bool {
	for _, d := range defs {
		if d.Name == name {
			return true
		}
	}
	return false
}

func removeIndex(ixs []*index, name string) []*index {
	out := ixs[:0:0]
	for _, ix := range ixs {
		if ix.Name != name {
			out = append(out, ix)
		}
	}
	return out
}

// pruneAttrDefs keeps only attribute definitions some key still uses, as
// DynamoDB does after an index is dropped.
func pruneAttrDefs(m *tableMeta) []keyAttr {
	used := map[string]bool{}
	for _, n := range m.Key.names() {
		used[n] = true
	}
	for _, ix := range m.Indexes {
		for _, n := range ix.Key.names() {
			used[n] = true
		}
	}
	var out []keyAttr
	for _, d := range m.AttrDefs {
		if used[d.Name] {
			out = append(out, d)
		}
	}
	return out
}

// backfillIndex writes index entries for every existing item. It runs under
// the commit lock, so no write can slip between the backfill and the index
// becoming visible.
func (e *Engine) backfillIndex(ctx context.Context, t *table, m *tableMeta, ix *index) error {
	snap := e.store.Snapshot()
	defer snap.Close()
	p := dataPrefix(m.ID, 0)
	it := snap.Iter(p, prefixEnd(p), false)
	var b storage.Batch
	var n, size int64
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := e.store.Apply(ctx, &b)
		b = storage.Batch{}
		return err
	}
	for it.Next() {
		item, err := decodeItem(it.Value())
		if err != nil {
			_ = it.Close()
			return err
		}
		if !ix.projects(item) {
			continue
		}
		v := attr.AppendItemBinary(nil, ix.project(item, m.Key))
		b.Set(indexEntryKey(m, ix, item), v)
		n++
		size += int64(len(v))
		if b.Len() >= 1000 {
			if err := flush(); err != nil {
				_ = it.Close()
				return err
			}
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	t.stats.add(ix.ID, n, size)
	return nil
}

func (e *Engine) purgeIndexData(m *tableMeta, ix *index) {
	lo := dataPrefix(m.ID, ix.ID)
	e.purgeRange(lo, prefixEnd(lo), "index "+ix.Name)
}

func (e *Engine) updateTimeToLive(ctx context.Context, body []byte) (any, error) {
	var in updateTTLInput
	if err := decodeRequest(body, &in); err != nil {
		return nil, err
	}
	spec := in.TimeToLiveSpecification
	if spec == nil || spec.Enabled == nil {
		return nil, errNull("timeToLiveSpecification")
	}
	if spec.AttributeName == "" || len(spec.AttributeName) > 255 {
		return nil, constraintError(spec.AttributeName, "timeToLiveSpecification.attributeName", "Member must have length between 1 and 255")
	}
	e.commitMu.Lock()
	defer e.commitMu.Unlock()
	t, old, err := e.lookup(in.TableName)
	if err != nil {
		return nil, err
	}
	m := old.clone()
	switch {
	case *spec.Enabled && m.TTLEnabled:
		return nil, ddberr.Validationf("TimeToLive is already enabled")
	case !*spec.Enabled && !m.TTLEnabled:
		return nil, ddberr.Validationf("TimeToLive is already disabled")
	case !*spec.Enabled && m.TTLAttr != spec.AttributeName:
		return nil, ddberr.Validationf("TimeToLive is active on a different AttributeName: current AttributeName is %s", m.TTLAttr)
	}
	now := e.now()
	if iv := e.opts.TTLUpdateInterval; iv > 0 && m.TTLChanged != 0 && now.Sub(unixSeconds(m.TTLChanged)) < iv {
		return nil, ddberr.Validationf("Time to live has been modified multiple times within a fixed interval")
	}
	m.TTLEnabled = *spec.Enabled
	m.TTLAttr = spec.AttributeName
	m.TTLChanged = float64(now.UnixNano()) / 1e9
	if err := e.persistMeta(ctx, m); err != nil {
		return nil, err
	}
	t.meta.Store(m)
	return updateTTLOutput{TimeToLiveSpecification: *spec}, nil
}

func (e *Engine) describeTimeToLive(ctx context.Context, body []byte) (any, error) {
	_, m, err := e.lookupRequested(body)
	if err != nil {
		return nil, err
	}
	var out describeTTLOutput
	out.TimeToLiveDescription.TimeToLiveStatus = "DISABLED"
	if m.TTLEnabled {
		out.TimeToLiveDescription.TimeToLiveStatus = "ENABLED"
		out.TimeToLiveDescription.AttributeName = m.TTLAttr
	}
	return out, nil
}

// unixSeconds is the time sec seconds (with fraction) after the epoch.
func unixSeconds(sec float64) time.Time {
	return time.Unix(0, int64(sec*1e9))
}

// createTags validates the Tags of a CreateTable request as TagResource
// does and returns them as a map (nil for none).
func createTags(tags []wireTag) (map[string]string, error) {
	if tags == nil {
		return nil, nil
	}
	var v violations
	v.tags(tags)
	if err := v.err(); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		if strings.HasPrefix(*t.Key, "aws:") {
			return nil, invalidParam("Tag keys starting with 'aws:' are reserved for system use: %s", *t.Key)
		}
		out[*t.Key] = *t.Value
	}
	if len(out) > maxTagsPerTable {
		return nil, ddberr.New(ddberr.LimitExceeded, "The number of tags on the resource would exceed the limit of %d", maxTagsPerTable)
	}
	return out, nil
}
