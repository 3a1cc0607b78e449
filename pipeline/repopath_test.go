package pipeline

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/coverage"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/scantest"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/lint"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/scan"
	"github.com/goldenci/golden/toolcmd"
)

// TestRepoPath runs the stages' tools (golangci-lint, go test with
// coverage, trivy fs) on a service the way its container sees it, the
// service's directory alone, and maps what they report as Lint, Test and
// Scan do for a service at services/api of its repository.
func TestRepoPath(t *testing.T) {
	t.Parallel()
	p := New(&dagger.Client{}, &dagger.Directory{}, Options{Config: config.Default(config.Go), RepoPath: "./services/api/"})
	if err := p.check(); err != nil {
		t.Fatal(err)
	}

	t.Run("lint", func(t *testing.T) {
		t.Parallel()
		run, report, dir := golangciRun(t, map[string]string{
			"go.mod":         lintModule,
			"main.go":        "package main\n\nimport \"example.com/lintme/sub_dir\"\n\nfunc main() { sub_dir.F() }\n",
			"sub_dir/odd.go": "package sub_dir\n\nimport \"os\"\n\n// F removes x.\nfunc F() {\n\tos.Remove(\"x\")\n}\n",
		})
		findings, st, err := lintStage(lint.GolangciLint, run, report, dir, result.Low)
		if err != nil {
			t.Fatalf("%v\n%s", err, run.Stderr)
		}
		p.paths(dir).Findings(findings)
		if len(st.Findings) != 1 || st.Findings[0].RuleID != "errcheck" || st.Findings[0].File != "services/api/sub_dir/odd.go" {
			t.Errorf("findings %+v, want errcheck in services/api/sub_dir/odd.go", st.Findings)
		}
	})

	t.Run("coverage", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		writeFiles(t, dir, calcModule)
		run, _, profile := goTestRun(t, dir, false)
		data, ok := run.file(profile)
		if !ok {
			t.Fatalf("no coverage profile\n%s", run.Stderr)
		}
		cov, _, _, err := coverageStage(context.Background(), data, "cover.out", coverage.FormatGo, dir, config.CoverageConfig{}, false)
		if err != nil {
			t.Fatal(err)
		}
		p.paths(dir).Coverage(cov)
		if len(cov.Files) != 1 || cov.Files[0].Path != "services/api/calc.go" || cov.Files[0].Package != "example.com/calc" {
			t.Errorf("files %+v, want services/api/calc.go of package example.com/calc", cov.Files)
		}
	})

	t.Run("scan", func(t *testing.T) {
		t.Parallel()
		trivy := testtool.Path(t, "trivy")
		dir, cache, out := t.TempDir(), t.TempDir(), t.TempDir()
		scantest.WriteGoModule(t, dir)
		if err := scantest.WriteDB(cache, time.Now(), scantest.Advisories); err != nil {
			t.Fatal(err)
		}
		jsonOut := filepath.Join(out, "trivy.json")
		o := toolcmd.TrivyOptions{Scanners: []string{"vuln"}, CacheDir: cache, Output: jsonOut, Format: "json", SkipDBUpdate: true}
		run := hostRun(t, dir, nil, trivy, toolcmd.TrivyFS(o, "."), "", jsonOut)
		findings, st, err := scanStage(StageScan, run, jsonOut, scan.Policy{Now: time.Now()})
		if err != nil {
			t.Fatalf("%v\n%s", err, run.Stderr)
		}
		p.paths(SourcePath).Findings(findings)
		if len(st.Findings) == 0 {
			t.Fatal("no findings")
		}
		for _, f := range st.Findings {
			if f.File != "services/api/go.mod" {
				t.Errorf("finding %s in %q, want services/api/go.mod", f.RuleID, f.File)
			}
		}
	})
}

func TestRepoPathRejected(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"/abs", "../up"} {
		p := New(&dagger.Client{}, &dagger.Directory{}, Options{Config: config.Default(config.Go), RepoPath: bad})
		if err := p.check(); exitcode.Code(err) != exitcode.Usage {
			t.Errorf("RepoPath %q: %v, want an input error", bad, err)
		}
	}
}
