package deploy_test

import (
	"go/constant"
	"go/types"
	"sort"
	"strings"
	"sync"
	"testing"

	"golang.org/x/tools/go/packages"
	"golang.org/x/tools/go/ssa"
	"golang.org/x/tools/go/ssa/ssautil"
)

// What the code calls, found by reading it: which DynamoDB and DynamoDB
// Streams operations a binary can reach, and which environment variables
// it reads. The IAM policies and environments of the template are held to
// this, so a new call in the code fails the test until the policy allows
// it, and an action the code no longer needs fails it until the policy
// drops it.
//
// How: the module's packages are loaded from source (dependencies from
// export data) and turned into SSA. From a binary's main function, every
// function of the module that is referenced — called, passed as a value,
// made into a closure — is reachable, and so is every method of a type
// the code converts to an interface (whoever holds the interface may call
// any of them; net/http calls handlers that way). That over-approximates
// what runs, never under-approximates it. In reachable code the analysis
// notes:
//   - calls of methods of the SDK clients (dynamodb.Client,
//     dynamodbstreams.Client): the operation is the method's name;
//   - the SDK's paginators and waiters, which call on the code's behalf:
//     NewQueryPaginator → Query, NewTableExistsWaiter → DescribeTable;
//   - the transaction actions the code builds (types.Put, Update, Delete,
//     ConditionCheck), which IAM authorizes as PutItem, UpdateItem,
//     DeleteItem and ConditionCheckItem (there is no IAM action for
//     TransactWriteItems itself);
//   - constant names passed to os.Getenv and os.LookupEnv.

const (
	modulePath  = "github.com/hubstream/hubstream"
	dynamoPkg   = "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	streamsPkg  = "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	dynamoTypes = "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// calls is what one binary's reachable code does.
type calls struct {
	// Ops are the SDK operations, e.g. "Query", "GetRecords".
	Ops map[string]bool
	// TxActions are the transaction members built: Put, Update, Delete,
	// ConditionCheck.
	TxActions map[string]bool
	// Env are the environment variables read by name.
	Env map[string]bool
}

// IAMActions returns the dynamodb:* actions c needs, sorted: every
// operation as its own action, except that TransactWriteItems needs the
// actions of the members it is built from, and TransactGetItems GetItem.
func (c calls) IAMActions() []string {
	set := map[string]bool{}
	for op := range c.Ops {
		switch op {
		case "TransactWriteItems":
			for a := range c.TxActions {
				set[map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}[a]] = true
			}
		case "TransactGetItems":
			set["GetItem"] = true
		default:
			set[op] = true
		}
	}
	out := make([]string, 0, len(set))
	for a := range set {
		out = append(out, "dynamodb:"+a)
	}
	sort.Strings(out)
	return out
}

var (
	programOnce sync.Once
	program     *ssa.Program
	programErr  error
	mains       map[string]*ssa.Package // by import path
)

// loadProgram builds the SSA form of every package of the module (once
// per test binary).
func loadProgram(t *testing.T) *ssa.Program {
	t.Helper()
	programOnce.Do(func() {
		cfg := &packages.Config{
			Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedImports,
			Dir:  "..",
		}
		pkgs, err := packages.Load(cfg, modulePath+"/...")
		if err != nil {
			programErr = err
			return
		}
		var broken []string
		packages.Visit(pkgs, nil, func(p *packages.Package) {
			for _, e := range p.Errors {
				broken = append(broken, e.Error())
			}
		})
		if len(broken) > 0 {
			programErr = &loadError{broken}
			return
		}
		prog, ssaPkgs := ssautil.Packages(pkgs, ssa.InstantiateGenerics)
		prog.Build()
		mains = map[string]*ssa.Package{}
		for _, p := range ssaPkgs {
			if p != nil {
				mains[p.Pkg.Path()] = p
			}
		}
		program = prog
	})
	if programErr != nil {
		t.Fatalf("loading the module: %v", programErr)
	}
	return program
}

type loadError struct{ errs []string }

func (e *loadError) Error() string { return strings.Join(e.errs, "\n") }

// reachableCalls returns what the main function of the command cmd (e.g.
// "cmd/server") can reach, not walking into the functions named in
// exclude (ssa.Function.String() form, e.g.
// "(*github.com/hubstream/hubstream/internal/projector.Runner).Run"):
// code a deployment switches off with a flag.
func reachableCalls(t *testing.T, cmd string, exclude ...string) calls {
	t.Helper()
	prog := loadProgram(t)
	pkg := mains[modulePath+"/"+cmd]
	if pkg == nil || pkg.Func("main") == nil {
		t.Fatalf("no main function in %s", cmd)
	}
	skip := map[string]bool{}
	for _, e := range exclude {
		skip[e] = true
	}
	found := map[string]bool{}
	c := calls{Ops: map[string]bool{}, TxActions: map[string]bool{}, Env: map[string]bool{}}
	seen := map[*ssa.Function]bool{}
	var work []*ssa.Function
	viaValue, getenvPassed := map[string]bool{}, false
	reach := func(fn *ssa.Function) {
		if fn == nil || seen[fn] {
			return
		}
		seen[fn] = true
		if skip[fn.String()] {
			found[fn.String()] = true
			return
		}
		work = append(work, fn)
	}
	reach(pkg.Func("main"))
	// Package initialisers run whatever the program's main does.
	for _, p := range mains {
		reach(p.Func("init"))
	}
	methodsOf := func(typ types.Type) {
		ms := prog.MethodSets.MethodSet(typ)
		for i := range ms.Len() {
			if fn := prog.MethodValue(ms.At(i)); fn != nil && inModule(fn) {
				reach(fn)
			}
		}
	}
	for len(work) > 0 {
		fn := work[len(work)-1]
		work = work[:len(work)-1]
		for _, b := range fn.Blocks {
			for _, instr := range b.Instrs {
				switch in := instr.(type) {
				case *ssa.MakeInterface:
					t := in.X.Type()
					if !isSDKClient(t) {
						methodsOf(t)
						if _, isPtr := t.(*types.Pointer); !isPtr {
							methodsOf(types.NewPointer(t))
						}
					}
				case *ssa.Alloc:
					if n := namedIn(in.Type().(*types.Pointer).Elem(), dynamoTypes); n != "" {
						switch n {
						case "Put", "Update", "Delete", "ConditionCheck":
							c.TxActions[n] = true
						}
					}
				case ssa.CallInstruction:
					common := in.Common()
					name, isConst := constString(common.Args)
					switch callee := common.StaticCallee(); {
					case !isConst:
					case callee != nil && isEnvRead(callee):
						c.Env[name] = true
					case callee == nil && !common.IsInvoke() && getenvShaped(common.Signature()):
						// getenv(name) through a func(string) string value:
						// os.Getenv handed to a parser (auth.OptionsFromEnv).
						viaValue[name] = true
					}
					for _, arg := range common.Args {
						if f, ok := arg.(*ssa.Function); ok && isEnvRead(f) {
							getenvPassed = true
						}
					}
				}
				for _, op := range instr.Operands(nil) {
					if op == nil || *op == nil {
						continue
					}
					callee, ok := (*op).(*ssa.Function)
					if !ok {
						continue
					}
					if o := sdkOperation(callee); o != "" {
						c.Ops[o] = true
						continue
					}
					// Module functions, and the wrappers the compiler makes
					// around methods (bound method values, promotions).
					if inModule(callee) || callee.Synthetic != "" {
						reach(callee)
					}
				}
			}
		}
	}
	if getenvPassed {
		for name := range viaValue {
			c.Env[name] = true
		}
	}
	for _, e := range exclude {
		if !found[e] {
			t.Fatalf("the excluded function %s is not reachable from %s (renamed?): the exclusion no longer means anything", e, cmd)
		}
	}
	return c
}

func inModule(fn *ssa.Function) bool {
	if o := fn.Origin(); o != nil {
		fn = o
	}
	return fn.Pkg != nil && strings.HasPrefix(fn.Pkg.Pkg.Path(), modulePath)
}

// sdkOperation names the DynamoDB operation fn performs when the code
// calls it or hands it the client: a client method, a paginator or a
// waiter constructor.
func sdkOperation(fn *ssa.Function) string {
	obj, _ := fn.Object().(*types.Func)
	if obj == nil || obj.Pkg() == nil {
		return ""
	}
	path := obj.Pkg().Path()
	if path != dynamoPkg && path != streamsPkg {
		return ""
	}
	sig := obj.Type().(*types.Signature)
	if recv := sig.Recv(); recv != nil {
		if isSDKClient(recv.Type()) && obj.Exported() {
			return obj.Name()
		}
		return ""
	}
	name := obj.Name()
	switch {
	case strings.HasPrefix(name, "New") && strings.HasSuffix(name, "Paginator"):
		return strings.TrimSuffix(strings.TrimPrefix(name, "New"), "Paginator")
	case name == "NewTableExistsWaiter" || name == "NewTableNotExistsWaiter":
		return "DescribeTable"
	case strings.HasPrefix(name, "New") && strings.HasSuffix(name, "Waiter"):
		return "unknown waiter " + name
	}
	return ""
}

// isSDKClient reports whether t is (a pointer to) dynamodb.Client or
// dynamodbstreams.Client.
func isSDKClient(t types.Type) bool {
	return namedIn(t, dynamoPkg) == "Client" || namedIn(t, streamsPkg) == "Client"
}

// namedIn returns the name of t (or of what t points to) when it is a
// named type of package path.
func namedIn(t types.Type, path string) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != path {
		return ""
	}
	return n.Obj().Name()
}

func isEnvRead(fn *ssa.Function) bool {
	obj, _ := fn.Object().(*types.Func)
	return obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == "os" && (obj.Name() == "Getenv" || obj.Name() == "LookupEnv")
}

// constString returns the first argument when it is a string constant.
func constString(args []ssa.Value) (string, bool) {
	if len(args) == 0 {
		return "", false
	}
	k, ok := args[0].(*ssa.Const)
	if !ok || k.Value == nil || k.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(k.Value), true
}

// getenvShaped reports whether sig is os.Getenv's or os.LookupEnv's.
func getenvShaped(sig *types.Signature) bool {
	if sig.Params().Len() != 1 || !types.Identical(sig.Params().At(0).Type(), types.Typ[types.String]) {
		return false
	}
	r := sig.Results()
	switch r.Len() {
	case 1:
		return types.Identical(r.At(0).Type(), types.Typ[types.String])
	case 2:
		return types.Identical(r.At(0).Type(), types.Typ[types.String]) && types.Identical(r.At(1).Type(), types.Typ[types.Bool])
	}
	return false
}
