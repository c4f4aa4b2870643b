package ddblocal

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/hubstream/hubstream/internal/ddblocal/ddberr"
)

// maxRequestBytes bounds a request body. DynamoDB's largest legal request
// (TransactWriteItems) is 4 MB of items plus JSON overhead; 16 MiB leaves room
// for that and stops a client from making us buffer unbounded input.
const maxRequestBytes = 16 << 20

const (
	dynamoPrefix  = "DynamoDB_20120810."
	streamsPrefix = "DynamoDBStreams_20120810."
)

// handlerFunc is one operation: it decodes body and returns a response value
// to be encoded as JSON, or an error.
type handlerFunc func(ctx context.Context, body []byte) (any, error)

// ServeHTTP answers one DynamoDB JSON-protocol request. Every client error is
// a 400 with DynamoDB's __type; only a fault inside the engine is a 500.
func (e *Engine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqID := e.reqIDs.next()
	w.Header()["X-Amzn-Requestid"] = []string{reqID}
	if r.Method != http.MethodPost {
		e.writeError(w, ddberr.New(ddberr.UnknownOperation, "only POST is supported"))
		return
	}
	target := r.Header.Get("X-Amz-Target")
	op, ok := e.route(target)
	if !ok {
		e.writeError(w, ddberr.New(ddberr.UnknownOperation, "unknown operation %q", target))
		return
	}
	body, err := readBody(r)
	if err != nil {
		e.writeError(w, ddberr.Serializationf("cannot read request body: %v", err))
		return
	}
	if len(body) > maxRequestBytes {
		e.writeError(w, ddberr.Validationf("Request size exceeds %d bytes", maxRequestBytes))
		return
	}
	if err := e.faults.throttle(strings.TrimPrefix(target, dynamoPrefix)); err != nil {
		e.writeError(w, err)
		return
	}
	ctx := r.Context()
	if strings.HasSuffix(target, ".DescribeEndpoints") {
		host := r.Host
		if host == "" && r.URL != nil {
			host = r.URL.Host
		}
		ctx = context.WithValue(ctx, hostKey{}, host)
	}
	resp, err := e.invoke(ctx, op, body)
	if err != nil {
		e.writeError(w, err)
		return
	}
	if raw, ok := resp.(rawJSON); ok {
		writeBody(w, http.StatusOK, raw)
		// The server and the in-process recorder have copied the bytes.
		e.respBufs.put(raw)
		return
	}
	out, err := json.Marshal(resp)
	if err != nil {
		e.writeError(w, err)
		return
	}
	writeBody(w, http.StatusOK, out)
}

// rawJSON is a response already encoded by a hot-path encoder.
type rawJSON []byte

// invoke runs op and turns a panic into an internal error, so that no input
// can take the process down.
func (e *Engine) invoke(ctx context.Context, op handlerFunc, body []byte) (resp any, err error) {
	defer func() {
		if p := recover(); p != nil {
			e.logf("ddblocal: panic serving request: %v", p)
			resp, err = nil, errInternal
		}
	}()
	return op(ctx, body)
}

var errInternal = errors.New("internal engine fault")

func (e *Engine) route(target string) (handlerFunc, bool) {
	switch {
	case strings.HasPrefix(target, dynamoPrefix):
		h, ok := e.ops[target[len(dynamoPrefix):]]
		return h, ok
	case strings.HasPrefix(target, streamsPrefix):
		h, ok := e.streamOps[target[len(streamsPrefix):]]
		return h, ok
	}
	return nil, false
}

// errorTypePrefix returns the namespace DynamoDB uses in __type for code.
func errorTypePrefix(code ddberr.Code) string {
	switch code {
	case ddberr.Validation:
		return "com.amazon.coral.validate#"
	case ddberr.UnknownOperation, ddberr.Serialization:
		return "com.amazon.coral.service#"
	case ddberr.Throttling:
		return "com.amazon.coral.availability#"
	}
	return "com.amazonaws.dynamodb.v20120810#"
}

// writeError encodes err the way DynamoDB does. Errors that are not client
// errors become a 500 InternalServerError without internal detail.
func (e *Engine) writeError(w http.ResponseWriter, err error) {
	var body map[string]any
	status := http.StatusBadRequest
	var de *ddberr.Error
	var cf *conditionalFailed
	var tc *txCanceled
	switch {
	case errors.As(err, &cf):
		body = map[string]any{"__type": errorTypePrefix(ddberr.ConditionalCheckFailed) + string(ddberr.ConditionalCheckFailed), "message": "The conditional request failed"}
		if cf.item != nil {
			body["Item"] = cf.item
		}
	case errors.As(err, &tc):
		body = map[string]any{
			"__type":              errorTypePrefix(ddberr.TransactionCanceled) + string(ddberr.TransactionCanceled),
			"message":             tc.message(),
			"CancellationReasons": tc.reasons,
		}
	case errors.As(err, &de):
		// The coral front end (unknown operations, undecodable bodies)
		// spells the member "Message"; DynamoDB's own errors "message".
		key := "message"
		if de.Code == ddberr.Serialization || de.Code == ddberr.UnknownOperation {
			key = "Message"
		}
		body = map[string]any{"__type": errorTypePrefix(de.Code) + string(de.Code), key: de.Message}
	default:
		// A request whose client gave up is not an engine fault.
		if !errors.Is(err, errInternal) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			e.logf("ddblocal: internal error: %v", err)
		}
		status = http.StatusInternalServerError
		body = map[string]any{"__type": errorTypePrefix(ddberr.InternalServerError) + string(ddberr.InternalServerError), "message": "Internal server error"}
	}
	out, mErr := json.Marshal(body)
	if mErr != nil {
		status = http.StatusInternalServerError
		out = []byte(`{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`)
	}
	writeBody(w, status, out)
}

// readBody reads a request body of at most maxRequestBytes+1 bytes, in
// one allocation when the client sent a Content-Length (the SDK always
// does).
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n >= 0 && n <= maxRequestBytes {
		body := make([]byte, n)
		if _, err := io.ReadFull(r.Body, body); err != nil {
			return nil, err
		}
		return body, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, maxRequestBytes+1))
}

// writeBody writes a response. Header keys are assigned in canonical form
// directly: Header.Set would canonicalise them again on every response.
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["X-Amz-Crc32"] = []string{strconv.FormatUint(uint64(crc32.ChecksumIEEE(body)), 10)}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

var jsonContentType = []string{"application/x-amz-json-1.0"}

// requestIDs makes x-amzn-RequestId values in DynamoDB's format: 52
// characters of upper-case letters and digits. Each is a random
// per-engine prefix of 39 characters and a 13-character base-36 counter,
// unique without reading crypto/rand on every request.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

const (
	requestIDLen     = 52
	requestIDCounter = 13 // base-36 digits of a uint64
	requestIDDigits  = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)

func newRequestIDs() *requestIDs {
	var b [requestIDLen - requestIDCounter]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = requestIDDigits[int(b[i])%len(requestIDDigits)]
	}
	return &requestIDs{prefix: string(b[:])}
}

func (r *requestIDs) next() string {
	var buf [requestIDLen]byte
	copy(buf[:], r.prefix)
	n := r.n.Add(1)
	for i := requestIDLen - 1; i >= requestIDLen-requestIDCounter; i-- {
		buf[i] = requestIDDigits[n%36]
		n /= 36
	}
	return string(buf[:])
}

// InProcessClient is an aws.HTTPClient bound to an http.Handler: requests are
// served by a direct call, with no socket and no HTTP parsing.
type InProcessClient struct{ h http.Handler }

// Do serves req with the bound handler and returns its recorded response.
// It fails only if the request body cannot be read or the context is done.
func (c *InProcessClient) Do(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	rw := &responseRecorder{header: make(http.Header), status: http.StatusOK}
	c.h.ServeHTTP(rw, req)
	return &http.Response{
		Status:        strconv.Itoa(rw.status) + " " + http.StatusText(rw.status),
		StatusCode:    rw.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rw.header,
		Body:          io.NopCloser(bytes.NewReader(rw.body.Bytes())),
		ContentLength: int64(rw.body.Len()),
		Request:       req,
	}, nil
}

// responseRecorder is the minimal http.ResponseWriter the in-process client
// needs; httptest.ResponseRecorder would do, but it lives in a test package.
type responseRecorder struct {
	header      http.Header
	body        bytes.Buffer
	status      int
	wroteHeader bool
}

func (r *responseRecorder) Header() http.Header { return r.header }

func (r *responseRecorder) WriteHeader(status int) {
	if !r.wroteHeader {
		r.status, r.wroteHeader = status, true
	}
}

func (r *responseRecorder) Write(p []byte) (int, error) {
	r.wroteHeader = true
	return r.body.Write(p)
}
