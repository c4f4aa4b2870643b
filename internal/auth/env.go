package auth

import "os"

// The environment variables of OptionsFromEnv.
const (
	EnvJWTSecret = "AUTH_JWT_SECRET"
	EnvJWKSURL   = "AUTH_JWKS_URL"
	EnvIssuer    = "AUTH_ISSUER"
	EnvAudience  = "AUTH_AUDIENCE"
)

// OptionsFromEnv reads AUTH_JWT_SECRET, AUTH_JWKS_URL, AUTH_ISSUER and
// AUTH_AUDIENCE. Unset variables leave their fields zero, so
// Options.Configured reports whether any was set; New checks the values.
func OptionsFromEnv() Options {
	return optionsFrom(os.Getenv)
}

func optionsFrom(getenv func(string) string) Options {
	var o Options
	if s := getenv(EnvJWTSecret); s != "" {
		o.Secret = []byte(s)
	}
	o.JWKSURL = getenv(EnvJWKSURL)
	o.Issuer = getenv(EnvIssuer)
	o.Audience = getenv(EnvAudience)
	return o
}
