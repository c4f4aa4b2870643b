package auth

import (
	"fmt"
	"os"
	"time"
)

// The environment variables of OptionsFromEnv.
const (
	EnvJWTSecret        = "AUTH_JWT_SECRET"
	EnvJWKSURL          = "AUTH_JWKS_URL"
	EnvIssuer           = "AUTH_ISSUER"
	EnvAudience         = "AUTH_AUDIENCE"
	EnvMaxTokenLifetime = "AUTH_MAX_TOKEN_LIFETIME"
)

// OptionsFromEnv reads AUTH_JWT_SECRET, AUTH_JWKS_URL, AUTH_ISSUER,
// AUTH_AUDIENCE and AUTH_MAX_TOKEN_LIFETIME (a Go duration such as "24h"
// or "90m"). Unset variables leave their fields zero, so
// Options.Configured reports whether a key source, issuer or audience was
// set; New checks the values. A lifetime that is not a positive duration
// is an error.
func OptionsFromEnv() (Options, error) {
	return optionsFrom(os.Getenv)
}

func optionsFrom(getenv func(string) string) (Options, error) {
	var o Options
	if s := getenv(EnvJWTSecret); s != "" {
		o.Secret = []byte(s)
	}
	o.JWKSURL = getenv(EnvJWKSURL)
	o.Issuer = getenv(EnvIssuer)
	o.Audience = getenv(EnvAudience)
	if s := getenv(EnvMaxTokenLifetime); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return Options{}, fmt.Errorf("auth: %s must be a positive duration such as 24h or 90m (got %q)", EnvMaxTokenLifetime, s)
		}
		o.MaxTokenLifetime = d
	}
	return o, nil
}
