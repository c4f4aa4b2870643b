package table

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/smithy-go/middleware"
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
	// Unsigned sends requests without a SigV4 signature (anonymous
	// credentials), for the embedded engine in the same process, which
	// checks none: signing (a SHA-256 of the body, canonical headers, an
	// HMAC chain) and the per-request id cost a fifth of a read's CPU there
	// (hubbench's profile, docs/benchmarks.md). Implies StaticCredentials.
	Unsigned bool
	// MaxAttempts bounds the SDK's own retries. Default: the SDK's (3).
	MaxAttempts int
	// StreamsEndpoint overrides Endpoint for the DynamoDB Streams client.
	// Default: Endpoint (local endpoints serve both APIs on one URL).
	StreamsEndpoint string
	// Metrics counts every call of the clients (NewMetrics). Default:
	// none.
	Metrics *Metrics
}

// The environment variables ConfigFromEnv reads. DYNAMODB_ENDPOINT is
// hubstream's own; the others are the AWS SDK's standard ones, honoured
// the same way the SDK does (a service-specific URL before the global one,
// none at all when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true).
const (
	EnvEndpoint          = "DYNAMODB_ENDPOINT"
	EnvSDKEndpoint       = "AWS_ENDPOINT_URL_DYNAMODB"
	EnvSDKStreamEndpoint = "AWS_ENDPOINT_URL_DYNAMODB_STREAMS"
	EnvSDKGlobalEndpoint = "AWS_ENDPOINT_URL"
	EnvSDKIgnoreEndpoint = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
	EnvRegion            = "AWS_REGION"
)

// ConfigFromEnv reads where DynamoDB is: DYNAMODB_ENDPOINT, else the AWS
// SDK's AWS_ENDPOINT_URL_DYNAMODB, else AWS_ENDPOINT_URL (both ignored
// when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true); the Streams client
// uses AWS_ENDPOINT_URL_DYNAMODB_STREAMS when set, else the same endpoint.
// It reads the region from AWS_REGION. An empty Endpoint means the
// embedded engine for the server and the region's DynamoDB for the
// projector.
func ConfigFromEnv() ClientConfig { return configFrom(os.Getenv) }

func configFrom(getenv func(string) string) ClientConfig {
	cc := ClientConfig{Endpoint: getenv(EnvEndpoint), Region: getenv(EnvRegion)}
	if strings.EqualFold(getenv(EnvSDKIgnoreEndpoint), "true") {
		return cc
	}
	for _, env := range []string{EnvSDKEndpoint, EnvSDKGlobalEndpoint} {
		if cc.Endpoint == "" {
			cc.Endpoint = getenv(env)
		}
	}
	if s := getenv(EnvSDKStreamEndpoint); s != "" && cc.Endpoint != "" {
		cc.StreamsEndpoint = s
	}
	return cc
}

// ErrNoCredentials is returned by NewClients when the AWS configuration
// chain yields no credentials.
var ErrNoCredentials = errors.New("no AWS credentials")

// credentialsTimeout bounds the credential lookup at start: the chain's
// last resort is the EC2 instance metadata service, which is slow to
// answer "none" off EC2.
const credentialsTimeout = 10 * time.Second

// NewClients builds clients from the standard AWS configuration chain
// (environment, shared config files, instance roles) adjusted by cfg. It
// fails if that configuration cannot be loaded, and with ErrNoCredentials
// (and what to set) if it yields no credentials, which it finds out at
// once (within 10 s when it has to ask the EC2 metadata service).
// StaticCredentials skips the chain and never fails.
func NewClients(ctx context.Context, cfg ClientConfig) (Clients, error) {
	if cfg.StaticCredentials || cfg.Unsigned {
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
		if cfg.Unsigned {
			awsCfg.Credentials = aws.AnonymousCredentials{}
		}
		if cfg.MaxAttempts > 0 {
			awsCfg.RetryMaxAttempts = cfg.MaxAttempts
		}
		return newClients(awsCfg, cfg), nil
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
	if err := checkCredentials(ctx, awsCfg, cfg.Endpoint); err != nil {
		return Clients{}, err
	}
	return newClients(awsCfg, cfg), nil
}

// checkCredentials fails fast, with what to do, when the configuration
// chain has no credentials: otherwise the first call would fail much
// later, deep in a request, with the SDK's less helpful message.
func checkCredentials(ctx context.Context, awsCfg aws.Config, endpoint string) error {
	var err error
	if awsCfg.Credentials == nil {
		err = errors.New("no credential provider")
	} else {
		rctx, cancel := context.WithTimeout(ctx, credentialsTimeout)
		_, err = awsCfg.Credentials.Retrieve(rctx)
		cancel()
	}
	if err == nil {
		return nil
	}
	if endpoint != "" {
		return fmt.Errorf("%w for the DynamoDB endpoint %s: the AWS SDK signs every request, even to a local endpoint that ignores the signature; "+
			"for a local endpoint (ddblocal, DynamoDB Local) set dummy ones: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local; "+
			"for Amazon DynamoDB use a profile (AWS_PROFILE), the environment or the instance's role (%v)", ErrNoCredentials, endpoint, err)
	}
	return fmt.Errorf("%w: configure them as for any AWS tool (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or the instance's or task's role) (%v)", ErrNoCredentials, err)
}

func newClients(awsCfg aws.Config, cfg ClientConfig) Clients {
	if awsCfg.Credentials != nil && !cfg.Unsigned {
		// Anonymous credentials stay as they are: the SDK recognises them
		// by their type to skip signing, and they retrieve nothing to fail.
		awsCfg.Credentials = typedCredentials{next: awsCfg.Credentials}
	}
	var apiOptions []func(*middleware.Stack) error
	if cfg.Unsigned {
		apiOptions = append(apiOptions, trimInProcess)
	}
	if cfg.Metrics != nil {
		apiOptions = append(apiOptions, cfg.Metrics.install)
	}
	streamsEndpoint := cfg.StreamsEndpoint
	if streamsEndpoint == "" {
		streamsEndpoint = cfg.Endpoint
	}
	db := dynamodb.NewFromConfig(awsCfg, func(o *dynamodb.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.APIOptions = append(o.APIOptions, apiOptions...)
	})
	streams := dynamodbstreams.NewFromConfig(awsCfg, func(o *dynamodbstreams.Options) {
		if streamsEndpoint != "" {
			o.BaseEndpoint = aws.String(streamsEndpoint)
		}
		o.APIOptions = append(o.APIOptions, apiOptions...)
	})
	return Clients{DB: db, Streams: streams}
}

// CredentialsError is the error of a call whose credentials could not be
// retrieved — an expired role session that cannot be renewed, an
// unreachable metadata service, a failing credential process: the call
// never reached DynamoDB. The SDK reports such failures as plain text;
// the clients of NewClients wrap them in this type so that callers can
// tell an outage from a bad request (errors.As).
type CredentialsError struct{ Err error }

// Error describes the failure.
func (e *CredentialsError) Error() string { return "AWS credentials: " + e.Err.Error() }

// Unwrap returns the provider's error.
func (e *CredentialsError) Unwrap() error { return e.Err }

// typedCredentials makes the errors of a credentials provider
// CredentialsErrors. The SDK caches what it returns (the clients wrap any
// provider that is not a cache in one), so it is asked as often as the
// provider it wraps.
type typedCredentials struct{ next aws.CredentialsProvider }

// Retrieve returns next's credentials, or its error as a CredentialsError.
func (t typedCredentials) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c, err := t.next.Retrieve(ctx)
	if err != nil {
		return c, &CredentialsError{Err: err}
	}
	return c, nil
}

// trimInProcess removes from a client's stack what only a remote service
// uses, for unsigned requests to the embedded engine: the payload hash
// (signing input), the random request id (crypto/rand per request), the
// Lambda recursion-detection header (environment reads per request) and
// the User-Agent header.
func trimInProcess(stack *middleware.Stack) error {
	for _, id := range []string{"ClientRequestID", "RecursionDetection", "UserAgent"} {
		if _, err := stack.Build.Remove(id); err != nil {
			return fmt.Errorf("table: remove %s: %w", id, err)
		}
	}
	return v4.RemoveComputePayloadSHA256Middleware(stack)
}
