// Package compose checks docker-compose.yml, the Dockerfile and
// .dockerignore against hubstream's code. No Docker engine runs on our
// machines, so `docker compose up` is not run here. Instead:
//
//   - every command, sub-command and flag a service or health check uses is
//     executed against the real binaries in "-h" mode;
//   - every environment variable the file sets is one the code (or the AWS
//     SDK's configuration) reads, derived from the source, not a kept list;
//   - the file's shape is checked: one image built once, restart policies,
//     health checks, addresses other containers can reach, a storage back
//     end per profile, volumes the non-root user can write;
//   - the build context keeps out history, data and secrets and keeps in
//     every file the build embeds;
//   - where Docker Compose v2 is installed, `docker compose config` validates
//     the file for each profile (.ci/run installs it).
package compose

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

// repositoryRoot is the repository's root, relative to this package.
const repositoryRoot = "../.."

// binDir is where hubstream's binaries live in the image.
const binDir = "/usr/local/bin/"

type healthcheck struct {
	Test []string `yaml:"test"`
}

type dependency struct {
	Condition string `yaml:"condition"`
	// Required is nil when not given (Compose's default: true).
	Required *bool `yaml:"required"`
}

type network struct {
	Aliases []string `yaml:"aliases"`
}

type service struct {
	Image       string                `yaml:"image"`
	Build       any                   `yaml:"build"`
	PullPolicy  string                `yaml:"pull_policy"`
	Profiles    []string              `yaml:"profiles"`
	Entrypoint  []string              `yaml:"entrypoint"`
	Command     []string              `yaml:"command"`
	Environment map[string]string     `yaml:"environment"`
	Healthcheck *healthcheck          `yaml:"healthcheck"`
	DependsOn   map[string]dependency `yaml:"depends_on"`
	Volumes     []string              `yaml:"volumes"`
	Ports       []string              `yaml:"ports"`
	Restart     string                `yaml:"restart"`
	User        string                `yaml:"user"`
	Networks    map[string]network    `yaml:"networks"`
}

// ours reports whether the service runs one of hubstream's binaries.
func (s service) ours() bool {
	return len(s.Entrypoint) > 0 && strings.HasPrefix(s.Entrypoint[0], binDir)
}

// activeIn reports whether the service runs when profile is chosen
// (services without profiles always run).
func (s service) activeIn(profile string) bool {
	return len(s.Profiles) == 0 || slices.Contains(s.Profiles, profile)
}

type composeFile struct {
	Name     string             `yaml:"name"`
	Services map[string]service `yaml:"services"`
	Volumes  map[string]any     `yaml:"volumes"`
}

// profiles returns every profile the file names.
func (cf composeFile) profiles() []string {
	var out []string
	for _, s := range cf.Services {
		for _, p := range s.Profiles {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	slices.Sort(out)
	return out
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repositoryRoot, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatalf("docker-compose.yml is not valid YAML: %v", err)
	}
	if len(cf.Services) == 0 {
		t.Fatal("docker-compose.yml has no services")
	}
	return cf
}

// buildBinaries builds the three commands into a temporary directory.
func buildBinaries(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, cmd := range []string{"server", "projector", "ddblocal"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(dir, cmd), filepath.Join(repositoryRoot, "cmd", cmd)).CombinedOutput()
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
	known := knownEnv(t)
	for _, name := range []string{"ddblocal", "server", "projector"} {
		if svc, ok := cf.Services[name]; !ok || !svc.ours() {
			t.Fatalf("service %q missing from docker-compose.yml, or not running our binary", name)
		}
	}
	for name, svc := range cf.Services {
		t.Run(name, func(t *testing.T) {
			if svc.ours() {
				if len(svc.Entrypoint) != 1 {
					t.Fatalf("entrypoint %v: want one of our binaries in %s", svc.Entrypoint, binDir)
				}
				bin := filepath.Join(bins, filepath.Base(svc.Entrypoint[0]))
				if _, err := os.Stat(bin); err != nil {
					t.Fatalf("entrypoint %s is not a hubstream binary", svc.Entrypoint[0])
				}
				checkArgs(t, bin, svc.Command)
				for k := range svc.Environment {
					if !known.reads(k) {
						t.Errorf("environment variable %s is read by nothing: neither hubstream's code nor the AWS SDK's configuration", k)
					}
				}
			}
			if hc := svc.Healthcheck; hc != nil && svc.ours() {
				if len(hc.Test) < 2 || hc.Test[0] != "CMD" || !strings.HasPrefix(hc.Test[1], binDir) {
					t.Fatalf("healthcheck %v: want the exec form [CMD, %s<binary>, ...] (the image has no shell)", hc.Test, binDir)
				}
				checkArgs(t, filepath.Join(bins, filepath.Base(hc.Test[1])), hc.Test[2:])
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
