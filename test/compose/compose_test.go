// Package compose checks docker-compose.yml against hubstream's binaries.
// No Docker engine runs on our machines, so `docker compose up` is not run
// here; instead every command, sub-command and flag the compose file uses
// is executed against the real binaries in "-h" mode, and the environment
// variables it sets are checked against the ones the code reads.
package compose

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

type service struct {
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Volumes []string `yaml:"volumes"`
}

type composeFile struct {
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

// knownEnv are the variables hubstream's binaries (or the AWS SDK's
// configuration chain) read.
var knownEnv = map[string]bool{
	"DYNAMODB_ENDPOINT": true, "AWS_REGION": true, "HUBSTREAM_TABLE": true,
	"AWS_ACCESS_KEY_ID": true, "AWS_SECRET_ACCESS_KEY": true,
	"AUTH_JWT_SECRET": true, "AUTH_JWKS_URL": true, "AUTH_ISSUER": true, "AUTH_AUDIENCE": true,
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatalf("docker-compose.yml is not valid YAML: %v", err)
	}
	return cf
}

// buildBinaries builds the three commands into a temporary directory.
func buildBinaries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, cmd := range []string{"server", "projector", "ddblocal"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, cmd), "../../cmd/"+cmd).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", cmd, err, out)
		}
	}
	return dir
}

// checkArgs runs the binary with args plus -h: the flag package parses
// every flag before it meets -h, so an unknown flag or sub-command shows as
// an error instead of the usage text.
func checkArgs(t *testing.T, bin string, args []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(append([]string{}, args...), "-h")...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run()
	text := out.String()
	for _, bad := range []string{"flag provided but not defined", "unknown command", "invalid value"} {
		if strings.Contains(text, bad) {
			t.Fatalf("%s %v: %s", filepath.Base(bin), args, text)
		}
	}
	if !strings.Contains(text, "Usage") && !strings.Contains(text, "usage") {
		t.Fatalf("%s %v -h printed no usage (did it run instead of parsing flags?):\n%s", filepath.Base(bin), args, text)
	}
}

func TestComposeCommandsExist(t *testing.T) {
	cf := loadCompose(t)
	bins := buildBinaries(t)
	want := []string{"ddblocal", "server", "projector"}
	for _, name := range want {
		if _, ok := cf.Services[name]; !ok {
			t.Fatalf("service %q missing from docker-compose.yml", name)
		}
	}
	for name, svc := range cf.Services {
		t.Run(name, func(t *testing.T) {
			if len(svc.Entrypoint) != 1 || !strings.HasPrefix(svc.Entrypoint[0], "/usr/local/bin/") {
				t.Fatalf("entrypoint %v: want one of our binaries in /usr/local/bin", svc.Entrypoint)
			}
			bin := filepath.Join(bins, filepath.Base(svc.Entrypoint[0]))
			if _, err := os.Stat(bin); err != nil {
				t.Fatalf("entrypoint %s is not a hubstream binary", svc.Entrypoint[0])
			}
			checkArgs(t, bin, svc.Command)
			if hc := svc.Healthcheck; hc != nil {
				if len(hc.Test) < 2 || hc.Test[0] != "CMD" {
					t.Fatalf("healthcheck %v: want the exec form [CMD, binary, ...] (the image has no shell)", hc.Test)
				}
				checkArgs(t, filepath.Join(bins, filepath.Base(hc.Test[1])), hc.Test[2:])
			}
			for k := range svc.Environment {
				if !knownEnv[k] {
					t.Errorf("environment variable %s is read by nothing", k)
				}
			}
			for dep, cond := range svc.DependsOn {
				if _, ok := cf.Services[dep]; !ok {
					t.Errorf("depends on unknown service %s", dep)
				}
				if cond.Condition == "service_healthy" && cf.Services[dep].Healthcheck == nil {
					t.Errorf("waits for %s to be healthy, but it has no healthcheck", dep)
				}
			}
			for _, v := range svc.Volumes {
				vol := strings.SplitN(v, ":", 2)[0]
				if _, ok := cf.Volumes[vol]; !ok && !strings.HasPrefix(vol, ".") && !strings.HasPrefix(vol, "/") {
					t.Errorf("volume %s is not declared", vol)
				}
			}
		})
	}
}
