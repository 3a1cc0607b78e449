package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/policy"
	"github.com/goldenci/golden/result"
)

// repo is a path of golden's repository.
func repo(p string) string { return filepath.Join(testtool.Root(), filepath.FromSlash(p)) }

func TestPolicyExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testtool.WriteFiles(t, dir, map[string]string{
		"bad/ok.rego":          "package main\n\ndeny contains \"x\" if input.x\n",
		"bad/bad.rego":         "package main\n\ndeny contains msg if {\n  msg := \n}\n",
		"broken.yaml":          "a: 1\n---\nb: [\n",
		"broken.json":          "{\n  \"a\": 1,\n}\n",
		"ok.yaml":              "x: false\n",
		"k/kustomization.yaml": "resources: [gone.yaml]\n",
	})
	starter := repo("examples/policy")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"compliant overlay", []string{"--policy", starter, "--kustomize", repo("examples/gitops/overlays/staging")}, exitcode.Passed,
			[]string{"12 tests, 12 passed, 0 warnings, 0 failures, 0 exceptions\n"}, ""},
		{"production not pinned", []string{"--policy", starter, "--kustomize", repo("examples/gitops/overlays/production")}, exitcode.Failed,
			[]string{"FAIL - " + repo("examples/gitops/overlays/production") + " (Deployment/go-service) - main - Deployment/go-service: container \"go-service\" runs \"registry.example.com/acme/go-service:0.1.0\" in production, not pinned by digest (@sha256:...)\n",
				"\n12 tests, 11 passed, 0 warnings, 1 failure, 0 exceptions\n"},
			"golden policy: 12 tests, 11 passed, 0 warnings, 1 failure, 0 exceptions\n"},
		{"files and a directory", []string{"--policy", starter, repo("policy/testdata/starter/root.yaml"), repo("policy/testdata/starter")}, exitcode.Failed,
			[]string{"FAIL - " + repo("policy/testdata/starter/root.yaml") + ":18 (Pod/no-setting) - main - "}, "golden policy: "},
		{"syntax error", []string{"--policy", filepath.Join(dir, "bad"), filepath.Join(dir, "ok.yaml")}, exitcode.Usage,
			nil, filepath.Join(dir, "bad", "bad.rego") + ":5: rego_parse_error: unexpected } token"},
		{"unreadable YAML", []string{"--policy", starter, filepath.Join(dir, "broken.yaml")}, exitcode.Usage,
			nil, filepath.Join(dir, "broken.yaml") + ":3: not a YAML document: "},
		{"unreadable JSON", []string{"--policy", starter, filepath.Join(dir, "broken.json")}, exitcode.Usage,
			nil, filepath.Join(dir, "broken.json") + ":3: not a JSON document: "},
		{"missing file", []string{"--policy", starter, filepath.Join(dir, "missing.yaml")}, exitcode.Usage, nil, "missing.yaml: no such file"},
		{"broken kustomization", []string{"--policy", starter, "--kustomize", filepath.Join(dir, "k")}, exitcode.Usage, nil, "kustomize build: "},
		{"unknown namespace", []string{"--policy", starter, "--namespace", "mian", filepath.Join(dir, "ok.yaml")}, exitcode.Usage,
			nil, `no policy in namespace "mian" (the policies' namespaces: main)`},
		{"no --policy", []string{filepath.Join(dir, "ok.yaml")}, exitcode.Usage, nil, "--policy is required"},
		{"nothing to check", []string{"--policy", starter}, exitcode.Usage, nil, "nothing to check"},
		{"empty namespace", []string{"--policy", starter, "--namespace", ""}, exitcode.Usage, nil, "empty value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := golden(t, nil, append([]string{"policy"}, tt.args...)...)
			if got.code != tt.code {
				t.Errorf("exit code = %d, want %d\nstdout: %s\nstderr: %s", got.code, tt.code, got.stdout, got.stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(got.stdout, s) {
					t.Errorf("stdout does not contain %q:\n%s", s, got.stdout)
				}
			}
			if !strings.Contains(got.stderr, tt.stderr) {
				t.Errorf("stderr does not contain %q:\n%s", tt.stderr, got.stderr)
			}
		})
	}
}

// --json lists every result; flags may follow the paths, as conftest's
// do, and "--" ends them.
func TestPolicyJSON(t *testing.T) {
	t.Parallel()
	file := repo("policy/testdata/starter/production.yaml")
	got := golden(t, nil, "policy", file, "--policy", repo("examples/policy"), "--json")
	if got.code != exitcode.Failed {
		t.Fatalf("exit code %d, stderr %s", got.code, got.stderr)
	}
	var out policyOutput
	if err := json.Unmarshal([]byte(got.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, got.stdout)
	}
	if out.Passed || out.Failures != 2 || out.Tests != 12 || out.Successes != 10 || out.Documents != 2 ||
		len(out.Files) != 1 || out.Files[0] != file || len(out.Results) != 2 || out.Namespaces[0] != "main" {
		t.Errorf("output %+v", out)
	}
	r := out.Results[0]
	want := policy.Result{File: file, Index: 1, Line: 2, Resource: "Deployment/tagged", Namespace: "main",
		Rule: "deny_unpinned_production", Kind: policy.Failure,
		Message: `Deployment/tagged: container "app" runs "registry.example.com/acme/app:1.0.0" in production, not pinned by digest (@sha256:...)`}
	if r.File != want.File || r.Index != want.Index || r.Line != want.Line || r.Resource != want.Resource ||
		r.Namespace != want.Namespace || r.Rule != want.Rule || r.Kind != want.Kind || r.Message != want.Message {
		t.Errorf("result %+v, want %+v", r, want)
	}
	for _, key := range []string{`"file"`, `"document"`, `"line"`, `"resource"`, `"namespace"`, `"rule"`, `"kind": "failure"`, `"message"`} {
		if !strings.Contains(got.stdout, key) {
			t.Errorf("JSON lacks %s", key)
		}
	}

	pass := golden(t, nil, "policy", "--policy", repo("examples/policy"), "--json", "--", repo("policy/testdata/starter/compliant.yaml"))
	if pass.code != exitcode.Passed || !strings.Contains(pass.stdout, `"results": []`) || !strings.Contains(pass.stdout, `"passed": true`) {
		t.Errorf("passing --json: code %d\n%s%s", pass.code, pass.stdout, pass.stderr)
	}
}

// --result records the stage "policy" with the findings, which golden
// report renders.
func TestPolicyResult(t *testing.T) {
	t.Parallel()
	res := filepath.Join(t.TempDir(), "golden-result.json")
	overlay := repo("examples/gitops/overlays/production")
	got := golden(t, nil, "policy", "--policy", repo("examples/policy"), "--kustomize", overlay, "--result", res)
	if got.code != exitcode.Failed {
		t.Fatalf("exit code %d: %s", got.code, got.stderr)
	}
	run, err := result.Load(res)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := run.Stage("policy")
	if !ok || st.Status != result.Failed || st.Tool != "opa" || len(st.Findings) != 1 ||
		st.Summary != "policy failed: 2 documents of 1 file, 12 tests, 11 passed, 0 warnings, 1 failure, 0 exceptions" {
		t.Fatalf("stage %+v", st)
	}
	f := st.Findings[0]
	if f.Kind != result.KindPolicy || f.RuleID != "main.deny_unpinned_production" || f.Severity != result.High ||
		f.File != overlay || !strings.HasPrefix(f.Message, "Deployment/go-service: ") || !strings.Contains(f.Message, "not pinned by digest") {
		t.Errorf("finding %+v", f)
	}

	rep := golden(t, nil, "report", "--platform", "github", "--result", res)
	if !strings.Contains(rep.stdout, "::error ") || !strings.Contains(rep.stdout, "not pinned by digest") {
		t.Errorf("golden report does not show the finding:\n%s\n%s", rep.stdout, rep.stderr)
	}

	// A policy that does not compile records an errored stage.
	bad := t.TempDir()
	testtool.WriteFiles(t, bad, map[string]string{"p.rego": "package main\ndeny contains x if {\n"})
	got = golden(t, nil, "policy", "--policy", bad, "--kustomize", overlay, "--result", res)
	if got.code != exitcode.Usage {
		t.Fatalf("exit code %d: %s", got.code, got.stderr)
	}
	run, err = result.Load(res)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := run.Stage("policy"); st.Status != result.Errored || st.Summary != "policy check could not run" || !strings.Contains(st.Error, "p.rego:") {
		t.Errorf("stage %+v", st)
	}
}
