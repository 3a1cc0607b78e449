package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/goldenci/golden/coverage"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/repopath"
	"github.com/goldenci/golden/result"
)

var coverageCmd = &command{
	Name:    "coverage",
	Summary: "report Go/Cobertura/LCOV coverage and gate on total, package and patch coverage",
	Usage:   "coverage --profile FILE [--profile FILE...] [--min PCT] [--min-package PCT] [--patch-base REV --patch-min PCT] [flags]",
	Help: `Coverage reads coverage profiles, merges them into one, and reports the total
coverage, the coverage of each package and, with --patch-base, the coverage
of the lines changed since a git revision (patch coverage). Gates fail the
command (exit 1) when a coverage is below its minimum.

Inputs (--profile, repeatable; the format is detected from the content, or
set with --format):
  go         go test -coverprofile output, also several profiles concatenated
             (go test -coverpkg=./..., several runs): a block seen several
             times counts once, covered if any run covered it.
  cobertura  Cobertura XML (gcovr, coverage.py, ...): one statement per line.
  lcov       LCOV tracefiles (lcov, node --test, c8, ...): one per DA line.

The total is computed exactly as 'go tool cover -func' computes its total:
statements in function declarations (go test -cover also counts
package-level function literals). Go profiles name files by import path;
they are found in the source tree (--source) through its go.mod files, which
may be in subdirectories. A Go file that is not in the tree has all its
blocks counted, with a warning on stderr. A package is the import-path
directory of a Go file, or the directory of a Cobertura/LCOV file.

Patch coverage diffs the commit HEAD against the merge base of --patch-base
and HEAD (like git diff REV...HEAD) in the git repository holding --source;
a shallow clone must have fetched REV. A changed line counts when a block of
the profile spans it, and is covered when such a block ran. When no changed
line holds statements, patch coverage is n/a (100%) and its gate passes.
The profile must be of HEAD's tree.

File paths (patch coverage, the files --result records for Cobertura) are
relative to the root of the git repository holding --source, as GitLab
maps them: services/api/calc.go for a service in services/api.

--json prints {"formats", "total", "statements", "covered", "packages",
"patch", "gates", "failures", "warnings", "passed"}; percentages are
unrounded. --result records the "coverage" stage, the coverage (with line
hits per file) and the outputs "coverage" and "coverage_patch" (one
decimal); there is no "coverage_patch" when patch coverage is n/a.

Example, in a Go module's checkout on a merge-request pipeline:

  go test -coverpkg=./... -coverprofile=cover.out ./...
  golden coverage --profile cover.out --min 80 --min-package 60 \
    --patch-base origin/main --patch-min 90`,
}

func init() {
	coverageCmd.Run = runCoverage
	register(coverageCmd)
}

// percentFlag is an optional percentage 0..100 ("80" or "80%").
type percentFlag struct{ v *float64 }

func (p *percentFlag) String() string {
	if p == nil || p.v == nil {
		return ""
	}
	return coverage.FormatThreshold(*p.v)
}

func (p *percentFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v < 0 || v > 100 || v != v {
		return fmt.Errorf("want a percentage from 0 to 100, got %q", s)
	}
	p.v = &v
	return nil
}

// coverageJSON is what --json prints.
type coverageJSON struct {
	Formats    []string      `json:"formats"`
	Total      float64       `json:"total"`
	Statements int           `json:"statements"`
	Covered    int           `json:"covered"`
	Packages   []packageJSON `json:"packages"`
	Patch      *patchJSON    `json:"patch"`
	Gates      gatesJSON     `json:"gates"`
	Failures   []failureJSON `json:"failures"`
	Warnings   []string      `json:"warnings"`
	Passed     bool          `json:"passed"`
}

type packageJSON struct {
	Package    string  `json:"package"`
	Percent    float64 `json:"percent"`
	Statements int     `json:"statements"`
	Covered    int     `json:"covered"`
}

type patchJSON struct {
	Base       string          `json:"base"`
	BaseCommit string          `json:"baseCommit"`
	HeadCommit string          `json:"headCommit"`
	Percent    float64         `json:"percent"`
	Lines      int             `json:"lines"`
	Covered    int             `json:"covered"`
	Applicable bool            `json:"applicable"`
	Files      []patchFileJSON `json:"files"`
}

type patchFileJSON struct {
	Path      string `json:"path"`
	Lines     int    `json:"lines"`
	Covered   int    `json:"covered"`
	Uncovered []int  `json:"uncovered"`
}

type gatesJSON struct {
	Min        *float64 `json:"min"`
	MinPackage *float64 `json:"minPackage"`
	PatchMin   *float64 `json:"patchMin"`
}

type failureJSON struct {
	Gate    string  `json:"gate"`
	Subject string  `json:"subject"`
	Percent float64 `json:"percent"`
	Min     float64 `json:"min"`
	Message string  `json:"message"`
}

func runCoverage(ctx context.Context, e *Env, args []string) error {
	c := coverageCmd
	fs := c.flagSet(e)
	var profiles stringsFlag
	fs.Var(&profiles, "profile", "coverage profile `FILE` to read (required; repeat to merge several)")
	formatName := fs.String("format", "auto", "profile `format`: go, cobertura, lcov, or auto to detect it from the content")
	sourceDir := fs.String("source", ".", "source tree `DIR` the profiles describe: go.mod files, relative paths and the git repository are found there")
	var gates coverage.Gates
	minFlag, minPkgFlag, patchMinFlag := &percentFlag{}, &percentFlag{}, &percentFlag{}
	fs.Var(minFlag, "min", "fail when the total coverage is below `PCT` percent")
	fs.Var(minPkgFlag, "min-package", "fail when any package's coverage is below `PCT` percent")
	patchBase := fs.String("patch-base", "", "compute patch coverage of the lines changed since the git revision `REV` (e.g. origin/main)")
	fs.Var(patchMinFlag, "patch-min", "fail when the patch coverage is below `PCT` percent (needs --patch-base)")
	jsonOut := fs.Bool("json", false, "print the report as JSON on stdout")
	resultPath := resultFlag(fs, e)
	if err := c.parseFlags(e, fs, args); err != nil {
		return err
	}
	gates.Min, gates.MinPackage, gates.PatchMin = minFlag.v, minPkgFlag.v, patchMinFlag.v

	started := e.Now()
	rep, err := coverageReport(ctx, profiles, *formatName, *sourceDir, *patchBase, gates)
	if err == nil {
		for _, w := range rep.warnings {
			fmt.Fprintf(e.Stderr, "golden coverage: warning: %s\n", w)
		}
		if *jsonOut {
			err = writeCoverageJSON(e.Stdout, rep, gates)
		} else {
			err = writeCoverageTable(e.Stdout, rep, gates)
		}
		if err != nil {
			err = exitcode.Infraf("writing the report: %w", err)
		} else if v := rep.verdict; !v.Passed() {
			err = exitcode.Gatef("%d coverage gate(s) failed: %s", len(v.Failures), v.Failure())
		}
	}
	return finish(e, "coverage", *resultPath, err, func(r *result.Run) {
		recordCoverage(r, stageFor(e, "coverage", started, err), rep)
	})
}

// coverageRun is the outcome of one golden coverage.
type coverageRun struct {
	formats  []string
	verdict  coverage.Verdict
	warnings []string
	// paths maps the source tree's paths to the repository root's.
	paths repopath.Paths
}

func coverageReport(ctx context.Context, profiles []string, formatName, sourceDir, patchBase string, gates coverage.Gates) (*coverageRun, error) {
	if len(profiles) == 0 {
		return nil, exitcode.Inputf("--profile is required (see 'golden coverage --help')")
	}
	if gates.PatchMin != nil && patchBase == "" {
		return nil, exitcode.Inputf("--patch-min needs --patch-base REV (see 'golden coverage --help')")
	}
	format, err := coverage.ParseFormat(formatName)
	if err != nil {
		return nil, err
	}
	parsed := make([]*coverage.Profile, 0, len(profiles))
	seen := map[string]bool{}
	rep := &coverageRun{}
	for _, path := range profiles {
		p, err := coverage.ParseFile(path, format)
		if err != nil {
			return nil, err
		}
		parsed = append(parsed, p)
		for _, f := range p.Files {
			if !seen[string(f.Format)] {
				seen[string(f.Format)] = true
				rep.formats = append(rep.formats, string(f.Format))
			}
		}
	}
	merged, err := coverage.Merge(parsed...)
	if err != nil {
		return nil, err
	}
	src, err := coverage.OpenSource(sourceDir)
	if err != nil {
		return nil, err
	}
	if rep.paths, err = repopath.Detect(src.Dir); err != nil {
		return nil, err
	}
	sum, err := coverage.Analyze(merged, src)
	if err != nil {
		return nil, err
	}
	rep.warnings = append(rep.warnings, sum.Warnings...)
	var patch *coverage.Patch
	if patchBase != "" {
		if patch, err = coverage.PatchCoverage(ctx, sum, src, patchBase); err != nil {
			return nil, err
		}
		rep.warnings = append(rep.warnings, patch.Warnings...)
	}
	rep.verdict = gates.Evaluate(sum, patch)
	if patch != nil {
		// Shown from the repository root, as the run records the files.
		for i := range patch.Files {
			patch.Files[i].Path = rep.paths.Rel(patch.Files[i].Path)
		}
	}
	return rep, nil
}

func writeCoverageJSON(w io.Writer, rep *coverageRun, gates coverage.Gates) error {
	s := rep.verdict.Summary
	out := coverageJSON{
		Formats:    rep.formats,
		Total:      s.Percent,
		Statements: s.Statements,
		Covered:    s.Covered,
		Packages:   []packageJSON{},
		Gates:      gatesJSON{Min: gates.Min, MinPackage: gates.MinPackage, PatchMin: gates.PatchMin},
		Failures:   []failureJSON{},
		Warnings:   append([]string{}, rep.warnings...),
		Passed:     len(rep.verdict.Failures) == 0,
	}
	if out.Formats == nil {
		out.Formats = []string{}
	}
	for _, p := range s.Packages {
		out.Packages = append(out.Packages, packageJSON{Package: p.Package, Percent: p.Percent, Statements: p.Statements, Covered: p.Covered})
	}
	if p := rep.verdict.Patch; p != nil {
		pj := &patchJSON{Base: p.Base, BaseCommit: p.BaseCommit, HeadCommit: p.HeadCommit, Percent: p.Percent,
			Lines: p.Lines, Covered: p.Covered, Applicable: p.Lines > 0, Files: []patchFileJSON{}}
		for _, f := range p.Files {
			pj.Files = append(pj.Files, patchFileJSON{Path: f.Path, Lines: f.Lines, Covered: f.Covered, Uncovered: append([]int{}, f.Uncovered...)})
		}
		out.Patch = pj
	}
	for _, f := range rep.verdict.Failures {
		out.Failures = append(out.Failures, failureJSON{Gate: f.Gate, Subject: f.Subject, Percent: f.Percent, Min: f.Min, Message: f.String()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

func writeCoverageTable(w io.Writer, rep *coverageRun, gates coverage.Gates) error {
	s := rep.verdict.Summary
	unit := "STATEMENTS"
	if len(rep.formats) > 0 && !contains(rep.formats, string(coverage.FormatGo)) {
		unit = "LINES"
	}
	rows := [][]string{{"PACKAGE", unit, "COVERED", "COVERAGE"}}
	for _, p := range s.Packages {
		rows = append(rows, []string{p.Package, strconv.Itoa(p.Statements), strconv.Itoa(p.Covered), coverage.FormatPercent(p.Percent)})
	}
	rows = append(rows, []string{"total", strconv.Itoa(s.Statements), strconv.Itoa(s.Covered), coverage.FormatPercent(s.Percent)})
	writeTable(w, rows)

	if p := rep.verdict.Patch; p != nil {
		fmt.Fprintln(w)
		span := shortHash(p.BaseCommit) + ".." + shortHash(p.HeadCommit)
		if p.Lines == 0 {
			fmt.Fprintf(w, "patch coverage since %s (%s): n/a, no changed line holds statements (counts as 100%%)\n", p.Base, span)
		} else {
			fmt.Fprintf(w, "patch coverage since %s (%s): %d of %d changed lines covered: %s\n", p.Base, span, p.Covered, p.Lines, coverage.FormatPercent(p.Percent))
			for _, f := range p.Files {
				if len(f.Uncovered) > 0 {
					word := "lines"
					if len(f.Uncovered) == 1 {
						word = "line"
					}
					fmt.Fprintf(w, "  %s: not covered: %s %s\n", f.Path, word, lineRanges(f.Uncovered))
				}
			}
		}
	}

	fmt.Fprintln(w)
	if gates.Min == nil && gates.MinPackage == nil && gates.PatchMin == nil {
		_, err := fmt.Fprintln(w, "no gates set (--min, --min-package, --patch-min)")
		return err
	}
	failed := map[string][]coverage.Failure{}
	for _, f := range rep.verdict.Failures {
		failed[f.Gate] = append(failed[f.Gate], f)
	}
	if gates.Min != nil {
		if fs := failed[coverage.GateMin]; len(fs) > 0 {
			fmt.Fprintf(w, "FAIL  %s\n", fs[0])
		} else {
			fmt.Fprintf(w, "PASS  total coverage %s >= %s\n", coverage.FormatPercent(s.Percent), coverage.FormatThreshold(*gates.Min))
		}
	}
	if gates.MinPackage != nil {
		if fs := failed[coverage.GateMinPackage]; len(fs) > 0 {
			for _, f := range fs {
				fmt.Fprintf(w, "FAIL  %s\n", f)
			}
		} else {
			fmt.Fprintf(w, "PASS  every package's coverage >= %s (%d packages)\n", coverage.FormatThreshold(*gates.MinPackage), len(s.Packages))
		}
	}
	if gates.PatchMin != nil && rep.verdict.Patch != nil {
		switch fs := failed[coverage.GatePatchMin]; {
		case len(fs) > 0:
			fmt.Fprintf(w, "FAIL  %s\n", fs[0])
		case rep.verdict.Patch.Lines == 0:
			fmt.Fprintf(w, "PASS  patch coverage n/a (no changed line holds statements), gate passes\n")
		default:
			fmt.Fprintf(w, "PASS  patch coverage %s >= %s\n", coverage.FormatPercent(rep.verdict.Patch.Percent), coverage.FormatThreshold(*gates.PatchMin))
		}
	}
	_, err := fmt.Fprint(w)
	return err
}

// writeTable prints rows with the first column left-aligned and the
// others right-aligned.
func writeTable(w io.Writer, rows [][]string) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	for _, r := range rows {
		var sb strings.Builder
		for i, c := range r {
			if i == 0 {
				sb.WriteString(c + strings.Repeat(" ", widths[i]-len(c)))
				continue
			}
			sb.WriteString("  " + strings.Repeat(" ", widths[i]-len(c)) + c)
		}
		fmt.Fprintln(w, sb.String())
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// lineRanges renders sorted line numbers compactly: "3-5, 9, 12-13".
func lineRanges(lines []int) string {
	var parts []string
	for i := 0; i < len(lines); {
		j := i
		for j+1 < len(lines) && lines[j+1] == lines[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(lines[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", lines[i], lines[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// recordCoverage records the coverage stage st of a run. rep is nil when
// the command errored before it had numbers; then the run's coverage and
// its output are cleared rather than left from an earlier run.
func recordCoverage(r *result.Run, st result.Stage, rep *coverageRun) {
	if rep == nil {
		st.Summary = "coverage could not be computed"
		r.SetStage(st)
		r.Coverage = nil
		coverage.SetOutputs(r, nil)
		return
	}
	v := rep.verdict
	cov := v.Result()
	rep.paths.Coverage(cov)
	coverage.SetOutputs(r, cov)
	st.Summary = v.Line()
	r.SetStage(st)
	r.Coverage = cov
}
