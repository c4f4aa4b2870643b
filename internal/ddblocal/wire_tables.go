package ddblocal

// Wire shapes of the control-plane operations. Field names are DynamoDB's;
// absent members are omitted because the SDK treats present-but-empty
// differently from absent in places (e.g. LastEvaluatedTableName).

type wireKeySchemaElement struct {
	AttributeName string `json:"AttributeName"`
	KeyType       string `json:"KeyType"`
}

type wireAttributeDefinition struct {
	AttributeName string `json:"AttributeName"`
	AttributeType string `json:"AttributeType"`
}

type wireProjection struct {
	ProjectionType   string   `json:"ProjectionType,omitempty"`
	NonKeyAttributes []string `json:"NonKeyAttributes,omitempty"`
}

type wireThroughput struct {
	ReadCapacityUnits  *int64 `json:"ReadCapacityUnits,omitempty"`
	WriteCapacityUnits *int64 `json:"WriteCapacityUnits,omitempty"`
}

type wireThroughputDescription struct {
	NumberOfDecreasesToday int64 `json:"NumberOfDecreasesToday"`
	ReadCapacityUnits      int64 `json:"ReadCapacityUnits"`
	WriteCapacityUnits     int64 `json:"WriteCapacityUnits"`
}

type wireIndexInput struct {
	IndexName             string                 `json:"IndexName"`
	KeySchema             []wireKeySchemaElement `json:"KeySchema"`
	Projection            *wireProjection        `json:"Projection"`
	ProvisionedThroughput *wireThroughput        `json:"ProvisionedThroughput"`
}

type wireStreamSpecification struct {
	StreamEnabled  *bool  `json:"StreamEnabled,omitempty"`
	StreamViewType string `json:"StreamViewType,omitempty"`
}

type createTableInput struct {
	TableName                 string                    `json:"TableName"`
	KeySchema                 []wireKeySchemaElement    `json:"KeySchema"`
	AttributeDefinitions      []wireAttributeDefinition `json:"AttributeDefinitions"`
	GlobalSecondaryIndexes    []wireIndexInput          `json:"GlobalSecondaryIndexes"`
	LocalSecondaryIndexes     []wireIndexInput          `json:"LocalSecondaryIndexes"`
	BillingMode               string                    `json:"BillingMode"`
	ProvisionedThroughput     *wireThroughput           `json:"ProvisionedThroughput"`
	StreamSpecification       *wireStreamSpecification  `json:"StreamSpecification"`
	TableClass                string                    `json:"TableClass"`
	DeletionProtectionEnabled *bool                     `json:"DeletionProtectionEnabled"`
	Tags                      []wireTag                 `json:"Tags"`
}

type wireIndexDescription struct {
	IndexName             string                     `json:"IndexName"`
	KeySchema             []wireKeySchemaElement     `json:"KeySchema"`
	Projection            wireProjection             `json:"Projection"`
	IndexStatus           string                     `json:"IndexStatus,omitempty"`
	IndexArn              string                     `json:"IndexArn"`
	ItemCount             int64                      `json:"ItemCount"`
	IndexSizeBytes        int64                      `json:"IndexSizeBytes"`
	ProvisionedThroughput *wireThroughputDescription `json:"ProvisionedThroughput,omitempty"`
}

type wireBillingModeSummary struct {
	BillingMode                       string  `json:"BillingMode"`
	LastUpdateToPayPerRequestDateTime float64 `json:"LastUpdateToPayPerRequestDateTime,omitempty"`
}

type wireTableDescription struct {
	TableName                 string                    `json:"TableName"`
	TableStatus               string                    `json:"TableStatus"`
	TableArn                  string                    `json:"TableArn"`
	TableId                   string                    `json:"TableId"`
	CreationDateTime          float64                   `json:"CreationDateTime"`
	KeySchema                 []wireKeySchemaElement    `json:"KeySchema"`
	AttributeDefinitions      []wireAttributeDefinition `json:"AttributeDefinitions"`
	ItemCount                 int64                     `json:"ItemCount"`
	TableSizeBytes            int64                     `json:"TableSizeBytes"`
	ProvisionedThroughput     wireThroughputDescription `json:"ProvisionedThroughput"`
	BillingModeSummary        *wireBillingModeSummary   `json:"BillingModeSummary,omitempty"`
	GlobalSecondaryIndexes    []wireIndexDescription    `json:"GlobalSecondaryIndexes,omitempty"`
	LocalSecondaryIndexes     []wireIndexDescription    `json:"LocalSecondaryIndexes,omitempty"`
	StreamSpecification       *wireStreamSpecification  `json:"StreamSpecification,omitempty"`
	LatestStreamArn           string                    `json:"LatestStreamArn,omitempty"`
	LatestStreamLabel         string                    `json:"LatestStreamLabel,omitempty"`
	DeletionProtectionEnabled bool                      `json:"DeletionProtectionEnabled"`
	TableClassSummary         *wireTableClassSummary    `json:"TableClassSummary,omitempty"`
}

type wireTableClassSummary struct {
	TableClass string `json:"TableClass"`
}

type tableNameInput struct {
	TableName string `json:"TableName"`
}

type tableDescriptionOutput struct {
	TableDescription *wireTableDescription `json:"TableDescription"`
}

type describeTableOutput struct {
	Table *wireTableDescription `json:"Table"`
}

type listTablesInput struct {
	ExclusiveStartTableName string `json:"ExclusiveStartTableName"`
	Limit                   *int   `json:"Limit"`
}

type listTablesOutput struct {
	TableNames             []string `json:"TableNames"`
	LastEvaluatedTableName string   `json:"LastEvaluatedTableName,omitempty"`
}

type gsiUpdate struct {
	Create *wireIndexInput `json:"Create"`
	Delete *struct {
		IndexName string `json:"IndexName"`
	} `json:"Delete"`
	Update *struct {
		IndexName             string          `json:"IndexName"`
		ProvisionedThroughput *wireThroughput `json:"ProvisionedThroughput"`
	} `json:"Update"`
}

type updateTableInput struct {
	TableName                   string                    `json:"TableName"`
	AttributeDefinitions        []wireAttributeDefinition `json:"AttributeDefinitions"`
	GlobalSecondaryIndexUpdates []gsiUpdate               `json:"GlobalSecondaryIndexUpdates"`
	BillingMode                 string                    `json:"BillingMode"`
	ProvisionedThroughput       *wireThroughput           `json:"ProvisionedThroughput"`
	StreamSpecification         *wireStreamSpecification  `json:"StreamSpecification"`
	DeletionProtectionEnabled   *bool                     `json:"DeletionProtectionEnabled"`
	TableClass                  string                    `json:"TableClass"`
}

type wireTTLSpecification struct {
	AttributeName string `json:"AttributeName"`
	Enabled       *bool  `json:"Enabled"`
}

type updateTTLInput struct {
	TableName               string                `json:"TableName"`
	TimeToLiveSpecification *wireTTLSpecification `json:"TimeToLiveSpecification"`
}

type updateTTLOutput struct {
	TimeToLiveSpecification wireTTLSpecification `json:"TimeToLiveSpecification"`
}

type describeTTLOutput struct {
	TimeToLiveDescription struct {
		TimeToLiveStatus string `json:"TimeToLiveStatus"`
		AttributeName    string `json:"AttributeName,omitempty"`
	} `json:"TimeToLiveDescription"`
}
