package projector

// Which failures are transient: the line between an outage, retried for
// as long as it lasts, and a poison event, dead-lettered after a few
// tries. Misclassifying an outage as poison dead-letters healthy events by
// the thousand (deploy review F3), so everything that says "the
// infrastructure is unavailable or misconfigured" is an outage.

import (
	"errors"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/hubstream/hubstream/internal/table"
)

// isTransient reports whether err is an infrastructure failure that says
// nothing about the event being applied: throttling, conflicts, network
// errors, 5xx answers, exhausted SDK retries, and outages (isOutage). Those
// are retried for as long as it takes; they never make an event poison.
func isTransient(err error) bool {
	if err == nil {
		return false
	}
	if isThrottled(err) || table.Retryable(err) || isOutage(err) {
		return true
	}
	var ise *streams.InternalServerError
	if errors.As(err, &ise) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var me *retry.MaxAttemptsError
	if errors.As(err, &me) {
		return true
	}
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	var oe interface{ Timeout() bool }
	return errors.As(err, &oe) && oe.Timeout()
}

// outageCodes are AWS error codes that say the caller cannot reach the
// table right now — missing or wrong permissions, unknown or expired
// credentials, a table or index that is not there — rather than that the
// request is wrong. They end when an operator fixes IAM, KMS or the
// deployment; every event is as good as before.
var outageCodes = map[string]bool{
	"AccessDeniedException":               true,
	"UnrecognizedClientException":         true,
	"InvalidSignatureException":           true,
	"IncompleteSignatureException":        true,
	"MissingAuthenticationTokenException": true,
	"MissingAuthenticationToken":          true,
	"ExpiredTokenException":               true,
	"InvalidClientTokenId":                true,
	"SignatureDoesNotMatch":               true,
	"ResourceNotFoundException":           true,
	"TableNotFoundException":              true,
}

// isOutage reports whether err says the table cannot be used right now
// for reasons outside the event: an error code of outageCodes, any KMS
// error (the table's key is disabled, deleted, pending deletion or not
// usable by the caller: KMSAccessDeniedException, KMSDisabledException,
// KMSInvalidStateException, KMSNotFoundException, …), or credentials that
// could not be retrieved (table.CredentialsError) or signed with.
func isOutage(err error) bool {
	if err == nil {
		return false
	}
	var rnf *types.ResourceNotFoundException
	if errors.As(err, &rnf) {
		return true
	}
	var se *v4.SigningError
	var ce *table.CredentialsError
	if errors.As(err, &se) || errors.As(err, &ce) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		code := api.ErrorCode()
		return outageCodes[code] || strings.HasPrefix(code, "KMS")
	}
	return false
}
