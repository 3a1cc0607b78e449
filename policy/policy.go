// Package policy evaluates Rego policies on Kubernetes manifests, Helm
// values and other YAML or JSON documents, with conftest's conventions,
// so that a change is checked before it reaches a GitOps repository.
//
// Load compiles the policies of a directory (Rego v1, with OPA's Go
// library) and loads the data files beside them; Check evaluates
// documents; CheckPaths reads them from files and directories;
// CheckEnvironment renders a kustomize overlay (as `kustomize build`
// does, in process) or reads an environment's manifests or values files.
// The Report lists every failure, warning and exception and converts into
// golden's result model.
//
// The conventions are conftest's (`conftest test --policy DIR --data DIR
// --namespace NS`): rules whose name is deny, violation, deny_* or
// violation_* are failures, warn and warn_* warnings, in namespace (Rego
// package) main unless others are given; each document is `input`; a rule
// yields strings or objects with a string "msg"; `exception` rules exempt
// documents from rules by name; data.conftest.file holds the name and
// directory of the file evaluated; .json, .yaml and .yml files in the
// policy directory are data (a file in a subdirectory is under that
// subdirectory's name: sub/registries.yaml is data.sub). The results and
// their counts are conftest's, except that:
//
//   - YAML streams are split at every "---" line, where conftest splits
//     only at a bare "---" (a "--- # comment" line hides the documents after
//     it from conftest), and documents without content are left out
//     (conftest evaluates an empty document as a null input);
//   - a JSON file is one document even when it is an array (conftest
//     evaluates each element);
//   - a namespace without a policy, policies without a deny, violation
//     or warn rule in the namespaces checked, and a deny, violation or warn
//     rule written "deny if ..." (a boolean, never a message) are errors,
//     not passes;
//   - opa.runtime() is empty: golden does not hand the environment (and the
//     credentials in it) to policies.
//
// Errors are classified for package exitcode: a policy that does not
// compile, a document that does not parse, a kustomization that does not
// build and a policy that fails at evaluation are bad input (2) and name
// the file and line; a file that cannot be read for another reason than
// its absence is the machine's (3).
package policy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage"

	"github.com/goldenci/golden/exitcode"
)

// DefaultNamespace is the namespace checked when none is given.
const DefaultNamespace = "main"

// Tool names the evaluator in findings: OPA's Go library.
const Tool = "opa"

// Options select what Load evaluates.
type Options struct {
	// Namespaces are the Rego packages whose rules are evaluated, without
	// the "data." prefix ("main", "kubernetes.security"); none means
	// DefaultNamespace. Each must hold a policy.
	Namespaces []string
	// AllNamespaces evaluates every namespace of the policies
	// (conftest --all-namespaces); Namespaces is then ignored.
	AllNamespaces bool
}

// Policies are compiled policies and their data, ready to check
// documents. Checks from several goroutines run one after another (they
// share data.conftest.file).
type Policies struct {
	dir        string
	compiler   *ast.Compiler
	store      storage.Store
	modules    []*ast.Module // by file name
	namespaces []string
	rules      map[string]nsRules // by namespace
	queries    map[string]rego.PreparedEvalQuery
	checkedNS  []string // the namespaces checked, in the order given
	mu         sync.Mutex
	lastFile   string // the file data.conftest.file describes
}

// nsRules are the rules of one namespace that Check evaluates: names in
// order, and how many definitions they have (conftest counts each
// definition as a test).
type nsRules struct {
	names []string
	count int
}

// The rules conftest evaluates, by name.
var (
	warningRE = regexp.MustCompile(`^warn(_[a-zA-Z0-9]+)*$`)
	failureRE = regexp.MustCompile(`^(deny|violation)(_[a-zA-Z0-9]+)*$`)
)

func isFailure(rule string) bool { return failureRE.MatchString(rule) }
func isWarning(rule string) bool { return warningRE.MatchString(rule) }

// Load compiles the Rego (v1) policies under dir, a directory (read
// recursively) or one .rego file, and loads the .json, .yaml and .yml
// files under it as data, as `conftest test --policy DIR --data DIR`
// does. A policy that does not parse or compile is an *Error (exit 2)
// naming its file and line.
func Load(dir string, opts Options) (*Policies, error) {
	if _, err := os.Stat(dir); err != nil {
		return nil, fileError(fmt.Errorf("policy directory: %w", err))
	}
	notRego := func(_ string, info os.FileInfo, _ int) bool {
		return !info.IsDir() && !strings.HasSuffix(info.Name(), ".rego")
	}
	res, err := loader.NewFileLoader().WithProcessAnnotation(true).WithRegoVersion(ast.RegoV1).
		Filtered([]string{dir}, notRego)
	if err != nil {
		return nil, loadError(err)
	}
	if len(res.Modules) == 0 {
		return nil, inputf(dir, 0, "no policies (.rego files)")
	}
	modules := res.ParsedModules()
	compiler := ast.NewCompiler().WithEnablePrintStatements(true).WithCapabilities(ast.CapabilitiesForThisVersion())
	if compiler.Compile(modules); compiler.Failed() {
		return nil, astErrors(compiler.Errors)
	}

	notData := func(_ string, info os.FileInfo, _ int) bool {
		return !info.IsDir() && !documentExt(info.Name())
	}
	data, err := loader.NewFileLoader().Filtered([]string{dir}, notData)
	if err != nil {
		return nil, loadError(err)
	}
	store, err := data.Store()
	if err != nil {
		return nil, inputf(dir, 0, "data: %v", err)
	}

	p := &Policies{dir: dir, compiler: compiler, store: store, rules: map[string]nsRules{},
		queries: map[string]rego.PreparedEvalQuery{}}
	names := make([]string, 0, len(modules))
	for name := range modules {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		m := modules[name]
		p.modules = append(p.modules, m)
		ns := namespaceOf(m)
		if !slices.Contains(p.namespaces, ns) {
			p.namespaces = append(p.namespaces, ns)
		}
		if err := ifWithoutContains(m); err != nil {
			return nil, err
		}
	}
	slices.Sort(p.namespaces)

	checked := opts.Namespaces
	switch {
	case opts.AllNamespaces:
		checked = p.namespaces
	case len(checked) == 0:
		checked = []string{DefaultNamespace}
	}
	var rules int
	for _, ns := range checked {
		if ns == "" {
			return nil, exitcode.Inputf("empty namespace")
		}
		if !slices.Contains(p.namespaces, ns) {
			return nil, inputf(dir, 0, "no policy in namespace %q (the policies' namespaces: %s)", ns, strings.Join(p.namespaces, ", "))
		}
		if slices.Contains(p.checkedNS, ns) {
			continue
		}
		p.checkedNS = append(p.checkedNS, ns)
		r := p.rulesOf(ns)
		p.rules[ns] = r
		rules += r.count
	}
	if rules == 0 {
		return nil, inputf(dir, 0, "no deny, violation or warn rule in namespace %s", strings.Join(p.checkedNS, ", "))
	}
	return p, nil
}

// Namespaces returns every namespace of the policies, sorted.
func (p *Policies) Namespaces() []string { return slices.Clone(p.namespaces) }

// Checked returns the namespaces Check evaluates, in the order given.
func (p *Policies) Checked() []string { return slices.Clone(p.checkedNS) }

// Dir is the directory (or file) the policies were loaded from.
func (p *Policies) Dir() string { return p.dir }

// namespaceOf is a module's namespace: its package without "data.".
func namespaceOf(m *ast.Module) string {
	return strings.TrimPrefix(m.Package.Path.String(), "data.")
}

// rulesOf lists the failure and warning rules of namespace ns.
func (p *Policies) rulesOf(ns string) nsRules {
	var r nsRules
	for _, m := range p.modules {
		if namespaceOf(m) != ns {
			continue
		}
		for _, rule := range m.Rules {
			name := rule.Head.Name.String()
			if !isFailure(name) && !isWarning(name) {
				continue
			}
			r.count++
			if !slices.ContainsFunc(r.names, func(n string) bool { return strings.EqualFold(n, name) }) {
				r.names = append(r.names, name)
			}
		}
	}
	return r
}

// ifWithoutContains refuses a deny, violation or warn rule written with
// "if" but without "contains" (deny if {...}, deny.x if {...}): in Rego v1
// it is a boolean, never a message, so it could never fail a check.
// conftest refuses the second form (OPA issue 6509) and passes the first
// silently; golden refuses both.
func ifWithoutContains(m *ast.Module) error {
	for _, rule := range m.Rules {
		h := rule.Head
		if h == nil || h.Key != nil || h.Value == nil || len(h.Reference) == 0 {
			continue
		}
		name := h.Reference[0].Value.String()
		if h.Name != "" {
			name = h.Name.String()
		}
		if (isFailure(name) || isWarning(name)) && h.Value.String() == "true" {
			return inputf(m.Package.Loc().File, h.Location.Row,
				"rule %s uses 'if' without 'contains': it is true or undefined, never a message (write '%s contains msg if')", name, name)
		}
	}
	return nil
}

// Error is bad input at a place: a policy that does not compile, a
// document that does not parse. It is classified as bad input (exit 2).
type Error struct {
	File string
	Line int // 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.File == "":
		return e.Msg
	case e.Line > 0:
		return e.File + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
	}
	return e.File + ": " + e.Msg
}

// inputf is an *Error, classified as bad input.
func inputf(file string, line int, format string, args ...any) error {
	return exitcode.InputError(&Error{File: file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// astErrors turns OPA's parse and compile errors into one error listing
// each as file:line: code: message.
func astErrors(errs ast.Errors) error {
	errs.Sort()
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		out = append(out, astError(e))
	}
	return exitcode.InputError(errors.Join(out...))
}

func astError(e *ast.Error) *Error {
	msg := e.Code + ": " + e.Message
	if e.Details != nil {
		for _, l := range e.Details.Lines() {
			msg += "\n\t" + l
		}
	}
	if e.Location == nil {
		return &Error{Msg: msg}
	}
	return &Error{File: e.Location.File, Line: e.Location.Row, Msg: msg}
}

// dataLineRE finds the file and line in the loader's message about a YAML
// data file.
var dataLineRE = regexp.MustCompile(`^(.*): error converting YAML to JSON: yaml: line (\d+): (.*)$`)

// loadError classifies the errors of OPA's loader: parse errors of
// policies and data files are bad input naming the file and line, a file
// that cannot be read is the machine's.
func loadError(err error) error {
	var errs loader.Errors
	if !errors.As(err, &errs) {
		return fileError(err)
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		var ae *ast.Error
		var pe *os.PathError
		switch {
		case errors.As(e, &ae):
			out = append(out, astError(ae))
		case errors.As(e, &pe):
			return fileError(e)
		default:
			if m := dataLineRE.FindStringSubmatch(e.Error()); m != nil {
				line, _ := strconv.Atoi(m[2])
				out = append(out, &Error{File: m[1], Line: line, Msg: "not a YAML document: " + m[3]})
			} else {
				out = append(out, &Error{Msg: e.Error()})
			}
		}
	}
	return exitcode.InputError(errors.Join(out...))
}

// query returns the prepared query q.
func (p *Policies) query(ctx context.Context, q string) (rego.PreparedEvalQuery, error) {
	if pq, ok := p.queries[q]; ok {
		return pq, nil
	}
	pq, err := rego.New(rego.Query(q), rego.Compiler(p.compiler), rego.Store(p.store)).PrepareForEval(ctx)
	if err != nil {
		return pq, exitcode.InputError(fmt.Errorf("query %s: %w", q, err))
	}
	p.queries[q] = pq
	return pq, nil
}

// setFile makes data.conftest.file describe the file a document comes
// from, as conftest does: its base name and absolute directory.
func (p *Policies) setFile(ctx context.Context, file string) error {
	if file == p.lastFile {
		return nil
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return exitcode.InfraError(err)
	}
	err = storage.Txn(ctx, p.store, storage.WriteParams, func(tx storage.Transaction) error {
		if err := storage.MakeDir(ctx, p.store, tx, storage.Path{"conftest"}); err != nil {
			return err
		}
		return p.store.Write(ctx, tx, storage.AddOp, storage.Path{"conftest", "file"},
			map[string]any{"name": filepath.Base(abs), "dir": filepath.Dir(abs)})
	})
	if err != nil {
		// the data files hold a "conftest" that is not an object
		return exitcode.InputError(fmt.Errorf("setting data.conftest.file: %w", err))
	}
	p.lastFile = file
	return nil
}
