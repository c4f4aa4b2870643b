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
// It is configured by its environment only (`projector-lambda --help`
// lists it). At start it checks that the table matches hubstream's schema
// and exits with the difference if not. It logs JSON through log/slog at
// the level of the function's advanced logging controls
// (AWS_LAMBDA_LOG_LEVEL, default info).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/hubstream/hubstream/internal/cli"
	"github.com/hubstream/hubstream/internal/lambdaprojector"
	"github.com/hubstream/hubstream/internal/obs"
)

// lambdaCommand is the usage of the binary.
var lambdaCommand = cli.Command{
	Name: "projector-lambda",
	Args: "",
	Summary: "hubstream's projector as an AWS Lambda function on the table's DynamoDB stream (docs/deploy.md).\n" +
		"It takes no arguments: the Lambda runtime starts it, and its environment configures it.",
	Env: []cli.Env{
		{Name: "HUBSTREAM_TABLE", Meaning: "the table's name (default hubstream)"},
		{Name: "HUBSTREAM_PROJECTOR_NAME", Meaning: "projector name: whose DLQ and loss notes it uses (default main)"},
		{Name: "HUBSTREAM_PROJECTOR_PARK", Meaning: "true: park poison events in the DLQ instead of only halting their aggregate"},
		{Name: "HUBSTREAM_PROJECTOR_CONCURRENCY", Meaning: "aggregates of a batch applied at once"},
		{Name: "HUBSTREAM_PROJECTOR_DEADLINE_MARGIN", Meaning: "time kept before the invocation's deadline to report the unprocessed records (a Go duration)"},
		{Name: "DYNAMODB_ENDPOINT", Meaning: "a DynamoDB endpoint other than the region's"},
		{Name: "AWS_REGION", Meaning: "the region (set by Lambda)"},
		{Name: "AWS_LAMBDA_FUNCTION_NAME", Meaning: "the function's name, the dimension of its metrics (set by Lambda)"},
		{Name: "AWS_LAMBDA_LOG_LEVEL", Meaning: "the lowest level logged (set by Lambda's advanced logging controls; default info)"},
	},
}

func main() {
	if code := checkArgs(os.Args[1:], os.Stdout, os.Stderr); code >= 0 {
		os.Exit(code)
	}
	ctx := context.Background()
	logger := newLogger(os.Stderr, os.Getenv("AWS_LAMBDA_LOG_LEVEL"))
	cfg, err := lambdaprojector.ConfigFromEnv(os.Getenv)
	if err != nil {
		logger.Error("projector-lambda: configuration", slog.Any("error", err))
		os.Exit(1)
	}
	h, err := lambdaprojector.New(ctx, cfg, lambdaprojector.Options{Metrics: os.Stdout, Logger: logger})
	if err != nil {
		logger.Error("projector-lambda: start", slog.Any("error", err))
		os.Exit(1)
	}
	lambda.Start(h.Handle)
}

// checkArgs handles a command line: the runtime passes none, so --help
// prints the usage (exit 0) and anything else is a usage error (exit 2).
// It returns -1 when there is nothing to do but run.
func checkArgs(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return -1
	}
	c := lambdaCommand
	fs := c.NewFlagSet()
	err := c.Parse(fs, args, 0, stdout)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stderr, "projector-lambda:", err)
	}
	return cli.ExitCode(err)
}

// newLogger logs JSON (Lambda's log format) at the level Lambda's
// advanced logging controls set: TRACE, DEBUG, INFO, WARN, ERROR, FATAL.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	switch strings.ToUpper(level) {
	case "TRACE", "DEBUG":
		l = slog.LevelDebug
	case "WARN":
		l = slog.LevelWarn
	case "ERROR", "FATAL":
		l = slog.LevelError
	}
	return obs.NewLogger(w, obs.LogOptions{Level: l, Format: obs.FormatJSON})
}
