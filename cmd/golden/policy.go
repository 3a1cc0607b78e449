package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/policy"
	"github.com/goldenci/golden/result"
)

var policyCmd = &command{
	Name:    "policy",
	Summary: "check manifests, Helm values and kustomize overlays against Rego policies (conftest's conventions)",
	Usage:   "policy --policy DIR [--namespace NS]... [--all-namespaces] [--kustomize DIR]... [--json] [--result FILE] [PATH...]",
	Help: `policy evaluates the Rego (v1) policies of --policy on YAML and JSON
documents with OPA's Go library, as 'conftest test --policy DIR --data DIR'
does: rules deny, violation, deny_* and violation_* are failures, warn and
warn_* warnings, in the namespace (Rego package) main unless --namespace
names others; each document is input; a rule gives strings or objects
with a string "msg"; exception rules exempt documents from rules by name;
the .json, .yaml and .yml files under --policy are data (sub/x.yaml is
data.sub).

PATH is a file or a directory, read recursively for .yaml, .yml and .json
files; a YAML file may hold several documents ("---"), each evaluated on
its own. --kustomize DIR renders a kustomize overlay in process, exactly as
'kustomize build DIR' does, and evaluates each resource. Helm values files
are evaluated as they are.

Each failure, warning and exception is printed as conftest prints it,
with the document's place (file:line, or the overlay and the resource),
then conftest's count ("N tests, N passed, N warnings, N failures, N
exceptions"). --json prints every result (file, document, line, resource,
namespace, rule, kind, message) and the counts. --result records the
failures and warnings as findings of kind policy in the stage "policy",
for 'golden report' (annotations, Code Quality, SARIF).

A failure exits 1. A policy that does not parse or compile, a document
that does not parse (both named by file and line), a kustomization that
does not build and a namespace without a policy exit 2.

Example:
  golden policy --policy examples/policy --kustomize overlays/production
  golden policy --policy policy --namespace main --namespace kubernetes \
      manifests/ helm/values-production.yaml`,
}

func init() {
	// Run is set here: runPolicy refers to policyCmd.
	policyCmd.Run = runPolicy
	register(policyCmd)
}

// policyOutput is policy's --json document.
type policyOutput struct {
	Policy     string          `json:"policy"`
	Namespaces []string        `json:"namespaces"`
	Files      []string        `json:"files"`
	Documents  int             `json:"documents"`
	Tests      int             `json:"tests"`
	Successes  int             `json:"successes"`
	Warnings   int             `json:"warnings"`
	Failures   int             `json:"failures"`
	Exceptions int             `json:"exceptions"`
	Passed     bool            `json:"passed"`
	Summary    string          `json:"summary"`
	Results    []policy.Result `json:"results"`
}

func runPolicy(ctx context.Context, e *Env, args []string) error {
	start := e.Now()
	fs := policyCmd.flagSet(e)
	dir := fs.String("policy", "", "the `DIR` of Rego policies and their data files (required)")
	var namespaces, kustomize stringsFlag
	fs.Var(&namespaces, "namespace", "a Rego package whose rules are evaluated (`NS`, repeatable; default main)")
	all := fs.Bool("all-namespaces", false, "evaluate the rules of every namespace of the policies")
	fs.Var(&kustomize, "kustomize", "render the kustomize overlay in `DIR` as 'kustomize build' does and evaluate its resources (repeatable)")
	asJSON := fs.Bool("json", false, "print every result and the counts as JSON")
	resultPath := resultFlag(fs, e)
	paths, err := parseInterleaved(e, policyCmd, fs, args)
	if err != nil {
		return err
	}

	var rep policy.Report
	err = func() error {
		if *dir == "" {
			return exitcode.Inputf("--policy is required (see 'golden policy --help')")
		}
		if len(paths) == 0 && len(kustomize) == 0 {
			return exitcode.Inputf("nothing to check: name files or directories, or --kustomize DIR (see 'golden policy --help')")
		}
		pols, err := policy.Load(*dir, policy.Options{Namespaces: namespaces, AllNamespaces: *all})
		if err != nil {
			return err
		}
		var docs []policy.Document
		if len(paths) > 0 {
			if _, docs, err = policy.LoadDocuments(paths...); err != nil {
				return err
			}
		}
		for _, k := range kustomize {
			d, err := policy.RenderDocuments(k)
			if err != nil {
				return err
			}
			docs = append(docs, d...)
		}
		if rep, err = pols.Check(ctx, docs); err != nil {
			return err
		}
		if *asJSON {
			err = printGateJSON(e.Stdout, policyJSON(*dir, rep))
		} else {
			_, err = io.WriteString(e.Stdout, policyText(rep))
		}
		if err != nil {
			return exitcode.InfraError(fmt.Errorf("writing output: %w", err))
		}
		if rep.Failed() {
			return exitcode.GateError(errors.New(rep.Summary()))
		}
		return nil
	}()

	st := stageFor(e, "policy", start, err)
	st.Tool = policy.Tool
	if err == nil || exitcode.Code(err) == exitcode.Failed {
		st.Summary, st.Findings = rep.Verdict(), rep.Findings()
	} else {
		st.Summary = "policy check could not run"
	}
	return finish(e, "policy", *resultPath, err, func(r *result.Run) { r.SetStage(st) })
}

// parseInterleaved parses flags and arguments in any order, as
// conftest's command line takes them; after "--" every argument is one.
// --help prints the command's help and returns errHelpShown.
func parseInterleaved(e *Env, c *command, fs *flag.FlagSet, args []string) ([]string, error) {
	var out []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(e.Stdout, c, fs)
			return nil, errHelpShown
		}
		if err != nil {
			return nil, exitcode.Inputf("%v (see 'golden %s --help')", err, c.Name)
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(out, rest...), nil
		}
		if len(rest) == 0 {
			return out, nil
		}
		out = append(out, rest[0])
		args = rest[1:]
	}
}

func policyJSON(dir string, rep policy.Report) policyOutput {
	out := policyOutput{
		Policy: dir, Namespaces: rep.Namespaces, Files: rep.Files, Documents: rep.Documents,
		Tests: rep.Tests(), Successes: rep.Successes, Warnings: len(rep.Warnings()),
		Failures: len(rep.Failures()), Exceptions: len(rep.Exceptions()), Passed: !rep.Failed(),
		Summary: rep.Summary(), Results: rep.Results,
	}
	if out.Files == nil {
		out.Files = []string{}
	}
	if out.Results == nil {
		out.Results = []policy.Result{}
	}
	return out
}

// policyText is conftest's standard output, with the place of each
// document: warnings, failures, then exceptions, then the count.
func policyText(rep policy.Report) string {
	var b strings.Builder
	for _, k := range []struct {
		kind  policy.Kind
		label string
	}{{policy.Warning, "WARN"}, {policy.Failure, "FAIL"}, {policy.Exception, "EXCP"}} {
		for _, r := range rep.Results {
			if r.Kind == k.kind {
				fmt.Fprintf(&b, "%s - %s - %s - %s\n", k.label, policyPlace(r), r.Namespace, r.Message)
			}
		}
	}
	if len(rep.Results) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s\n", rep.Summary())
	return b.String()
}

// policyPlace names a result's document: file:line, with the resource
// when it is a Kubernetes object, else its number in the file.
func policyPlace(r policy.Result) string {
	place := r.File
	if r.Line > 0 {
		place += fmt.Sprintf(":%d", r.Line)
	}
	switch {
	case r.Resource != "":
		place += " (" + r.Resource + ")"
	case r.Line == 0:
		place += fmt.Sprintf(" (document %d)", r.Index)
	}
	return place
}
