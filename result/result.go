// Package result is the one result model of a golden pipeline run: its
// stages, their status and durations, the findings of lint and scan tools,
// test cases, coverage and the published image. Every golden command records
// into it, and the report renderers read only it.
//
// A run is saved as JSON. Commands that run one after another in a CI job
// share a run through Update, which loads the file (or starts a new run),
// applies a change and writes the file back atomically.
package result

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/goldenci/golden/internal/jsonpos"
)

// SchemaVersion is the version of the JSON document written by Save.
const SchemaVersion = 1

// Status is the outcome of a stage or of a whole run.
type Status string

// The statuses, from best to worst.
const (
	Passed  Status = "passed"
	Skipped Status = "skipped"
	Failed  Status = "failed" // a gate failed
	Errored Status = "error"  // the stage could not run (input or infrastructure)
)

func (s Status) rank() int {
	switch s {
	case Passed:
		return 0
	case Skipped:
		return 1
	case Failed:
		return 2
	case Errored:
		return 3
	}
	return 3
}

// Severity is a finding's severity on Trivy's scale, which every tool's
// findings are mapped onto.
type Severity string

// The severities, most severe first.
const (
	Critical Severity = "CRITICAL"
	High     Severity = "HIGH"
	Medium   Severity = "MEDIUM"
	Low      Severity = "LOW"
	Unknown  Severity = "UNKNOWN"
)

// Severities lists every severity, most severe first.
var Severities = []Severity{Critical, High, Medium, Low, Unknown}

// Rank orders severities: CRITICAL is 4, UNKNOWN (and anything unrecognised) 0.
func (s Severity) Rank() int {
	switch s {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// ParseSeverity reads a severity name, case-insensitively.
func ParseSeverity(s string) (Severity, error) {
	v := Severity(strings.ToUpper(strings.TrimSpace(s)))
	for _, known := range Severities {
		if v == known {
			return v, nil
		}
	}
	return "", fmt.Errorf("unknown severity %q (want one of CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN)", s)
}

// Kind says what sort of problem a finding is.
type Kind string

// The kinds of finding.
const (
	KindLint             Kind = "lint"
	KindVulnerability    Kind = "vulnerability"
	KindSecret           Kind = "secret"
	KindMisconfiguration Kind = "misconfiguration"
	KindPolicy           Kind = "policy" // a Rego policy's deny or warn (golden policy)
)

// Finding is one problem reported by a tool, in one shape for every tool.
// Message never carries secret material: a secret finding names the rule,
// not the matched text.
type Finding struct {
	Tool     string   `json:"tool"`
	Kind     Kind     `json:"kind"`
	RuleID   string   `json:"rule"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title,omitempty"`
	Message  string   `json:"message"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Column   int      `json:"column,omitempty"`
	EndLine  int      `json:"endLine,omitempty"`
	URL      string   `json:"url,omitempty"`
	// Package, InstalledVersion and FixedVersion describe a vulnerable
	// dependency; empty for other kinds.
	Package          string `json:"package,omitempty"`
	InstalledVersion string `json:"installedVersion,omitempty"`
	FixedVersion     string `json:"fixedVersion,omitempty"`
}

// Location renders "file:line:column" with the parts that are known.
func (f Finding) Location() string {
	loc := f.File
	if f.Line > 0 {
		loc += fmt.Sprintf(":%d", f.Line)
		if f.Column > 0 {
			loc += fmt.Sprintf(":%d", f.Column)
		}
	}
	return loc
}

// SortFindings orders findings most severe first, then by file, line,
// column and rule, so that every rendering is deterministic.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, CompareFindings)
}

// CompareFindings is the order of SortFindings: most severe first, then
// by file, line, column, rule and message.
func CompareFindings(a, b Finding) int {
	return cmp.Or(
		cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
		cmp.Compare(a.File, b.File),
		cmp.Compare(a.Line, b.Line),
		cmp.Compare(a.Column, b.Column),
		cmp.Compare(a.RuleID, b.RuleID),
		cmp.Compare(a.Message, b.Message),
	)
}

// TestCase is one test of a test stage.
type TestCase struct {
	Suite   string  `json:"suite"` // the Go package, the Python module, the test file
	Name    string  `json:"name"`
	Status  Status  `json:"status"` // passed, failed or skipped
	Seconds float64 `json:"seconds"`
	// Output is the test's output when it failed or was skipped.
	Output string `json:"output,omitempty"`
}

// Stage is one step of a pipeline run.
type Stage struct {
	Name      string    `json:"name"`
	Status    Status    `json:"status"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	Seconds   float64   `json:"seconds"`
	Summary   string    `json:"summary,omitempty"` // one line for people: "coverage 82.1% >= 80%"
	// Tool names the tool whose findings the stage holds (golangci-lint,
	// trivy, ...), so that a report can say the tool ran and found nothing.
	Tool     string     `json:"tool,omitempty"`
	Error    string     `json:"error,omitempty"` // why the stage errored or failed
	Findings []Finding  `json:"findings,omitempty"`
	Tests    []TestCase `json:"tests,omitempty"`
}

// Coverage is the statement coverage of a test run.
type Coverage struct {
	Percent    float64           `json:"percent"`
	Statements int               `json:"statements"`
	Covered    int               `json:"covered"`
	Packages   []PackageCoverage `json:"packages,omitempty"`
	Patch      *PatchCoverage    `json:"patch,omitempty"`
	// Files carries line hits, from which line-level reports (Cobertura)
	// are rendered.
	Files []FileCoverage `json:"files,omitempty"`
}

// PackageCoverage is the coverage of one package (or directory).
type PackageCoverage struct {
	Package    string  `json:"package"`
	Percent    float64 `json:"percent"`
	Statements int     `json:"statements"`
	Covered    int     `json:"covered"`
}

// PatchCoverage is the coverage of the lines changed since a base revision.
type PatchCoverage struct {
	Base    string  `json:"base"`
	Percent float64 `json:"percent"`
	Lines   int     `json:"lines"`   // changed lines that hold statements
	Covered int     `json:"covered"` // of those, the covered ones
}

// FileCoverage holds the hits of every instrumented line of one file.
type FileCoverage struct {
	Path    string    `json:"path"`
	Package string    `json:"package,omitempty"`
	Lines   []LineHit `json:"lines"`
}

// LineHit is how often one line ran.
type LineHit struct {
	Line int `json:"line"`
	Hits int `json:"hits"`
}

// Image is the container image a run built or promoted.
type Image struct {
	Name   string   `json:"name"` // repository, without tag or digest
	Digest string   `json:"digest,omitempty"`
	Tags   []string `json:"tags,omitempty"`
}

// Ref is name@digest when the digest is known, else the name.
func (i Image) Ref() string {
	if i.Digest == "" {
		return i.Name
	}
	return i.Name + "@" + i.Digest
}

// Source identifies what a run was run on.
type Source struct {
	Repository string `json:"repository,omitempty"`
	Commit     string `json:"commit,omitempty"`
	Branch     string `json:"branch,omitempty"`
}

// Run is one pipeline run.
type Run struct {
	SchemaVersion int       `json:"schemaVersion"`
	StartedAt     time.Time `json:"startedAt,omitzero"`
	UpdatedAt     time.Time `json:"updatedAt,omitzero"`
	Source        *Source   `json:"source,omitempty"`
	Stages        []Stage   `json:"stages"`
	Coverage      *Coverage `json:"coverage,omitempty"`
	Image         *Image    `json:"image,omitempty"`
	// Outputs are the values a CI job exposes to later steps (coverage,
	// digest, version, commit, ...).
	Outputs map[string]string `json:"outputs,omitempty"`
}

// New starts an empty run.
func New(now time.Time) *Run {
	return &Run{SchemaVersion: SchemaVersion, StartedAt: now.UTC(), Stages: []Stage{}}
}

// Status is the worst status of the run's stages; a run without stages
// has passed.
func (r *Run) Status() Status {
	worst := Passed
	for _, s := range r.Stages {
		if s.Status.rank() > worst.rank() {
			worst = s.Status
		}
	}
	if worst == Skipped {
		return Passed
	}
	return worst
}

// SetStage records a stage, replacing an earlier stage of the same name.
func (r *Run) SetStage(s Stage) {
	for i := range r.Stages {
		if r.Stages[i].Name == s.Name {
			r.Stages[i] = s
			return
		}
	}
	r.Stages = append(r.Stages, s)
}

// Stage returns the stage of that name, if recorded.
func (r *Run) Stage(name string) (Stage, bool) {
	for _, s := range r.Stages {
		if s.Name == name {
			return s, true
		}
	}
	return Stage{}, false
}

// SetOutput records a step output.
func (r *Run) SetOutput(key, value string) {
	if r.Outputs == nil {
		r.Outputs = map[string]string{}
	}
	r.Outputs[key] = value
}

// OutputKeys returns the output names in sorted order.
func (r *Run) OutputKeys() []string {
	keys := make([]string, 0, len(r.Outputs))
	for k := range r.Outputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Findings returns the findings of every stage, most severe first.
func (r *Run) Findings() []Finding {
	var all []Finding
	for _, s := range r.Stages {
		all = append(all, s.Findings...)
	}
	SortFindings(all)
	return all
}

// Read decodes a run. name is used in error messages.
func Read(rd io.Reader, name string) (*Run, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, fmt.Errorf("reading result %q: %w", name, err)
	}
	var r Run
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("parsing result %q: %w", name, jsonpos.Describe(data, err))
	}
	if r.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("parsing result %q: schemaVersion %d is not supported (want %d)", name, r.SchemaVersion, SchemaVersion)
	}
	if r.Stages == nil {
		r.Stages = []Stage{}
	}
	return &r, nil
}

// Load reads a saved run.
func Load(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening result: %w", err)
	}
	defer f.Close()
	return Read(f, path)
}

// Write encodes the run as indented JSON.
func (r *Run) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// Save writes the run to path atomically: readers see the old or the new
// file, never half of one.
func (r *Run) Save(path string) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("saving result %q: %w", path, err)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".golden-result-*.json")
	if err != nil {
		return fmt.Errorf("saving result %q: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := r.Write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("saving result %q: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving result %q: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("saving result %q: %w", path, err)
	}
	return nil
}

// Update loads the run at path, or starts a new one when there is no file,
// applies change, and saves it.
func Update(path string, now time.Time, change func(*Run)) error {
	r, err := Load(path)
	if errors.Is(err, fs.ErrNotExist) {
		r, err = New(now), nil
	}
	if err != nil {
		return err
	}
	change(r)
	r.UpdatedAt = now.UTC()
	return r.Save(path)
}
