package lambdaprojector

import (
	"fmt"
	"strconv"
	"time"

	"github.com/hubstream/hubstream/internal/table"
)

// Config is the function's configuration, from its environment.
type Config struct {
	// Table is HUBSTREAM_TABLE (default "hubstream").
	Table string
	// Clients says where DynamoDB is: DYNAMODB_ENDPOINT (default: the
	// region's, from the Lambda environment) and AWS_REGION.
	Clients table.ClientConfig
	// Name is HUBSTREAM_PROJECTOR_NAME (default "main"): block and DLQ
	// items go under PROJECTOR#{Name}, where `projector status` and
	// `projector dlq` look.
	Name string
	// Park is HUBSTREAM_PROJECTOR_PARK (default false: halt the
	// aggregate of a poison event; true: also park it in the DLQ).
	Park bool
	// Concurrency is HUBSTREAM_PROJECTOR_CONCURRENCY (default 8):
	// aggregates of one batch applied at once.
	Concurrency int
	// Margin is HUBSTREAM_PROJECTOR_DEADLINE_MARGIN (default 3s): how long
	// before the invocation's deadline the function stops applying and
	// reports what it did not finish, so that the response is delivered
	// instead of a timeout that would fail the whole batch.
	Margin time.Duration
	// Function names the metrics' dimension: AWS_LAMBDA_FUNCTION_NAME.
	Function string
}

// ConfigFromEnv reads the configuration through getenv (os.Getenv). A
// value that does not parse is an error naming the variable: the function
// then fails its start, loudly, instead of running with a default nobody
// chose.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Table:       getenv("HUBSTREAM_TABLE"),
		Clients:     table.ClientConfig{Endpoint: getenv("DYNAMODB_ENDPOINT"), Region: getenv("AWS_REGION")},
		Name:        getenv("HUBSTREAM_PROJECTOR_NAME"),
		Concurrency: 8,
		Margin:      3 * time.Second,
		Function:    getenv("AWS_LAMBDA_FUNCTION_NAME"),
	}
	if c.Table == "" {
		c.Table = table.DefaultTable
	}
	if c.Name == "" {
		c.Name = "main"
	}
	if v := getenv("HUBSTREAM_PROJECTOR_PARK"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("HUBSTREAM_PROJECTOR_PARK=%q: want true or false", v)
		}
		c.Park = b
	}
	if v := getenv("HUBSTREAM_PROJECTOR_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return Config{}, fmt.Errorf("HUBSTREAM_PROJECTOR_CONCURRENCY=%q: want a whole number from 1 to 256", v)
		}
		c.Concurrency = n
	}
	if v := getenv("HUBSTREAM_PROJECTOR_DEADLINE_MARGIN"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return Config{}, fmt.Errorf("HUBSTREAM_PROJECTOR_DEADLINE_MARGIN=%q: want a duration such as 3s", v)
		}
		c.Margin = d
	}
	return c, nil
}
