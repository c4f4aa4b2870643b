package table

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
)

// Clients are the two DynamoDB clients hubstream uses.
type Clients struct {
	DB      *dynamodb.Client
	Streams *dynamodbstreams.Client
}

// ClientConfig says where DynamoDB is.
type ClientConfig struct {
	// Endpoint overrides the service endpoint (DynamoDB Local, ddblocal,
	// ScyllaDB Alternator). Empty: the standard AWS endpoint resolution.
	Endpoint string
	// HTTPClient, when set, carries every request (the embedded engine's
	// in-process client, or an instrumented one), with its own TLS
	// settings (AWS_CA_BUNDLE configures only the SDK's own client).
	// Default: the SDK's.
	HTTPClient aws.HTTPClient
	// Region overrides the configured region. Default: the AWS
	// configuration chain, else us-east-1.
	Region string
	// StaticCredentials skips the AWS credential chain (for local
	// endpoints that ignore signatures).
	StaticCredentials bool
	// MaxAttempts bounds the SDK's own retries. Default: the SDK's (3).
	MaxAttempts int
}

// ConfigFromEnv reads DYNAMODB_ENDPOINT and AWS_REGION.
func ConfigFromEnv() ClientConfig {
	return ClientConfig{Endpoint: os.Getenv("DYNAMODB_ENDPOINT"), Region: os.Getenv("AWS_REGION")}
}

// NewClients builds clients from the standard AWS configuration chain
// (environment, shared config files, instance roles) adjusted by cfg. It
// fails only if that configuration cannot be loaded.
func NewClients(ctx context.Context, cfg ClientConfig) (Clients, error) {
	if cfg.StaticCredentials {
		// A local endpoint needs nothing from the AWS configuration chain,
		// and must not be affected by it (profiles, CA bundles, regions).
		region := cfg.Region
		if region == "" {
			region = "us-east-1"
		}
		awsCfg := aws.Config{
			Region:      region,
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
			HTTPClient:  cfg.HTTPClient,
		}
		if cfg.MaxAttempts > 0 {
			awsCfg.RetryMaxAttempts = cfg.MaxAttempts
		}
		return newClients(awsCfg, cfg.Endpoint), nil
	}
	var loadOpts []func(*config.LoadOptions) error
	if cfg.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(cfg.Region))
	}
	if cfg.MaxAttempts > 0 {
		loadOpts = append(loadOpts, config.WithRetryMaxAttempts(cfg.MaxAttempts))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return Clients{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.HTTPClient != nil {
		// Set after loading: the loader would fail to apply a CA bundle
		// (AWS_CA_BUNDLE) to a client it cannot configure, such as a
		// RequestCounter. A custom client brings its own TLS settings.
		awsCfg.HTTPClient = cfg.HTTPClient
	}
	if awsCfg.Logger != nil {
		awsCfg.Logger = quietLogger{next: awsCfg.Logger}
	}
	if awsCfg.Region == "" {
		awsCfg.Region = "us-east-1"
	}
	if cfg.Endpoint != "" && awsCfg.Credentials == nil {
		awsCfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	return newClients(awsCfg, cfg.Endpoint), nil
}

func newClients(awsCfg aws.Config, endpoint string) Clients {
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	streams := dynamodbstreams.NewFromConfig(awsCfg, func(o *dynamodbstreams.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return Clients{DB: db, Streams: streams}
}
