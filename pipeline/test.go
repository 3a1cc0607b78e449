package pipeline

import (
	"context"
	"fmt"
	"strings"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/coverage"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gotest"
	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/junit"
	"github.com/goldenci/golden/netfail"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/toolcmd"
	"github.com/goldenci/golden/tools"
)

// TestResult is the outcome of the test stage.
type TestResult struct {
	// Reports is the directory of the test reports: go-test.json and
	// cover.out (Go), junit.xml and coverage.xml (Python), junit.xml and
	// lcov.info (Node).
	Reports *dagger.Directory
	// CoverProfile is the coverage profile (Go coverprofile, Cobertura XML
	// or LCOV); nil when the tests wrote none.
	CoverProfile *dagger.File
	// Coverage is the coverage of the profile over the source; nil
	// without a profile.
	Coverage *result.Coverage
	// Cases are the test cases.
	Cases []result.TestCase
	// Stage is the "test" stage: failed when a test (or a Go package)
	// failed.
	Stage result.Stage
	// CoverageStage is the "coverage" stage: the coverage gates of the
	// configuration (coverage.min, minPackage, patchMin); errored when
	// the profile could not be analyzed. Nil when no profile was written
	// and no gate is set.
	CoverageStage *result.Stage

	// coverageErr is why CoverageStage errored, with its exit class.
	coverageErr error
}

// The test report paths inside the container.
const (
	goTestJSON   = OutPath + "/go-test.json"
	goCoverOut   = OutPath + "/cover.out"
	junitXML     = OutPath + "/junit.xml"
	coberturaXML = OutPath + "/coverage.xml"
	lcovInfo     = OutPath + "/lcov.info"
)

// The source files coverage analysis reads, by language.
var coverageInclude = map[config.Language][]string{
	config.Go:     {"**/go.mod", "**/*.go"},
	config.Python: {"**/*.py"},
	config.Node:   {"**/*.js", "**/*.mjs", "**/*.cjs", "**/*.jsx", "**/*.ts", "**/*.mts", "**/*.cts", "**/*.tsx"},
}

// Test runs the tests with coverage: go test -json (with -race unless the
// configuration turns it off) for Go, pytest with pytest-cov for Python,
// npm ci and npm test for Node. It gates the tests (any failure fails the
// stage) and the coverage (the configured minimums).
func (p *Pipeline) Test(ctx context.Context) (*TestResult, error) {
	start := p.now()
	if err := p.check(); err != nil {
		return nil, err
	}
	var (
		ctr     *dagger.Container
		argv    []string
		opts    execOpts
		profile string
		format  coverage.Format
	)
	switch p.cfg.Language {
	case config.Go:
		ctr = p.withGoCaches(p.tool("go"))
		if p.cfg.Test.Race {
			// The race detector needs cgo.
			ctr = ctr.WithEnvVariable("CGO_ENABLED", "1")
		}
		profile, format = goCoverOut, coverage.FormatGo
		argv = toolcmd.GoTest(toolcmd.GoTestOptions{Race: p.cfg.Test.Race, CoverProfile: profile, Packages: p.cfg.Test.Packages})
		opts = execOpts{Stdout: goTestJSON, Outputs: []string{goTestJSON, profile}}
	case config.Python:
		c, err := p.pythonTestContainer(ctx)
		if err != nil {
			return nil, err
		}
		ctr = c
		profile, format = coberturaXML, coverage.FormatCobertura
		argv = toolcmd.Pytest(toolcmd.PytestOptions{JUnitOut: junitXML, CoverageXML: profile})
		opts = execOpts{Outputs: []string{junitXML, profile}}
	case config.Node:
		ctr = p.withNpmCache(p.tool("node")).WithExec(toolcmd.NpmCI())
		profile, format = lcovInfo, coverage.FormatLCOV
		argv = toolcmd.NpmTest(toolcmd.NpmTestOptions{JUnitOut: junitXML, LCOVOut: profile})
		opts = execOpts{Outputs: []string{junitXML, profile}}
	default:
		return nil, exitcode.Inputf("test: unsupported language %q", p.cfg.Language)
	}
	ctr, run, err := p.exec(ctx, StageTest, ctr, argv, opts)
	if err != nil {
		return nil, err
	}
	var (
		cases []result.TestCase
		st    result.Stage
	)
	if p.cfg.Language == config.Go {
		cases, st, err = goTestStage(run, goTestJSON)
	} else {
		cases, st, err = junitTestStage(run, junitXML, testTool(p.cfg.Language))
	}
	if err != nil {
		return nil, err
	}
	p.stageTimes(&st, start)
	res := &TestResult{Reports: ctr.Directory(OutPath), Cases: cases, Stage: st}

	covStart := p.now()
	data, ok := run.file(profile)
	if !ok {
		if coverageGates(p.cfg.Coverage).Any() {
			cst := result.Stage{Name: StageCoverage, Status: result.Skipped,
				Summary: "no coverage profile: the tests wrote none"}
			p.stageTimes(&cst, covStart)
			res.CoverageStage = &cst
		}
		return res, nil
	}
	res.CoverProfile = ctr.File(profile)
	cov, cst, err := p.coverage(ctx, data, baseName(profile), format)
	if err != nil {
		// The tests ran: keep their stage, and record why coverage could
		// not be computed in its own.
		cst = result.Stage{Name: StageCoverage, Status: result.Errored,
			Summary: "coverage could not be computed", Error: err.Error()}
		res.coverageErr = err
	}
	p.stageTimes(&cst, covStart)
	res.Coverage, res.CoverageStage = cov, &cst
	return res, nil
}

// coverage analyzes a profile over the source's tree on this host.
func (p *Pipeline) coverage(ctx context.Context, data, name string, format coverage.Format) (*result.Coverage, result.Stage, error) {
	dir, cleanup, err := p.hostTree(ctx, coverageInclude[p.cfg.Language])
	if err != nil {
		return nil, result.Stage{}, err
	}
	defer cleanup()
	cov, st, warnings, err := coverageStage(ctx, data, name, format, dir, p.cfg.Coverage, p.opts.SourceDir != "")
	for _, w := range warnings {
		p.logf("%s: warning: %s", StageCoverage, w)
	}
	p.paths(dir).Coverage(cov)
	return cov, st, err
}

// pythonTestContainer is the Python image with the service's dependencies
// (requirements.txt, else the project of pyproject.toml) and pytest with
// pytest-cov installed.
func (p *Pipeline) pythonTestContainer(ctx context.Context) (*dagger.Container, error) {
	ctr := p.withPipCache(p.tool("python"))
	for _, f := range []string{"requirements.txt", "pyproject.toml"} {
		ok, err := p.source.Exists(ctx, f)
		if err != nil {
			return nil, engineError("looking for "+f, err)
		}
		if ok {
			if f == "requirements.txt" {
				ctr = ctr.WithExec(toolcmd.PipInstall(f))
			} else {
				ctr = ctr.WithExec(toolcmd.PipInstall(""))
			}
			break
		}
	}
	return ctr.WithExec(toolcmd.PipInstallPackages(
		"pytest=="+tools.Version("PYTEST_VERSION"),
		"pytest-cov=="+tools.Version("PYTEST_COV_VERSION"),
	)), nil
}

// testTool names the test runner of a language.
func testTool(l config.Language) string {
	switch l {
	case config.Python:
		return "pytest"
	case config.Node:
		return "npm test"
	}
	return "go test"
}

// goTestStage assembles the test stage from a go test -json run whose
// events went to events. go test exits 1 when a test or a build failed,
// and reports both as events; a run without events failed before testing
// (a broken go.mod, a bad flag) and is an error quoting its stderr. When
// the go command could not download or verify modules (its setup output or
// its stderr says so, see package netfail) the run is an infrastructure
// error (exit 3), not failed tests.
func goTestStage(run *toolRun, events string) ([]result.TestCase, result.Stage, error) {
	st := result.Stage{Name: StageTest}
	data, _ := run.file(events)
	rep, err := gotest.Parse(strings.NewReader(data), baseName(events))
	if err != nil {
		if run.ExitCode != 0 {
			if nerr := networkFailed("go test", run.ExitCode, run.Stderr); nerr != nil {
				return nil, st, nerr
			}
			return nil, st, toolFailed("go test", run.ExitCode, run.Stderr)
		}
		return nil, st, err
	}
	// Packages that could not be set up because modules could not be
	// downloaded or verified are no failed tests: the network failed
	// (exit 3), and the go command reports the failure under the import
	// path of the dependency, which must not show up as a test.
	if rep.Network != nil {
		return nil, st, netfail.Error(fmt.Sprintf("go test exited %d: packages could not be set up", run.ExitCode), *rep.Network, "")
	}
	if run.ExitCode != 0 {
		if nerr := networkFailed("go test", run.ExitCode, run.Stderr); nerr != nil {
			return nil, st, nerr
		}
	}
	st.Tests = rep.Cases
	st.Summary = rep.Summary.String()
	st.Status = result.Passed
	if !rep.Summary.OK() {
		st.Status = result.Failed
		st.Error = failedTests(rep.Failed())
	} else if run.ExitCode != 0 {
		// Every test passed and go test still failed: a problem outside
		// the tests (a vet check, a package that did not build without
		// reporting it).
		st.Status = result.Failed
		st.Error = fmt.Sprintf("go test exited %d: %s", run.ExitCode, text.LastLines(run.Stderr, tailLines))
	}
	return rep.Cases, st, nil
}

// junitTestStage assembles the test stage from a JUnit XML report (pytest,
// npm test). A run without a report failed before testing and is an error
// quoting its stderr; pytest's exit code 5 (no tests collected) passes, as
// go test passes a package without tests.
func junitTestStage(run *toolRun, report, tool string) ([]result.TestCase, result.Stage, error) {
	st := result.Stage{Name: StageTest}
	data, ok := run.file(report)
	if !ok || strings.TrimSpace(data) == "" {
		if testsPassed(tool, run.ExitCode) {
			st.Status = result.Passed
			st.Summary = fmt.Sprintf("%s: no tests", tool)
			return nil, st, nil
		}
		return nil, st, toolFailed(tool, run.ExitCode, run.Stderr)
	}
	cases, err := junit.Parse(strings.NewReader(data), baseName(report))
	if err != nil {
		return nil, st, err
	}
	var passed, failed, skipped int
	var failures []result.TestCase
	for _, c := range cases {
		switch c.Status {
		case result.Passed:
			passed++
		case result.Skipped:
			skipped++
		default:
			failed++
			failures = append(failures, c)
		}
	}
	st.Tests = cases
	st.Summary = fmt.Sprintf("%s: %s: %d passed, %d failed, %d skipped", tool, plural(len(cases), "test"), passed, failed, skipped)
	st.Status = result.Passed
	switch {
	case failed > 0:
		st.Status = result.Failed
		st.Error = failedTests(failures)
	case !testsPassed(tool, run.ExitCode):
		st.Status = result.Failed
		st.Error = fmt.Sprintf("%s exited %d: %s", tool, run.ExitCode, text.LastLines(run.Stderr, tailLines))
	}
	return cases, st, nil
}

// testsPassed reports whether a test runner's exit code says that every test
// it ran passed: 0, and pytest's 5 (no tests collected).
func testsPassed(tool string, code int) bool {
	return code == 0 || (tool == "pytest" && code == 5)
}

// failedTests names the failed tests: "2 tests failed: pkg.TestA, pkg.TestB".
func failedTests(failed []result.TestCase) string {
	const show = 5
	names := make([]string, 0, show)
	for i, c := range failed {
		if i == show {
			names = append(names, fmt.Sprintf("and %d more", len(failed)-show))
			break
		}
		name := c.Name
		if c.Suite != "" {
			name = c.Suite + "." + c.Name
		}
		names = append(names, name)
	}
	verb := "tests failed"
	if len(failed) == 1 {
		verb = "test failed"
	}
	return fmt.Sprintf("%d %s: %s", len(failed), verb, strings.Join(names, ", "))
}

// coverageStage analyzes a coverage profile over the source tree in dir
// and gates it with the configured minimums. Patch coverage needs the
// tree's git history (withGit); without it a patchBase only warns, and a
// patchMin is an error (exit 2): its gate cannot be checked.
func coverageStage(ctx context.Context, profile, name string, format coverage.Format, dir string, cfg config.CoverageConfig, withGit bool) (*result.Coverage, result.Stage, []string, error) {
	st := result.Stage{Name: StageCoverage}
	prof, err := coverage.Parse(strings.NewReader(profile), name, format)
	if err != nil {
		return nil, st, nil, err
	}
	src, err := coverage.OpenSource(dir)
	if err != nil {
		return nil, st, nil, err
	}
	sum, err := coverage.Analyze(prof, src)
	if err != nil {
		return nil, st, nil, err
	}
	warnings := append([]string(nil), sum.Warnings...)
	var patch *coverage.Patch
	switch {
	case cfg.PatchBase != "" && withGit:
		if patch, err = coverage.PatchCoverage(ctx, sum, src, cfg.PatchBase); err != nil {
			return nil, st, nil, err
		}
		warnings = append(warnings, patch.Warnings...)
	case cfg.PatchMin != nil:
		// A gate that cannot be checked must not pass silently.
		return nil, st, nil, exitcode.Inputf("coverage.patchMin is set, but patch coverage since %s cannot be computed: "+
			"the source's git history is not available here (a Dagger module's source has no .git); run golden ci in the checkout, "+
			"or leave patchMin to the runner (--set coverage.patchMin=null)", cfg.PatchBase)
	case cfg.PatchBase != "":
		warnings = append(warnings, fmt.Sprintf("patch coverage since %s not computed: the source's git history is not available here", cfg.PatchBase))
	}
	v := coverageGates(cfg).Evaluate(sum, patch)
	return v.Result(), v.Stage(StageCoverage), warnings, nil
}

// coverageGates are the configuration's coverage gates.
func coverageGates(c config.CoverageConfig) coverage.Gates {
	return coverage.Gates{Min: c.Min, MinPackage: c.MinPackage, PatchMin: c.PatchMin}
}
