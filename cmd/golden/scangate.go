package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	ftypes "github.com/aquasecurity/trivy/pkg/fanal/types"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/repopath"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/sarif"
	"github.com/goldenci/golden/scan"
)

var scanGateCmd = &command{
	Name:    "scan-gate",
	Summary: "gate on a Trivy JSON report's vulnerabilities, secrets and misconfigurations",
	Usage:   "scan-gate --report FILE [--severity LIST] [--ignore-unfixed] [--ignorefile FILE] [--json] [--sarif FILE] [--result FILE]",
	Help: `scan-gate reads a Trivy JSON report (trivy image|fs|repo --format json,
report schema 2), drops the findings named in an ignore file, counts the
vulnerabilities, secrets and failed misconfigurations that remain by
severity, and fails when any of them has a severity listed in --severity.

--ignore-unfixed leaves out what trivy --ignore-unfixed leaves out: every
vulnerability whose status is not "fixed" (affected, will_not_fix,
fix_deferred, end_of_life, ...; in a report without statuses, those
without a fixed version), whatever its severity. They are in no count,
fail nothing and are not in the SARIF log or the result, so the counts are
Trivy's own with the flag; they are listed apart, with their status. The
ignore file uses Trivy's syntax: a
.trivyignore lists one ID per line, # starts a comment, and
"exp:YYYY-MM-DD" after the ID makes the entry stop ignoring from that
date on; a file ending in .yaml or .yml is a .trivyignore.yaml with
vulnerabilities, misconfigurations and secrets lists of entries with id,
paths, purls, expired_at and statement. Without --ignorefile,
.trivyignore in the current directory is used when it exists.

The summary (or, with --json, a JSON document with counts, failed,
passed, and the unfixed vulnerabilities left out) goes to stdout. --sarif writes every finding that was not
ignored as SARIF 2.1.0 for GitHub code scanning. Secret findings show the
rule and title, never the secret.

Example:
  trivy fs --scanners vuln,secret,misconfig --format json --output trivy.json .
  golden scan-gate --report trivy.json --severity HIGH,CRITICAL \
      --ignore-unfixed --sarif trivy.sarif --result golden-result.json`,
}

func init() {
	// Run is set here: runScanGate refers to scanGateCmd.
	scanGateCmd.Run = runScanGate
	register(scanGateCmd)
}

// scanCounts is a count per severity, in severity order.
type scanCounts struct {
	Critical int `json:"CRITICAL"`
	High     int `json:"HIGH"`
	Medium   int `json:"MEDIUM"`
	Low      int `json:"LOW"`
	Unknown  int `json:"UNKNOWN"`
}

func toScanCounts(c scan.Counts) scanCounts {
	return scanCounts{
		Critical: c[result.Critical], High: c[result.High], Medium: c[result.Medium],
		Low: c[result.Low], Unknown: c[result.Unknown],
	}
}

// scanFinding is one failed finding in --json output.
type scanFinding struct {
	ID               string `json:"id"`
	Kind             string `json:"kind"`
	Severity         string `json:"severity"`
	Target           string `json:"target"`
	Line             int    `json:"line,omitempty"`
	Package          string `json:"package,omitempty"`
	InstalledVersion string `json:"installedVersion,omitempty"`
	FixedVersion     string `json:"fixedVersion,omitempty"`
	Status           string `json:"status,omitempty"`
	Title            string `json:"title,omitempty"`
	Message          string `json:"message,omitempty"`
	URL              string `json:"url,omitempty"`
}

func toScanFinding(f scan.Finding) scanFinding {
	return scanFinding{
		ID: f.RuleID, Kind: string(f.Kind), Severity: string(f.Severity), Target: f.Target, Line: f.Line,
		Package: f.Package, InstalledVersion: f.InstalledVersion, FixedVersion: f.FixedVersion, Status: f.Status,
		Title: f.Title, Message: f.Message, URL: f.URL,
	}
}

// scanOutput is the --json document.
type scanOutput struct {
	Report        string                `json:"report"`
	Counts        scanCounts            `json:"counts"`
	CountsByKind  map[string]scanCounts `json:"countsByKind"`
	Total         int                   `json:"total"`
	Severities    []string              `json:"severities"`
	IgnoreUnfixed bool                  `json:"ignoreUnfixed"`
	IgnoreFile    string                `json:"ignoreFile,omitempty"`
	Ignored       int                   `json:"ignored"`
	// Unfixed counts the vulnerabilities --ignore-unfixed left out;
	// UnfixedCounts and UnfixedVulns are them by severity and one by one.
	Unfixed       int           `json:"unfixed"`
	UnfixedCounts scanCounts    `json:"unfixedCounts"`
	UnfixedVulns  []scanFinding `json:"unfixedVulnerabilities"`
	Failed        []scanFinding `json:"failed"`
	Passed        bool          `json:"passed"`
}

func runScanGate(ctx context.Context, e *Env, args []string) error {
	c := scanGateCmd
	fs := c.flagSet(e)
	report := fs.String("report", "", "the Trivy JSON report `FILE` to gate on (required)")
	sevFlag := fs.String("severity", "HIGH,CRITICAL", "comma-separated severities that fail the gate (`LIST` of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)")
	ignoreUnfixed := fs.Bool("ignore-unfixed", false, "leave out the vulnerabilities trivy --ignore-unfixed leaves out (status not fixed), listing them apart")
	ignoreFile := fs.String("ignorefile", scan.DefaultIgnoreFile, "ignore `FILE` in Trivy's .trivyignore or .trivyignore.yaml syntax (the default is used only when it exists; empty for none)")
	asJSON := fs.Bool("json", false, "print the outcome as JSON instead of a table")
	sarifOut := fs.String("sarif", "", "also write the findings as SARIF 2.1.0 to `FILE`")
	source := fs.String("source", "", "the `DIR` trivy fs scanned: the paths of its files are made relative to the root of its git repository (default: paths as trivy wrote them)")
	resultPath := resultFlag(fs, e)
	if err := c.parseFlags(e, fs, args); err != nil {
		return err
	}
	start := e.Now()
	out, err := scanGate(e, fs, scanGateOptions{
		report: *report, severities: *sevFlag, ignoreUnfixed: *ignoreUnfixed,
		ignoreFile: *ignoreFile, json: *asJSON, sarif: *sarifOut, source: *source,
	})
	stage := stageFor(e, "scan", start, err)
	stage.Tool = scan.Tool
	if out != nil {
		stage.Summary = out.summary
		stage.Findings = out.findings
	} else if err != nil {
		stage.Summary = "scan gate could not run"
	}
	return finish(e, "scan-gate", *resultPath, err, func(r *result.Run) { r.SetStage(stage) })
}

type scanGateOptions struct {
	report, severities, ignoreFile, sarif, source string
	ignoreUnfixed, json                           bool
}

// scanGateResult is what scan-gate records.
type scanGateResult struct {
	summary  string
	findings []result.Finding
}

func scanGate(e *Env, flags *flag.FlagSet, o scanGateOptions) (*scanGateResult, error) {
	if o.report == "" {
		return nil, exitcode.Inputf("--report is required (see 'golden scan-gate --help')")
	}
	sevs, err := scan.ParseSeverities(o.severities)
	if err != nil {
		return nil, exitcode.Inputf("--severity: %w", err)
	}
	rep, err := scan.LoadReport(o.report)
	if err != nil {
		return nil, scanFileError(err)
	}
	findings, err := scan.Findings(rep)
	if err != nil {
		return nil, exitcode.Inputf("trivy report %q: %w", o.report, err)
	}
	if o.source != "" && rep.ArtifactType != ftypes.TypeContainerImage {
		// Paths from the repository root, wherever the scanned tree is.
		// Only targets that are files of the tree: an OS package's
		// target names the system ("app (debian 12.5)"). The ignore file
		// still matches the report's own targets.
		paths, err := repopath.Detect(o.source)
		if err != nil {
			return nil, err
		}
		for i, f := range findings {
			if _, err := os.Lstat(filepath.Join(o.source, filepath.FromSlash(f.File))); err == nil {
				findings[i].File = paths.Rel(f.File)
			}
		}
	}
	ignore, err := scanLoadIgnore(flags, o.ignoreFile)
	if err != nil {
		return nil, err
	}
	now := e.Now()
	outcome := scan.Evaluate(findings, scan.Policy{
		Severities: sevs, IgnoreUnfixed: o.ignoreUnfixed, Ignore: ignore, Now: now,
	})

	kept := make([]result.Finding, len(outcome.Findings))
	for i, f := range outcome.Findings {
		kept[i] = f.Finding
	}
	res := &scanGateResult{summary: outcome.Summary(), findings: kept}

	if o.sarif != "" {
		version := strings.TrimPrefix(rep.Trivy.Version, "v")
		if err := scanWriteSARIF(o.sarif, sarif.Run{Tool: scan.Tool, Version: version,
			InfoURI: "https://github.com/aquasecurity/trivy", Findings: kept}); err != nil {
			return res, err
		}
	}

	var werr error
	if o.json {
		werr = printScanJSON(e.Stdout, o.report, ignore, outcome, sevs, o.ignoreUnfixed)
	} else {
		werr = printScanText(e.Stdout, o.report, ignore, outcome, sevs, o.ignoreUnfixed)
	}
	if werr != nil {
		return res, exitcode.InfraError(fmt.Errorf("writing output: %w", werr))
	}
	if ignore != nil {
		for _, x := range ignore.Expired(now) {
			fmt.Fprintf(e.Stderr, "golden scan-gate: %s: ignore entry %s expired on %s and no longer applies\n",
				ignore.Where(x), x.ID, x.ExpiresAt.Format("2006-01-02"))
		}
	}
	if !outcome.Passed {
		return res, exitcode.GateError(errors.New(outcome.Failure()))
	}
	return res, nil
}

// scanFileError maps a report or ignore file error: a missing file
// or malformed content is bad input (2), other I/O failures are
// infrastructure (3).
func scanFileError(err error) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) && !errors.Is(err, fs.ErrNotExist) {
		return exitcode.InfraError(err)
	}
	return exitcode.InputError(err)
}

// scanLoadIgnore reads the ignore file: the default one only when it exists,
// a named one always.
func scanLoadIgnore(flags *flag.FlagSet, name string) (*scan.IgnoreList, error) {
	if name == "" {
		return nil, nil
	}
	explicit := false
	flags.Visit(func(f *flag.Flag) {
		if f.Name == "ignorefile" {
			explicit = true
		}
	})
	if !explicit {
		if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	l, err := scan.LoadIgnoreFile(name)
	if err != nil {
		return nil, scanFileError(err)
	}
	return l, nil
}

func scanWriteSARIF(name string, run sarif.Run) error {
	if dir := filepath.Dir(name); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return exitcode.InfraError(fmt.Errorf("writing SARIF: %w", err))
		}
	}
	if err := sarif.WriteFile(name, run); err != nil {
		return exitcode.InfraError(err)
	}
	return nil
}

func printScanJSON(w io.Writer, report string, ignore *scan.IgnoreList, o scan.Outcome, sevs []result.Severity, ignoreUnfixed bool) error {
	doc := scanOutput{
		Report:        report,
		Counts:        toScanCounts(o.Counts),
		CountsByKind:  map[string]scanCounts{},
		Total:         o.Counts.Total(),
		IgnoreUnfixed: ignoreUnfixed,
		Ignored:       len(o.Ignored),
		Unfixed:       len(o.Unfixed),
		UnfixedCounts: toScanCounts(o.UnfixedCounts),
		UnfixedVulns:  make([]scanFinding, 0, len(o.Unfixed)),
		Failed:        make([]scanFinding, 0, len(o.Failed)),
		Passed:        o.Passed,
	}
	for _, s := range sevs {
		doc.Severities = append(doc.Severities, string(s))
	}
	if ignore != nil {
		doc.IgnoreFile = ignore.File
	}
	for _, k := range scan.Kinds {
		doc.CountsByKind[string(k)] = toScanCounts(o.ByKind[k])
	}
	for _, f := range o.Failed {
		doc.Failed = append(doc.Failed, toScanFinding(f))
	}
	for _, f := range o.Unfixed {
		doc.UnfixedVulns = append(doc.UnfixedVulns, toScanFinding(f))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// scanErrWriter remembers the first write error.
type scanErrWriter struct {
	w   io.Writer
	err error
}

func (ew *scanErrWriter) Write(p []byte) (int, error) {
	if ew.err != nil {
		return 0, ew.err
	}
	n, err := ew.w.Write(p)
	ew.err = err
	return n, err
}

func printScanText(w io.Writer, report string, ignore *scan.IgnoreList, o scan.Outcome, sevs []result.Severity, ignoreUnfixed bool) error {
	ew := &scanErrWriter{w: w}
	fmt.Fprintf(ew, "Trivy report %s: %d findings\n\n", report, o.Counts.Total())
	tw := tabwriter.NewWriter(ew, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "SEVERITY\tVULNERABILITY\tSECRET\tMISCONFIGURATION\tTOTAL\n")
	for _, s := range result.Severities {
		fmt.Fprintf(tw, "%s", s)
		for _, k := range scan.Kinds {
			fmt.Fprintf(tw, "\t%d", o.ByKind[k][s])
		}
		fmt.Fprintf(tw, "\t%d\n", o.Counts[s])
	}
	fmt.Fprint(tw, "TOTAL")
	for _, k := range scan.Kinds {
		fmt.Fprintf(tw, "\t%d", o.ByKind[k].Total())
	}
	fmt.Fprintf(tw, "\t%d\n", o.Counts.Total())
	_ = tw.Flush()
	fmt.Fprintln(ew)
	if ignore != nil {
		fmt.Fprintf(ew, "Ignored by %s: %d\n", ignore.File, len(o.Ignored))
	}
	if ignoreUnfixed {
		fmt.Fprintf(ew, "Unfixed vulnerabilities left out by --ignore-unfixed (status not fixed): %d\n", len(o.Unfixed))
		if len(o.Unfixed) > 0 {
			writeScanFindings(ew, o.Unfixed, true)
		}
	}
	gate := scan.JoinSeverities(sevs)
	if o.Passed {
		fmt.Fprintf(ew, "PASSED: no finding at %s\n", gate)
		return ew.err
	}
	fmt.Fprintf(ew, "FAILED: %d finding(s) at %s\n", len(o.Failed), gate)
	writeScanFindings(ew, o.Failed, false)
	return ew.err
}

// writeScanFindings writes findings as an indented table, with the
// vulnerabilities' status in a column when status is set.
func writeScanFindings(w io.Writer, fs []scan.Finding, status bool) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := "  SEVERITY\tKIND\tID\tLOCATION\tDETAIL\n"
	if status {
		head = "  SEVERITY\tKIND\tID\tSTATUS\tLOCATION\tDETAIL\n"
	}
	fmt.Fprint(tw, head)
	for _, f := range fs {
		detail := f.Title
		if f.Kind == result.KindVulnerability {
			detail = f.Message
			if f.Title != "" {
				detail += ": " + f.Title
			}
		}
		id := f.RuleID
		if status {
			st := f.Status
			if st == "" {
				st = "-"
			}
			id += "\t" + st
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", f.Severity, f.Kind, id, f.Location(), detail)
	}
	_ = tw.Flush()
}
