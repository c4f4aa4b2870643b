// Package healthcheck is the `healthcheck` sub-command shared by
// hubstream's binaries. Container images are distroless (no curl), so each
// binary can probe its own endpoint for the orchestrator.
package healthcheck

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/hubstream/hubstream/internal/cli"
)

// Command returns the sub-command's description under binary.
func Command(binary string) cli.Command {
	return cli.Command{
		Name:    binary + " healthcheck",
		Args:    "--url URL [--timeout 2s]",
		Summary: "Probe URL with GET and exit 0 if it answers with a status below 500, 1 otherwise (a container health check; the image has no curl).",
	}
}

// Run parses args (--url, --timeout) and probes the URL with GET; -h
// prints the usage to stdout and returns flag.ErrHelp, a wrong command
// line is a *cli.UsageError. It succeeds when the server answers with a
// status below 500 (a DynamoDB endpoint answers a bare GET with a 4xx,
// which still proves it is up; a not-ready hubstream answers /readyz with
// 503).
func Run(ctx context.Context, binary string, args []string, stdout io.Writer) error {
	c := Command(binary)
	fs := c.NewFlagSet()
	url := fs.String("url", "", "URL to probe (required)")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for an answer")
	if err := c.Parse(fs, args, 0, stdout); err != nil {
		return err
	}
	if *url == "" || !(strings.HasPrefix(*url, "http://") || strings.HasPrefix(*url, "https://")) {
		return cli.Usagef("healthcheck: --url must be an http(s) URL")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	_ = res.Body.Close()
	if res.StatusCode >= 500 {
		return fmt.Errorf("healthcheck: %s answered %s", *url, res.Status)
	}
	return nil
}
