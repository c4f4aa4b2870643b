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
// set; New checks the values. A lifetime that is not a positive duration,
// or longer than MaxMaxTokenLifetime, is an error, and so is a secret of
// too little variety (checkSecretVariety).
func OptionsFromEnv() (Options, error) {
	return optionsFrom(os.Getenv)
}

func optionsFrom(getenv func(string) string) (Options, error) {
	var o Options
	if s := getenv(EnvJWTSecret); s != "" {
		if err := checkSecretVariety(s); err != nil {
			return Options{}, err
		}
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
		if d > MaxMaxTokenLifetime {
			return Options{}, fmt.Errorf("auth: %s must be at most %s (30 days; got %q): a stolen token is useful for as long as it lives", EnvMaxTokenLifetime, MaxMaxTokenLifetime, s)
		}
		o.MaxTokenLifetime = d
	}
	return o, nil
}

// MinSecretVariety is the fewest distinct bytes AUTH_JWT_SECRET must
// hold: 32 bytes of one repeated character, or of white space, pass a
// length check but are guessed at once (review 2, F-low-11). Any random
// secret (openssl rand -hex 32 has about 16 distinct bytes) passes.
const MinSecretVariety = 8

// checkSecretVariety refuses a secret that is blank or has fewer than
// MinSecretVariety distinct bytes; it does not measure entropy, only
// catches the obvious placeholders.
func checkSecretVariety(s string) error {
	distinct := map[byte]bool{}
	blank := true
	for i := 0; i < len(s); i++ {
		distinct[s[i]] = true
		if c := s[i]; c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			blank = false
		}
	}
	if blank || len(distinct) < MinSecretVariety {
		return fmt.Errorf("auth: %s is too easy to guess (%d distinct bytes, at least %d needed): use a random secret, e.g. openssl rand -hex 32", EnvJWTSecret, len(distinct), MinSecretVariety)
	}
	return nil
}
