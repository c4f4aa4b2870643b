package auth

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestDevSecret(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	s1, path, err := DevSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, DevSecretFile) || len(s1) < MinSecretLen {
		t.Fatalf("DevSecret = %q (%d bytes) at %s", s1, len(s1), path)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	s2, _, err := DevSecret(dir)
	if err != nil || string(s2) != string(s1) {
		t.Fatalf("second DevSecret = %q, %v; want the same secret", s2, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data directory holds %d entries, want only the secret", len(entries))
	}

	// A token minted with the development options verifies with them.
	a, err := New(DevOptions(s1))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.Mint("octocat", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := a.Authenticate(context.Background(), tok); err != nil || v.Login != "octocat" {
		t.Fatalf("Authenticate = %+v, %v", v, err)
	}
	// and not with another development secret.
	b, _ := New(DevOptions(NewDevSecret()))
	if _, err := b.Authenticate(context.Background(), tok); err == nil {
		t.Fatalf("a token of one development secret verified with another")
	}
}

func TestDevSecretConcurrentFirstUse(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	secrets := make([]string, 8)
	for i := range secrets {
		wg.Go(func() {
			s, _, err := DevSecret(dir)
			if err != nil {
				t.Error(err)
			}
			secrets[i] = string(s)
		})
	}
	wg.Wait()
	for _, s := range secrets[1:] {
		if s != secrets[0] {
			t.Fatalf("concurrent first uses disagree: %q vs %q", s, secrets[0])
		}
	}
}
