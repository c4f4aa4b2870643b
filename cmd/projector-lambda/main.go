// Command projector-lambda is hubstream's projector as an AWS Lambda
// function on the table's DynamoDB stream: internal/lambdaprojector wired
// to the Lambda runtime (deploy/template.yaml deploys it, docs/deploy.md
// explains it).
//
// Build it for the provided.al2023 runtime on arm64 (the binary must be
// called bootstrap):
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -trimpath -o bootstrap ./cmd/projector-lambda
//
// Configuration (environment): HUBSTREAM_TABLE, HUBSTREAM_PROJECTOR_NAME,
// HUBSTREAM_PROJECTOR_PARK, HUBSTREAM_PROJECTOR_CONCURRENCY,
// HUBSTREAM_PROJECTOR_DEADLINE_MARGIN and, for an endpoint other than the
// region's, DYNAMODB_ENDPOINT. At start it checks that the table matches
// hubstream's schema and exits with the difference if not.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hubstream/hubstream/internal/lambdaprojector"
)

func main() {
	cfg, err := lambdaprojector.ConfigFromEnv(os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "projector-lambda:", err)
		os.Exit(1)
	}
	h, err := lambdaprojector.New(context.Background(), cfg, lambdaprojector.Options{Metrics: os.Stdout})
	if err != nil {
		fmt.Fprintln(os.Stderr, "projector-lambda:", err)
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}
