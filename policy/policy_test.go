package policy

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

// writeTree writes files into a new directory and returns it.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	testtool.WriteFiles(t, dir, files)
	return dir
}

const rootPolicy = `package main

deny_root contains msg if {
	input.user == 0
	msg := sprintf("%s runs as root", [input.name])
}

warn contains {"msg": "no team", "severity": "low"} if not input.team

exception contains ["root"] if input.legacy
`

func TestCheck(t *testing.T) {
	t.Parallel()
	pols, err := Load(writeTree(t, map[string]string{"p.rego": rootPolicy}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	docs := []Document{
		{File: "a.yaml", Index: 1, Line: 1, Value: map[string]any{"name": "a", "user": 0.0, "team": "x"}},
		{File: "a.yaml", Index: 2, Line: 5, Value: map[string]any{"name": "b", "user": 0.0, "legacy": true}},
		{File: "b.json", Index: 1, Line: 1, Value: map[string]any{"kind": "Pod", "metadata": map[string]any{"name": "c"}, "team": "x"}},
	}
	rep, err := pols.Check(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{File: "a.yaml", Index: 1, Line: 1, Namespace: "main", Rule: "deny_root", Kind: Failure, Message: "a runs as root"},
		{File: "a.yaml", Index: 2, Line: 5, Namespace: "main", Rule: "deny_root", Kind: Exception, Message: `data.main.exception[_][_] == "root"`},
		{File: "a.yaml", Index: 2, Line: 5, Namespace: "main", Rule: "warn", Kind: Warning, Message: "no team", Metadata: map[string]any{"severity": "low"}},
	}
	if diff := cmp.Diff(want, rep.Results); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if !rep.Failed() || rep.Documents != 3 || !cmp.Equal(rep.Files, []string{"a.yaml", "b.json"}) || rep.Successes != 3 {
		t.Errorf("report = %+v", rep)
	}
	if got, wantSum := rep.Summary(), "6 tests, 3 passed, 1 warning, 1 failure, 1 exception"; got != wantSum {
		t.Errorf("Summary() = %q, want %q", got, wantSum)
	}
	if got := rep.Verdict(); got != "policy failed: 3 documents of 2 files, "+rep.Summary() {
		t.Errorf("Verdict() = %q", got)
	}
	wantFindings := []result.Finding{
		{Tool: "opa", Kind: result.KindPolicy, RuleID: "main.deny_root", Severity: result.High, Message: "a runs as root", File: "a.yaml", Line: 1},
		{Tool: "opa", Kind: result.KindPolicy, RuleID: "main.warn", Severity: result.Medium, Message: "no team", File: "a.yaml", Line: 5},
	}
	if diff := cmp.Diff(wantFindings, rep.Findings()); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}

	named := Report{Results: []Result{
		{File: "d.yaml", Index: 2, Line: 7, Resource: "Pod/c", Namespace: "k8s", Rule: "warn_x", Kind: Warning, Message: "no limits"},
		{File: "d.yaml", Index: 2, Line: 7, Resource: "Pod/c", Namespace: "k8s", Rule: "deny", Kind: Failure, Message: "Pod/c runs as root"},
		{File: "d.yaml", Index: 2, Line: 7, Resource: "Pod/c", Namespace: "k8s", Rule: "deny_x", Kind: Exception, Message: "data.k8s.exception[_][_] == \"x\""},
	}}
	wantNamed := []result.Finding{
		{Tool: "opa", Kind: result.KindPolicy, RuleID: "k8s.warn_x", Severity: result.Medium, Message: "no limits (Pod/c)", File: "d.yaml", Line: 7},
		{Tool: "opa", Kind: result.KindPolicy, RuleID: "k8s.deny", Severity: result.High, Message: "Pod/c runs as root", File: "d.yaml", Line: 7},
	}
	if diff := cmp.Diff(wantNamed, named.Findings()); diff != "" {
		t.Errorf("findings naming the resource (-want +got):\n%s", diff)
	}

	pass, err := pols.Check(context.Background(), docs[2:])
	if err != nil {
		t.Fatal(err)
	}
	if pass.Failed() || len(pass.Results) != 0 || pass.Summary() != "2 tests, 2 passed, 0 warnings, 0 failures, 0 exceptions" {
		t.Errorf("passing report = %+v (%s)", pass, pass.Summary())
	}
	if got := pass.Findings(); got != nil {
		t.Errorf("findings of a pass = %v", got)
	}
}

// data.conftest.file names the file a document comes from, data files
// beside the policies are data (a subdirectory's under its name), and
// namespaces are checked in the order given.
func TestCheckDataAndNamespaces(t *testing.T) {
	t.Parallel()
	dir := writeTree(t, map[string]string{
		"main.rego": `package main
warn_file contains data.conftest.file.name
deny contains sprintf("%s is not allowed", [input.registry]) if not input.registry in data.registries
`,
		"k8s/labels.rego": `package k8s.labels
violation contains {"msg": sprintf("max %d", [data.limits.max])} if input.n > data.limits.max
`,
		"registries.yaml": "registries: [a.example.com]\n",
		"limits/max.json": `{"max": 3}`,
		"README.md":       "# not data\n",
	})
	pols, err := Load(dir, Options{Namespaces: []string{"k8s.labels", "main", "k8s.labels"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := pols.Checked(); !cmp.Equal(got, []string{"k8s.labels", "main"}) {
		t.Errorf("Checked() = %v", got)
	}
	if got := pols.Namespaces(); !cmp.Equal(got, []string{"k8s.labels", "main"}) {
		t.Errorf("Namespaces() = %v", got)
	}
	docs := []Document{{File: filepath.Join("env", "values.yaml"), Index: 1, Value: map[string]any{"registry": "b.example.com", "n": 4.0}}}
	rep, err := pols.Check(context.Background(), docs)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rep.Results {
		got = append(got, string(r.Kind)+" "+r.Namespace+"."+r.Rule+": "+r.Message)
	}
	want := []string{
		"failure k8s.labels.violation: max 3",
		"warning main.warn_file: values.yaml",
		"failure main.deny: b.example.com is not allowed",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}

	all, err := Load(dir, Options{AllNamespaces: true, Namespaces: []string{"ignored"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := all.Checked(); !cmp.Equal(got, []string{"k8s.labels", "main"}) {
		t.Errorf("all namespaces: Checked() = %v", got)
	}
}

// A policy that does not parse or compile, and what conftest refuses, is
// bad input naming the file and the line.
func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		opts  Options
		want  []string
	}{
		{"syntax error", map[string]string{"ok.rego": "package main\n", "bad.rego": "package main\n\ndeny contains msg if {\n  msg := \n}\n"},
			Options{}, []string{"bad.rego:5: rego_parse_error: unexpected } token"}},
		{"compile error", map[string]string{"p.rego": "package main\n\ndeny contains msg if {\n  msg := y\n}\n"},
			Options{}, []string{"p.rego:4: rego_unsafe_var_error: var y is unsafe"}},
		{"two errors", map[string]string{"p.rego": "package main\n\ndeny contains x if { x := a }\nwarn contains x if { x := b }\n"},
			Options{}, []string{"p.rego:3: rego_unsafe_var_error: var a is unsafe", "p.rego:4: rego_unsafe_var_error: var b is unsafe"}},
		{"v0 syntax", map[string]string{"p.rego": "package main\n\ndeny[msg] {\n  msg := \"x\"\n}\n"},
			Options{}, []string{"p.rego:3: rego_parse_error: "}},
		{"if without contains", map[string]string{"p.rego": "package main\n\ndeny if input.x\n"},
			Options{}, []string{"p.rego:3: rule deny uses 'if' without 'contains'"}},
		{"ref head if without contains", map[string]string{"p.rego": "package main\n\nwarn.x if input.x\n"},
			Options{}, []string{"p.rego:3: rule warn uses 'if' without 'contains'"}},
		{"bad data", map[string]string{"p.rego": rootPolicy, "data.yaml": "a: 1\nb: [\n"},
			Options{}, []string{"data.yaml:2: not a YAML document: "}},
		{"no policies", map[string]string{"data.yaml": "a: 1\n"}, Options{}, []string{": no policies (.rego files)"}},
		{"namespace without policy", map[string]string{"p.rego": rootPolicy}, Options{Namespaces: []string{"mian"}},
			[]string{`no policy in namespace "mian" (the policies' namespaces: main)`}},
		{"default namespace without policy", map[string]string{"p.rego": "package k8s\ndeny contains \"x\"\n"}, Options{},
			[]string{`no policy in namespace "main" (the policies' namespaces: k8s)`}},
		{"no rules", map[string]string{"p.rego": "package main\nallow := true\n"}, Options{},
			[]string{"no deny, violation or warn rule in namespace main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load(writeTree(t, tt.files), tt.opts)
			testtool.AssertExit(t, err, exitcode.Usage, nil)
			if err == nil {
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}

	_, err := Load(filepath.Join(t.TempDir(), "missing"), Options{})
	testtool.AssertExit(t, err, exitcode.Usage, nil)
}

// A policy that fails at evaluation is bad input naming the query.
func TestCheckErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, policy, want string }{
		{"result without msg", "package main\ndeny contains {\"message\": \"x\"}\n", `evaluating data.main.deny: a result must be a string or an object with a string "msg", got {"message":"x"}`},
		{"conflict", "package main\nwarn_x := input.a\nwarn_x := input.b\n", "evaluating data.main.warn_x: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pols, err := Load(writeTree(t, map[string]string{"p.rego": tt.policy}), Options{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = pols.Check(context.Background(), []Document{{File: "a.yaml", Index: 1, Value: map[string]any{"a": 1.0, "b": 2.0}}})
			testtool.AssertExit(t, err, exitcode.Usage, nil)
			if err != nil && !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

// Conftest's rule names and what exceptions call them.
func TestRuleNames(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rule             string
		failure, warning bool
		exception        string
	}{
		{"deny", true, false, ""},
		{"violation", true, false, ""},
		{"deny_root", true, false, "root"},
		{"violation_no_limits_2", true, false, "no_limits_2"},
		{"warn", false, true, ""},
		{"warn_tag", false, true, "tag"},
		{"denied", false, false, "denied"},
		{"warning", false, false, "warning"},
		{"deny_", false, false, ""},
	} {
		if isFailure(tt.rule) != tt.failure || isWarning(tt.rule) != tt.warning {
			t.Errorf("%s: failure %v warning %v", tt.rule, isFailure(tt.rule), isWarning(tt.rule))
		}
		if tt.failure || tt.warning {
			if got := exceptionName(tt.rule); got != tt.exception {
				t.Errorf("exceptionName(%s) = %q, want %q", tt.rule, got, tt.exception)
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		e    Error
		want string
	}{
		{Error{File: "a.rego", Line: 3, Msg: "bad"}, "a.rego:3: bad"},
		{Error{File: "a.rego", Msg: "bad"}, "a.rego: bad"},
		{Error{Msg: "bad"}, "bad"},
	} {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	var e *Error
	if err := inputf("f", 1, "x"); !errors.As(err, &e) || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("inputf: %v", err)
	}
}
