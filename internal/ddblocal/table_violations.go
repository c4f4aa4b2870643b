package ddblocal

import "fmt"

// The control-plane requests (CreateTable, UpdateTable) and the Streams
// API check their members' declared constraints — required members, enum
// values, lengths, ranges — all at once and before anything is looked up,
// as DynamoDB's service front end does: a request with three bad members
// is answered "3 validation errors detected", even for a table that does
// not exist. The semantic checks (a key attribute missing from
// AttributeDefinitions, a duplicate index name, …) follow in buildTableMeta
// and updateTable and report one problem at a time, as DynamoDB does.

// listMember names the i-th (0-based) element of a list member the way
// DynamoDB's messages do: 1-based, "keySchema.1.member".
func listMember(list string, i int) string {
	return fmt.Sprintf("%s.%d.member", list, i+1)
}

// attributeName records the length bounds of an attribute name (1..255).
func (v *violations) attributeName(name, member string) {
	switch {
	case name == "":
		v.add(name, member, "Member must have length greater than or equal to 1")
	case len(name) > 255:
		v.add(name, member, "Member must have length less than or equal to 255")
	}
}

// required records a missing string member; it reports whether the value
// was present, so that its other constraints are checked only then.
func (v *violations) required(value, member string) bool {
	if value == "" {
		v.null(member)
		return false
	}
	return true
}

// keySchemaElements records the constraints of a KeySchema list: present
// when required, one or two elements, each with a name and a HASH or RANGE
// key type.
func (v *violations) keySchemaElements(ks []wireKeySchemaElement, member string, required bool) {
	if ks == nil {
		if required {
			v.null(member)
		}
		return
	}
	switch {
	case len(ks) == 0:
		v.add("[]", member, "Member must have length greater than or equal to 1")
	case len(ks) > 2:
		v.add(fmt.Sprintf("[%s]", joinKeyNames(ks)), member, "Member must have length less than or equal to 2")
	}
	for i, el := range ks {
		m := listMember(member, i)
		v.attributeName(el.AttributeName, m+".attributeName")
		if v.required(el.KeyType, m+".keyType") {
			v.enum(el.KeyType, m+".keyType", "HASH", "RANGE")
		}
	}
}

// attributeDefinitions records the constraints of AttributeDefinitions:
// each a name and a scalar type of B, N or S.
func (v *violations) attributeDefinitions(defs []wireAttributeDefinition, member string) {
	for i, d := range defs {
		m := listMember(member, i)
		v.attributeName(d.AttributeName, m+".attributeName")
		if v.required(d.AttributeType, m+".attributeType") {
			v.enum(d.AttributeType, m+".attributeType", "B", "N", "S")
		}
	}
}

// projection records a projection type outside the enum; a missing
// projection is a semantic error, reported by parseProjection.
func (v *violations) projection(p *wireProjection, member string) {
	if p != nil {
		v.enum(p.ProjectionType, member+".projectionType", projAll, projKeysOnly, projInclude)
	}
}

// indexInput records the constraints of one index definition.
func (v *violations) indexInput(ix *wireIndexInput, member string) {
	v.name(ix.IndexName, member+".indexName", true)
	v.keySchemaElements(ix.KeySchema, member+".keySchema", true)
	v.projection(ix.Projection, member+".projection")
}

// streamSpecification records a stream view type outside the enum.
func (v *violations) streamSpecification(spec *wireStreamSpecification) {
	if spec != nil {
		v.enum(spec.StreamViewType, "streamSpecification.streamViewType", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
	}
}

// tableSettings records the enum members CreateTable and UpdateTable share.
func (v *violations) tableSettings(billing, class string, spec *wireStreamSpecification) {
	v.enum(billing, "billingMode", billingProvisioned, billingOnDemand)
	v.streamSpecification(spec)
	v.enum(class, "tableClass", "STANDARD", "STANDARD_INFREQUENT_ACCESS")
}

// createTableViolations returns every constraint violation of a CreateTable
// request as one ValidationException, or nil.
func createTableViolations(in *createTableInput) error {
	var v violations
	if in.AttributeDefinitions == nil {
		v.null("attributeDefinitions")
	}
	v.attributeDefinitions(in.AttributeDefinitions, "attributeDefinitions")
	v.name(in.TableName, "tableName", true)
	v.keySchemaElements(in.KeySchema, "keySchema", true)
	for i := range in.LocalSecondaryIndexes {
		v.indexInput(&in.LocalSecondaryIndexes[i], listMember("localSecondaryIndexes", i))
	}
	for i := range in.GlobalSecondaryIndexes {
		v.indexInput(&in.GlobalSecondaryIndexes[i], listMember("globalSecondaryIndexes", i))
	}
	v.tableSettings(in.BillingMode, in.TableClass, in.StreamSpecification)
	return v.err()
}

// updateTableViolations returns every constraint violation of an
// UpdateTable request as one ValidationException, or nil.
func updateTableViolations(in *updateTableInput) error {
	var v violations
	v.attributeDefinitions(in.AttributeDefinitions, "attributeDefinitions")
	v.name(in.TableName, "tableName", true)
	for i, u := range in.GlobalSecondaryIndexUpdates {
		m := listMember("globalSecondaryIndexUpdates", i)
		switch {
		case u.Create != nil:
			v.indexInput(u.Create, m+".create")
		case u.Delete != nil:
			v.name(u.Delete.IndexName, m+".delete.indexName", true)
		case u.Update != nil:
			v.name(u.Update.IndexName, m+".update.indexName", true)
		}
	}
	v.tableSettings(in.BillingMode, in.TableClass, in.StreamSpecification)
	return v.err()
}

// streamArn records a stream ARN outside DynamoDB Streams' length bounds.
func (v *violations) streamArn(arn string) {
	if len(arn) < 37 || len(arn) > 1024 {
		v.add(arn, "streamArn", "Member must have length between 37 and 1024")
	}
}

// limit records a Limit outside 1..max and returns the limit in effect:
// the Limit, or max when there is none.
func (v *violations) limit(limit *int, max int) int {
	if limit == nil {
		return max
	}
	if *limit < 1 || *limit > max {
		v.add(*limit, "limit", fmt.Sprintf("Member must have value between 1 and %d", max))
	}
	return *limit
}
