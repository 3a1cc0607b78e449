package modulecheck

import (
	"go/ast"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"go.yaml.in/yaml/v3"

	"github.com/goldenci/golden/internal/engine/daggermod"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/report"
)

// kebab is how dagger call spells a Go argument: trivyDbRepository is
// trivy-db-repository.
func kebab(s string) string {
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('-')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ciArguments are the arguments of the root module's constructor and of
// its Ci, as dagger call spells them.
func ciArguments(t *testing.T) (constructor, ci map[string]bool) {
	t.Helper()
	constructor, ci = map[string]bool{}, map[string]bool{}
	for _, m := range modules(t) {
		if m.configDir != "." {
			continue
		}
		_, files, _ := codeFiles(t, m)
		for _, f := range files {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				var args map[string]bool
				switch {
				case fd.Recv == nil && fd.Name.Name == "New":
					args = constructor
				case fd.Recv != nil && fd.Name.Name == "Ci":
					args = ci
				default:
					continue
				}
				for _, field := range fd.Type.Params.List {
					for _, n := range field.Names {
						args[kebab(n.Name)] = true
					}
				}
			}
		}
	}
	if len(constructor) == 0 || len(ci) == 0 {
		t.Fatal("the root module has no New or no Ci")
	}
	return constructor, ci
}

// checkCall checks the flags of a dagger call: the constructor's before
// the function ci, ci's after it.
func checkCall(t *testing.T, name, call string) {
	t.Helper()
	constructor, ci := ciArguments(t)
	before, after, ok := strings.Cut(" "+call+" ", " ci ")
	if !ok {
		t.Errorf("%s: call %q does not call ci", name, call)
		return
	}
	for _, f := range callFlags(before) {
		if !constructor[f] {
			t.Errorf("%s: --%s is not an argument of the root module's constructor", name, f)
		}
	}
	for _, f := range callFlags(after) {
		if !ci[f] {
			t.Errorf("%s: --%s is not an argument of the root module's ci", name, f)
		}
	}
}

func readYAML(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testtool.Root(), filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

// get walks a YAML document by keys.
func get(t *testing.T, doc any, keys ...string) any {
	t.Helper()
	cur := doc
	for _, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s: not a mapping", strings.Join(keys, "."))
		}
		cur = m[k]
	}
	return cur
}

func str(t *testing.T, doc any, keys ...string) string {
	t.Helper()
	s, ok := get(t, doc, keys...).(string)
	if !ok {
		t.Fatalf("%s: not a string", strings.Join(keys, "."))
	}
	return s
}

// daggerFlags are the --flags of a dagger call command line before its
// chained export.
var daggerFlag = regexp.MustCompile(`--([a-z][a-z0-9-]*)`)

func callFlags(call string) []string {
	call, _, _ = strings.Cut(call, " export ")
	var flags []string
	for _, m := range daggerFlag.FindAllStringSubmatch(call, -1) {
		flags = append(flags, m[1])
	}
	return flags
}

var pinned = regexp.MustCompile(`@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$`)

func TestGitHubExamples(t *testing.T) {
	t.Parallel()
	engine := modules(t)[0].config.EngineVersion
	for _, name := range []string{"examples/github/ci.yml", "examples/github/ci-go-run.yml"} {
		doc := readYAML(t, name)
		if v := str(t, doc, "env", "DAGGER_VERSION"); v != engine {
			t.Errorf("%s: DAGGER_VERSION %s, want the modules' engineVersion %s", name, v, engine)
		}
		if v := str(t, doc, "env", "GOLDEN_VERSION"); !regexp.MustCompile(`^v\d+\.\d+\.\d+$`).MatchString(v) {
			t.Errorf("%s: GOLDEN_VERSION %q: want a release, vX.Y.Z", name, v)
		}
		perms, _ := get(t, doc, "permissions").(map[string]any)
		if perms["security-events"] != "write" || perms["actions"] != "read" {
			t.Errorf("%s: permissions %v: the SARIF upload needs security-events: write and, in private repositories, actions: read", name, perms)
		}
		jobs, _ := get(t, doc, "jobs").(map[string]any)
		for jobName, job := range jobs {
			steps, _ := get(t, job, "steps").([]any)
			for _, st := range steps {
				uses, _ := get(t, st, "uses").(string)
				if uses != "" && !pinned.MatchString(uses) {
					t.Errorf("%s: job %s: %s is not pinned to a version tag or commit", name, jobName, uses)
				}
				if !strings.HasPrefix(uses, "dagger/dagger-for-github@") {
					continue
				}
				with, _ := get(t, st, "with").(map[string]any)
				call, _ := with["call"].(string)
				if call == "" {
					continue
				}
				if with["module"] != "github.com/goldenci/golden@${{ env.GOLDEN_VERSION }}" {
					t.Errorf("%s: the module is %v, want github.com/goldenci/golden@${{ env.GOLDEN_VERSION }}", name, with["module"])
				}
				if !strings.HasSuffix(call, "export --path=golden-out") {
					t.Errorf("%s: call %q: want ... ci ... export --path=golden-out", name, call)
				}
				checkCall(t, name, strings.Join(strings.Fields(call), " "))
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(testtool.Root(), "examples", "github", "ci.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"golden-out/" + daggermod.ResultFile, "golden-out/" + daggermod.SARIFFile} {
		if !strings.Contains(string(data), want) {
			t.Errorf("examples/github/ci.yml does not use %s", want)
		}
	}
}

func TestGitLabExample(t *testing.T) {
	t.Parallel()
	const name = "examples/gitlab/.gitlab-ci.yml"
	engine := modules(t)[0].config.EngineVersion
	doc := readYAML(t, name)
	if v := str(t, doc, "variables", "DAGGER_VERSION"); v != engine {
		t.Errorf("%s: DAGGER_VERSION %s, want the modules' engineVersion %s", name, v, engine)
	}
	if after := get(t, doc, ".dagger", "after_script"); !strings.Contains(strings.Join(toStrings(after), "\n"), `docker stop -t 300 $(docker ps --filter name="dagger-engine-*" -q)`) {
		t.Errorf("%s: the engine is not stopped gracefully in after_script", name)
	}
	script := strings.Join(toStrings(get(t, doc, "golden", "script")), "\n")
	var call []string
	for _, line := range strings.Split(script, "\n") {
		if strings.Contains(line, "set --") {
			call = append(call, strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(line, `set -- "$@"`, ""), "set --", "")))
		}
	}
	checkCall(t, name, strings.Join(call, " "))
	if !strings.Contains(script, "export --path=golden-out") || !strings.Contains(script, "--result golden-out/"+daggermod.ResultFile) {
		t.Errorf("%s: the job does not export golden-out and report its %s", name, daggermod.ResultFile)
	}
	for _, job := range []string{"golden", ".golden-go-run"} {
		if cov := str(t, doc, job, "coverage"); cov != "/"+report.CoverageRegex+"/" {
			t.Errorf("%s: %s: coverage %q, want /%s/ (golden report prints it)", name, job, cov, report.CoverageRegex)
		}
		want := map[string]string{
			"junit":       "golden-reports/" + report.JUnitFile,
			"codequality": "golden-reports/" + report.CodeQualityFile,
			"dotenv":      "golden-reports/" + report.DotenvFile,
		}
		for k, v := range want {
			if got := str(t, doc, job, "artifacts", "reports", k); got != v {
				t.Errorf("%s: %s: artifacts:reports:%s %q, want %q", name, job, k, got, v)
			}
		}
		if got := str(t, doc, job, "artifacts", "reports", "coverage_report", "path"); got != "golden-reports/"+report.CoberturaFile {
			t.Errorf("%s: %s: coverage_report path %q, want golden-reports/%s", name, job, got, report.CoberturaFile)
		}
		if got := str(t, doc, job, "artifacts", "when"); got != "always" {
			t.Errorf("%s: %s: artifacts when %q, want always (the reports matter most when a gate failed)", name, job, got)
		}
	}
}

func toStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
