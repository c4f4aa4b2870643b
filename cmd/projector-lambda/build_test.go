package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBuildsForLambda builds the function as docs/deploy.md says —
// GOOS=linux GOARCH=arm64 CGO_ENABLED=0 -tags lambda.norpc — and checks
// that the result is what the provided.al2023 arm64 runtime runs: a
// static (no interpreter) AArch64 Linux executable.
func TestBuildsForLambda(t *testing.T) {
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-o", out, ".")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Machine != elf.EM_AARCH64 || f.OSABI != elf.ELFOSABI_NONE && f.OSABI != elf.ELFOSABI_LINUX || f.Type != elf.ET_EXEC {
		t.Fatalf("machine %v, OS ABI %v, type %v: want an AArch64 Linux executable", f.Machine, f.OSABI, f.Type)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatal("the binary needs a dynamic loader: not static")
		}
	}
	if syms, err := f.Symbols(); err == nil {
		for _, s := range syms {
			// lambda.norpc leaves the net/rpc server out.
			if s.Name == "net/rpc.(*Server).ServeConn" {
				t.Fatal("net/rpc is linked in: was -tags lambda.norpc honoured?")
			}
		}
	}
}
