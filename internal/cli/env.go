package cli

import (
	"github.com/hubstream/hubstream/internal/auth"
	"github.com/hubstream/hubstream/internal/loaders"
	"github.com/hubstream/hubstream/internal/table"
)

// StorageEnv are the variables that say where DynamoDB is, read by every
// binary that talks to it (table.ConfigFromEnv, table.Name).
var StorageEnv = []Env{
	{table.EnvEndpoint, "DynamoDB endpoint URL (Amazon DynamoDB, ddblocal, DynamoDB Local, Alternator); the server runs the embedded engine when no endpoint is set"},
	{table.EnvSDKEndpoint, "the AWS SDK's DynamoDB endpoint variable, used when DYNAMODB_ENDPOINT is not set"},
	{table.EnvSDKStreamEndpoint, "the DynamoDB Streams endpoint, when it differs from the DynamoDB one (default: the same)"},
	{table.EnvSDKGlobalEndpoint, "the AWS SDK's endpoint for every service, used when neither of the above is set"},
	{table.EnvSDKIgnoreEndpoint, "true: ignore the AWS_ENDPOINT_URL* variables"},
	{table.EnvRegion, "AWS region (default: the AWS configuration, else us-east-1)"},
	{table.EnvTable, "the table's name (default hubstream)"},
	{"AWS_ACCESS_KEY_ID", "credentials (with AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); an endpoint needs some, dummy ones for a local endpoint: AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local"},
	{"AWS_PROFILE", "a profile of the shared AWS configuration; the rest of the AWS SDK's standard configuration applies too"},
}

// AuthEnv are the variables of bearer-token authentication
// (auth.OptionsFromEnv).
var AuthEnv = []Env{
	{auth.EnvJWTSecret, "HS256 shared secret for bearer tokens (at least 32 bytes)"},
	{auth.EnvJWKSURL, "JWKS URL with the RS256/ES256 keys of an identity provider (https)"},
	{auth.EnvIssuer, "when set, a token's iss must equal it"},
	{auth.EnvAudience, "when set, a token's aud must contain it"},
	{auth.EnvMaxTokenLifetime, "the longest validity a token may have (a Go duration, default 24h)"},
}

// CursorEnv is the server's cursor key (loaders.EnvCursorKey).
var CursorEnv = []Env{
	{loaders.EnvCursorKey, "key sealing connection cursors, base64 of 16, 24 or 32 bytes, the same on every server process; required with an endpoint and no AUTH_JWT_SECRET (default: derived from AUTH_JWT_SECRET, else random per process)"},
}

// Join concatenates lists of variables.
func Join(lists ...[]Env) []Env {
	var out []Env
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
