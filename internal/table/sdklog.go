package table

import (
	"strings"

	"github.com/aws/smithy-go/logging"
)

// quietLogger passes the SDK's log messages on, except its warnings that
// a response body could not be drained or closed. Those follow a request
// cancelled while its response was read — a shutdown, a shard handed
// over, a wait cut short — whose error the caller already has; the
// checksum check of a DynamoDB response cut short says "response did not
// match expected checksum" on its close. A standalone projector logged a
// pair of them per shard when it stopped. The SDK logs them under fixed
// formats, the only thing that tells them apart.
type quietLogger struct{ next logging.Logger }

// Logf drops the body-draining warnings and passes everything else on.
func (l quietLogger) Logf(c logging.Classification, format string, v ...any) {
	if c == logging.Warn && (strings.HasPrefix(format, "failed to discard remaining HTTP response body") ||
		strings.HasPrefix(format, "failed to close HTTP response body")) {
		return
	}
	l.next.Logf(c, format, v...)
}
