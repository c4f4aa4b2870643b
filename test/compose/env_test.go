package compose

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
)

// envReaders are the names of functions whose string arguments name
// environment variables: the standard library's, a getenv parameter (as
// in auth.optionsFrom), and CLI libraries' environment sources.
var envReaders = map[string]bool{"Getenv": true, "LookupEnv": true, "getenv": true, "EnvVar": true, "EnvVars": true}

// envName is what an environment variable's name looks like.
var envName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// envSet is the set of environment variables something reads.
type envSet struct {
	ours map[string]bool // read by hubstream's code
	aws  map[string]bool // named by the AWS SDK's shared configuration
}

// reads reports whether name is read by hubstream or the AWS SDK. The SDK
// composes per-service endpoint variables (AWS_ENDPOINT_URL_DYNAMODB) from
// AWS_ENDPOINT_URL and the service's ID.
func (e envSet) reads(name string) bool {
	if e.ours[name] || e.aws[name] {
		return true
	}
	return e.aws["AWS_ENDPOINT_URL"] && strings.HasPrefix(name, "AWS_ENDPOINT_URL_")
}

var (
	envOnce sync.Once
	envVars envSet
	envErr  error
)

// knownEnv derives the environment variables hubstream reads from its
// source (cmd/... and internal/..., type-checked, so constants such as
// auth.EnvJWTSecret resolve) and those the AWS SDK's configuration package
// names.
func knownEnv(t *testing.T) envSet {
	t.Helper()
	envOnce.Do(func() { envVars, envErr = loadEnv() })
	if envErr != nil {
		t.Fatalf("deriving the environment variables from the code: %v", envErr)
	}
	return envVars
}

func loadEnv() (envSet, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo,
		Dir:  repositoryRoot,
	}
	pkgs, err := packages.Load(cfg, "./cmd/...", "./internal/...", "github.com/aws/aws-sdk-go-v2/config")
	if err != nil {
		return envSet{}, err
	}
	set := envSet{ours: map[string]bool{}, aws: map[string]bool{}}
	var loadErrs []string
	for _, p := range pkgs {
		for _, e := range p.Errors {
			loadErrs = append(loadErrs, e.Error())
		}
		if p.PkgPath == "github.com/aws/aws-sdk-go-v2/config" {
			for _, f := range p.Syntax {
				collectStringConsts(f, p.TypesInfo, set.aws, func(s string) bool { return strings.HasPrefix(s, "AWS_") && envName.MatchString(s) })
			}
			continue
		}
		for _, f := range p.Syntax {
			collectEnvReads(f, p.TypesInfo, set.ours)
		}
	}
	if len(loadErrs) > 0 {
		return envSet{}, &loadError{loadErrs}
	}
	return set, nil
}

type loadError struct{ errs []string }

func (e *loadError) Error() string { return strings.Join(e.errs, "\n") }

// collectEnvReads adds the constant string arguments of every call to an
// envReaders function in f.
func collectEnvReads(f *ast.File, info *types.Info, into map[string]bool) {
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || !envReaders[calleeName(call.Fun)] {
			return true
		}
		for _, arg := range call.Args {
			if tv, ok := info.Types[arg]; ok && tv.Value != nil && tv.Value.Kind() == constant.String {
				if s := constant.StringVal(tv.Value); envName.MatchString(s) {
					into[s] = true
				}
			}
		}
		return true
	})
}

// collectStringConsts adds the value of every string constant declared in
// f for which keep is true.
func collectStringConsts(f *ast.File, info *types.Info, into map[string]bool, keep func(string) bool) {
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			for _, name := range spec.(*ast.ValueSpec).Names {
				obj := info.Defs[name]
				if obj == nil {
					continue
				}
				if c, ok := obj.(*types.Const); ok && c.Val().Kind() == constant.String {
					if s := constant.StringVal(c.Val()); keep(s) {
						into[s] = true
					}
				}
			}
		}
	}
}

// calleeName is the name a call is made by: f(...) or x.f(...).
func calleeName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// TestKnownEnvIsDerived checks the derivation itself: the variables the
// code reads in each of its ways (os.Getenv with a literal, a getenv
// parameter with a constant of another file) and the SDK's credentials are
// found, and a name nothing reads is not.
func TestKnownEnvIsDerived(t *testing.T) {
	known := knownEnv(t)
	for _, name := range []string{"DYNAMODB_ENDPOINT", "HUBSTREAM_TABLE", "AWS_REGION", "AUTH_JWT_SECRET", "AUTH_JWKS_URL"} {
		if !known.ours[name] {
			t.Errorf("%s is read by hubstream's code but was not found there", name)
		}
	}
	for _, name := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"} {
		if !known.aws[name] {
			t.Errorf("%s is read by the AWS SDK's configuration but was not found there", name)
		}
	}
	if !known.reads("AWS_ENDPOINT_URL_DYNAMODB") {
		t.Error("the SDK's per-service endpoint variable AWS_ENDPOINT_URL_DYNAMODB is not accepted")
	}
	for _, name := range []string{"HUBSTREAM_NO_SUCH_SETTING", "DYNAMODB_ENDPOINTS"} {
		if known.reads(name) {
			t.Errorf("%s is read by nothing, but was accepted", name)
		}
	}
	ours := make([]string, 0, len(known.ours))
	for k := range known.ours {
		ours = append(ours, k)
	}
	slices.Sort(ours)
	t.Logf("read by hubstream: %s; by the AWS SDK's configuration: %d names", strings.Join(ours, ", "), len(known.aws))
}
