package graph

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/hubstream/hubstream/internal/entities"
	"github.com/hubstream/hubstream/internal/obs"
)

// stampCodes makes sure every error a client receives has an
// extensions.code. gqlgen's transports answer some bad requests (a GET with
// a mutation, undecodable variables) before the error presenter runs; this
// wrapper catches those responses (status ≥ 400), adds BAD_USER_INPUT to
// errors that lack a code, and passes everything else through untouched.
// The codes of a refusal that never reached gqlgen (no operation recorded
// them) are recorded for the access log and counted in m (nil: not
// counted).
func stampCodes(next http.Handler, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &stampWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if codes := sw.finish(); len(codes) > 0 {
			rec := obs.RequestFrom(r.Context())
			if len(rec.Info().ErrorCodes) == 0 && rec.Info().OperationType == "" {
				rec.AddErrorCodes(codes...)
				m.countErrors(codes)
			}
		}
	})
}

type stampWriter struct {
	http.ResponseWriter
	status int
	buf    *bytes.Buffer // non-nil while holding an error response
}

// Unwrap lets http.ResponseController reach the connection (WebSocket
// upgrades hijack it, streaming responses flush it).
func (s *stampWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (s *stampWriter) WriteHeader(status int) {
	if s.status != 0 {
		return
	}
	s.status = status
	if status >= 400 {
		s.buf = &bytes.Buffer{}
		return
	}
	s.ResponseWriter.WriteHeader(status)
}

func (s *stampWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.WriteHeader(http.StatusOK)
	}
	if s.buf != nil {
		return s.buf.Write(p)
	}
	return s.ResponseWriter.Write(p)
}

// sanitizeTransportMessage replaces gqlgen's transport errors that quote
// Go's decoders (and the request itself) by plain ones: no Go error text
// reaches a client.
func sanitizeTransportMessage(msg string) string {
	switch {
	case strings.HasPrefix(msg, "json request body could not be decoded"),
		strings.HasPrefix(msg, "could not read request body"),
		strings.HasPrefix(msg, "could not cleanup body"):
		return `the request body is not a GraphQL request: send a JSON object {"query": String, "operationName": String, "variables": Object}`
	case strings.HasPrefix(msg, "invalid URL escape"), strings.HasPrefix(msg, "invalid semicolon separator"):
		return "the request's query string is malformed"
	}
	return msg
}

// finish sends a held error response, stamped, and returns its errors'
// codes.
func (s *stampWriter) finish() []string {
	if s.buf == nil {
		return nil
	}
	var codes []string
	body := s.buf.Bytes()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err == nil {
		if errs, ok := doc["errors"].([]any); ok {
			for _, e := range errs {
				m, ok := e.(map[string]any)
				if !ok {
					continue
				}
				ext, _ := m["extensions"].(map[string]any)
				if ext == nil {
					ext = map[string]any{}
					m["extensions"] = ext
				}
				if _, ok := ext["code"]; !ok {
					ext["code"] = string(entities.CodeBadInput)
				}
				if c, ok := ext["code"].(string); ok {
					codes = append(codes, c)
				}
				if msg, _ := m["message"].(string); msg != "" {
					m["message"] = sanitizeTransportMessage(msg)
				}
			}
			if out, err := json.Marshal(doc); err == nil {
				body = out
			}
		}
	}
	s.Header().Set("Content-Length", strconv.Itoa(len(body)))
	s.ResponseWriter.WriteHeader(s.status)
	_, _ = s.ResponseWriter.Write(body)
	return codes
}
