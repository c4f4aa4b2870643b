package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"
)

// TestRefusesUnsafeConfigurations: the server refuses to start, exit 1
// with a message naming what to set, when tokens of any application of
// an identity provider would be accepted (a JWKS without audience or
// issuer) or when processes behind a load balancer would each seal cursors
// with their own key (an endpoint without AUTH_JWT_SECRET or
// HUBSTREAM_CURSOR_KEY). None of these reach the endpoint (a closed port).
func TestRefusesUnsafeConfigurations(t *testing.T) {
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	jwks := map[string]string{"AUTH_JWKS_URL": "https://idp.example/jwks", "AUTH_ISSUER": "https://idp.example", "AUTH_AUDIENCE": "hubstream"}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	cases := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"JWKS without audience and issuer", with(nil, "AUTH_JWKS_URL", "https://idp.example/jwks", "HUBSTREAM_CURSOR_KEY", key), "needs AUTH_AUDIENCE and AUTH_ISSUER"},
		{"JWKS without audience", with(jwks, "AUTH_AUDIENCE", "", "HUBSTREAM_CURSOR_KEY", key), "needs AUTH_AUDIENCE and AUTH_ISSUER"},
		{"JWKS without issuer", with(jwks, "AUTH_ISSUER", "", "HUBSTREAM_CURSOR_KEY", key), "needs AUTH_AUDIENCE and AUTH_ISSUER"},
		{"JWKS without a cursor key", jwks, "no cursor key: with a DynamoDB endpoint and no AUTH_JWT_SECRET set HUBSTREAM_CURSOR_KEY"},
		{"a cursor key that is not base64", with(jwks, "HUBSTREAM_CURSOR_KEY", "%%%"), "HUBSTREAM_CURSOR_KEY is not base64"},
		{"a cursor key of the wrong size", with(jwks, "HUBSTREAM_CURSOR_KEY", base64.StdEncoding.EncodeToString([]byte("short"))), "HUBSTREAM_CURSOR_KEY decodes to 5 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range []string{"AUTH_JWT_SECRET", "AUTH_JWKS_URL", "AUTH_ISSUER", "AUTH_AUDIENCE", "AUTH_MAX_TOKEN_LIFETIME", "HUBSTREAM_CURSOR_KEY", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB"} {
				t.Setenv(k, "")
			}
			t.Setenv("DYNAMODB_ENDPOINT", "http://127.0.0.1:1")
			t.Setenv("AWS_ACCESS_KEY_ID", "local")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "local")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var out, errOut bytes.Buffer
			code := run(context.Background(), []string{"--addr", "127.0.0.1:0", "--log-level", "error"}, &out, &errOut)
			if code != 1 || !strings.Contains(errOut.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", code, errOut.String(), tc.want)
			}
		})
	}
}
