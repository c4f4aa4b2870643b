package compose

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// endpointAlias is the name the storage back end answers to on the compose
// network, whichever profile runs it.
const endpointAlias = "dynamodb"

// TestOneImageBuiltOnce: exactly one service builds the image, every
// service running hubstream's binaries uses that image, and the others
// never try to pull it from a registry (where it does not exist).
func TestOneImageBuiltOnce(t *testing.T) {
	cf := loadCompose(t)
	var builders []string
	for name, s := range cf.Services {
		if s.Build != nil {
			builders = append(builders, name)
		}
	}
	if len(builders) != 1 {
		t.Fatalf("services that build an image: %v, want exactly one", builders)
	}
	builder := cf.Services[builders[0]]
	if len(builder.Profiles) != 0 {
		t.Errorf("the building service %s is in profiles %v: under another profile nothing would build the image", builders[0], builder.Profiles)
	}
	if builder.Image == "" {
		t.Fatalf("the building service %s names no image for the others to use", builders[0])
	}
	for name, s := range cf.Services {
		if !s.ours() || name == builders[0] {
			continue
		}
		if s.Image != builder.Image {
			t.Errorf("%s runs image %q, want the one %s builds (%q)", name, s.Image, builders[0], builder.Image)
		}
		if s.PullPolicy != "never" {
			t.Errorf("%s: pull_policy %q, want never (the image is built here, not published)", name, s.PullPolicy)
		}
	}
}

func TestServicesAreOperable(t *testing.T) {
	cf := loadCompose(t)
	for name, s := range cf.Services {
		t.Run(name, func(t *testing.T) {
			switch s.Restart {
			case "always", "unless-stopped", "on-failure":
			default:
				t.Errorf("restart %q: a long-running service needs a restart policy", s.Restart)
			}
			if s.Healthcheck == nil || len(s.Healthcheck.Test) == 0 {
				t.Error("no healthcheck")
			}
			// Every address a hubstream service listens on must be
			// reachable from the other containers: given explicitly
			// (ddblocal's default is loopback) and not on loopback.
			if s.ours() && (slices.Contains(s.Command, "--addr") || strings.HasSuffix(s.Entrypoint[0], "/ddblocal")) {
				addr := flagValue(s.Command, "--addr")
				if addr == "" {
					t.Fatalf("command %v: pass --addr explicitly", s.Command)
				}
				host, _, err := net.SplitHostPort(addr)
				if err != nil {
					t.Fatalf("--addr %q: %v", addr, err)
				}
				if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
					t.Errorf("--addr %q listens on loopback, which other containers cannot reach", addr)
				}
			}
		})
	}
}

// flagValue returns the value of flag in args ("--flag v" or "--flag=v").
func flagValue(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
		if v, ok := strings.CutPrefix(a, flag+"="); ok {
			return v
		}
	}
	return ""
}

// TestEveryProfileHasOneBackEnd: under each profile exactly one service
// answers as the DynamoDB endpoint the hubstream services are given, and
// every dependency a service requires runs under that profile.
func TestEveryProfileHasOneBackEnd(t *testing.T) {
	cf := loadCompose(t)
	profiles := cf.profiles()
	for _, want := range []string{"ddblocal", "dynamodb-local"} {
		if !slices.Contains(profiles, want) {
			t.Fatalf("no %q profile (profiles: %v)", want, profiles)
		}
	}
	if !strings.Contains(readFile(t, ".env"), "COMPOSE_PROFILES=ddblocal") {
		t.Error(".env does not choose the ddblocal profile, so a plain `docker compose up` would start no storage back end")
	}
	if img := cf.Services["dynamodb-local"].Image; !strings.Contains(img, "amazon/dynamodb-local:") {
		t.Errorf("the dynamodb-local profile runs %q, want Amazon's DynamoDB Local image at a pinned tag", img)
	}
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			var backEnds []string
			for name, s := range cf.Services {
				if s.activeIn(profile) && (name == endpointAlias || slices.Contains(s.Networks["default"].Aliases, endpointAlias)) {
					backEnds = append(backEnds, name)
				}
			}
			if len(backEnds) != 1 {
				t.Fatalf("services answering as %q: %v, want exactly one", endpointAlias, backEnds)
			}
			for name, s := range cf.Services {
				if !s.activeIn(profile) {
					continue
				}
				if ep := s.Environment["DYNAMODB_ENDPOINT"]; s.ours() && name != backEnds[0] {
					u, err := url.Parse(ep)
					if err != nil || u.Hostname() != endpointAlias {
						t.Errorf("%s: DYNAMODB_ENDPOINT %q, want http://%s:<port>", name, ep, endpointAlias)
					}
				}
				for dep, d := range s.DependsOn {
					required := d.Required == nil || *d.Required
					if required && !cf.Services[dep].activeIn(profile) {
						t.Errorf("%s requires %s, which does not run under this profile", name, dep)
					}
				}
				if s.ours() && name != backEnds[0] && !dependsOnTransitively(cf, name, backEnds[0]) {
					t.Errorf("%s does not wait for the back end %s", name, backEnds[0])
				}
			}
		})
	}
}

// dependsOnTransitively reports whether service from waits for to through
// other services.
func dependsOnTransitively(cf composeFile, from, to string) bool {
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(s string) bool {
		if seen[s] {
			return false
		}
		seen[s] = true
		for dep := range cf.Services[s].DependsOn {
			if dep == to || walk(dep) {
				return true
			}
		}
		return false
	}
	return walk(from)
}

// TestVolumesAreWritable: every named volume a hubstream service mounts is
// mounted on a directory the Dockerfile gives the image's non-root user,
// since Docker gives a fresh named volume that directory's owner.
func TestVolumesAreWritable(t *testing.T) {
	cf := loadCompose(t)
	df := parseDockerfile(t)
	if df.user == "" || df.user == "root" || strings.HasPrefix(df.user, "0") {
		t.Fatalf("the image runs as %q, want a non-root user", df.user)
	}
	uid := strings.SplitN(df.user, ":", 2)[0]
	mounted := 0
	for name, s := range cf.Services {
		if !s.ours() {
			continue
		}
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			if len(parts) < 2 {
				continue
			}
			mounted++
			owner, ok := df.owned[parts[1]]
			if !ok {
				t.Errorf("%s mounts %s on %s, which the Dockerfile does not create: a fresh volume there is root's", name, parts[0], parts[1])
				continue
			}
			if strings.SplitN(owner, ":", 2)[0] != uid {
				t.Errorf("%s mounts %s on %s, owned by %s in the image, but the image runs as %s", name, parts[0], parts[1], owner, df.user)
			}
		}
	}
	if mounted == 0 {
		t.Error("no hubstream service mounts a volume: the data would not survive the container")
	}
}

// dockerfile is what TestVolumesAreWritable needs of the Dockerfile's final
// stage: its user, and the directories it creates with an owner.
type dockerfile struct {
	user  string
	owned map[string]string // path → owner of COPY --chown
}

var (
	fromLine  = regexp.MustCompile(`(?i)^FROM\s`)
	userLine  = regexp.MustCompile(`(?i)^USER\s+(\S+)`)
	chownCopy = regexp.MustCompile(`(?i)^COPY\s+.*--chown=(\S+)\s+.*\s(\S+)$`)
)

func parseDockerfile(t *testing.T) dockerfile {
	t.Helper()
	df := dockerfile{owned: map[string]string{}}
	for _, line := range strings.Split(readFile(t, "Dockerfile"), "\n") {
		line = strings.TrimSpace(line)
		switch {
		case fromLine.MatchString(line):
			df = dockerfile{owned: map[string]string{}} // a new stage; the last one counts
		case userLine.MatchString(line):
			df.user = userLine.FindStringSubmatch(line)[1]
		case chownCopy.MatchString(line):
			m := chownCopy.FindStringSubmatch(line)
			df.owned[strings.TrimSuffix(m[2], "/")] = m[1]
		}
	}
	return df
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repositoryRoot, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNothingPublishedBeyondLoopback: every published port is bound to
// the host's loopback (review 2, F-MED-8: the API on all interfaces with
// a known secret let anyone on the LAN in), and no token secret is
// committed: AUTH_JWT_SECRET comes from the user's environment, required.
func TestNothingPublishedBeyondLoopback(t *testing.T) {
	cf := loadCompose(t)
	for name, s := range cf.Services {
		for _, p := range s.Ports {
			t.Run(name+" "+p, func(t *testing.T) {
				host, _, ok := strings.Cut(p, ":")
				if ip := net.ParseIP(host); !ok || ip == nil || !ip.IsLoopback() {
					t.Errorf("port %q is published on every interface: prefix it with 127.0.0.1:", p)
				}
			})
		}
		if v, ok := s.Environment["AUTH_JWT_SECRET"]; ok {
			t.Run(name+" AUTH_JWT_SECRET", func(t *testing.T) {
				if !regexp.MustCompile(`^\$\{AUTH_JWT_SECRET:\?[^}]+\}$`).MatchString(v) {
					t.Errorf("AUTH_JWT_SECRET is %q: a committed secret is public; want ${AUTH_JWT_SECRET:?message}", v)
				}
			})
		}
	}
}

// TestDDBLocalGuardsItsHost: ddblocal listens on every interface of its
// container, so it must name its own service names in --allowed-hosts to
// keep its DNS-rebinding guard on (review 2, F-MED-7), and those names
// must cover every name the other services reach it by.
func TestDDBLocalGuardsItsHost(t *testing.T) {
	cf := loadCompose(t)
	s, ok := cf.Services["ddblocal"]
	if !ok {
		t.Fatal("no ddblocal service")
	}
	allowed := strings.Split(flagValue(s.Command, "--allowed-hosts"), ",")
	for _, want := range append([]string{"ddblocal"}, s.Networks["default"].Aliases...) {
		if !slices.Contains(allowed, want) {
			t.Errorf("--allowed-hosts %v lacks %q: the guard would refuse (or, unset, be off)", allowed, want)
		}
	}
}
