// Package healthcheck is the `healthcheck` sub-command shared by
// hubstream's binaries. Container images are distroless (no curl), so each
// binary can probe its own endpoint for the orchestrator.
package healthcheck

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Run parses args (--url, --timeout) and probes the URL with GET. It
// succeeds when the server answers with a status below 500 (a DynamoDB
// endpoint answers a bare GET with a 4xx, which still proves it is up; a
// not-ready hubstream answers /readyz with 503).
func Run(ctx context.Context, name string, args []string) error {
	fs := flag.NewFlagSet(name+" healthcheck", flag.ContinueOnError)
	url := fs.String("url", "", "URL to probe (required)")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait for an answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" || !(strings.HasPrefix(*url, "http://") || strings.HasPrefix(*url, "https://")) {
		return fmt.Errorf("healthcheck: --url must be an http(s) URL")
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
