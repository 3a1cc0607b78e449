// Package sarif writes findings as a SARIF 2.1.0 log, the format GitHub
// code scanning and most code review tools import.
//
// Every rule has the properties GitHub requires (shortDescription and
// fullDescription, at most MaxDescription characters each, and help), and
// every result with a file has a region, on line 1 for a finding about
// the whole file, so that the upload action can fingerprint it. Paths are
// relative to %SRCROOT%, the repository root (see package repopath).
//
// The writer is generic: every golden command that produces
// []result.Finding (scan, lint, ...) turns them into one SARIF run per
// tool. Output is deterministic: findings are ordered with
// result.SortFindings, rules by ID, and no timestamps or random IDs are
// written, so the same findings always give the same bytes.
package sarif

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/result"
)

// Version is the SARIF version written.
const Version = "2.1.0"

// SchemaURI is the $schema written at the top of every log: the OASIS
// SARIF 2.1.0 (errata 01) schema.
const SchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// SrcRoot is the uriBaseId of every artifact location: paths are relative
// to the root of the checked-out sources.
const SrcRoot = "%SRCROOT%"

// Run is the findings of one tool, written as one SARIF run.
type Run struct {
	// Tool is the tool's name, e.g. "trivy" (required).
	Tool string
	// Version is the tool's version, e.g. "0.69.3" (optional).
	Version string
	// InfoURI is an absolute URL describing the tool (optional).
	InfoURI string
	// Findings are the run's results. Rules are derived from them,
	// one per distinct RuleID.
	Findings []result.Finding
}

// Write encodes runs as one SARIF 2.1.0 log, indented, to w.
func Write(w io.Writer, runs ...Run) error {
	data, err := Marshal(runs...)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// WriteFile writes the log to path atomically (a temporary file in the
// same directory renamed into place).
func WriteFile(name string, runs ...Run) error {
	data, err := Marshal(runs...)
	if err != nil {
		return err
	}
	dir := filepath.Dir(name)
	tmp, err := os.CreateTemp(dir, ".sarif-*.tmp")
	if err != nil {
		return fmt.Errorf("writing SARIF %q: %w", name, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("writing SARIF %q: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing SARIF %q: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("writing SARIF %q: %w", name, err)
	}
	return nil
}

// Marshal returns the SARIF log of runs as indented JSON ending in a
// newline.
func Marshal(runs ...Run) ([]byte, error) {
	doc := log{Schema: SchemaURI, Version: Version, Runs: make([]run, 0, len(runs))}
	for i, r := range runs {
		sr, err := convert(r)
		if err != nil {
			return nil, fmt.Errorf("sarif run %d: %w", i+1, err)
		}
		doc.Runs = append(doc.Runs, sr)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("encoding SARIF: %w", err)
	}
	return buf.Bytes(), nil
}

// Level is the SARIF result level for a severity: error for CRITICAL and
// HIGH, warning for MEDIUM, note for LOW and UNKNOWN.
func Level(s result.Severity) string {
	switch s {
	case result.Critical, result.High:
		return "error"
	case result.Medium:
		return "warning"
	}
	return "note"
}

// SecuritySeverity is the CVSS-like score GitHub reads from a rule's
// "security-severity" property to rank security alerts (critical > 9.0,
// high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9). The values are those Trivy
// writes in its own SARIF output.
func SecuritySeverity(s result.Severity) string {
	switch s {
	case result.Critical:
		return "9.5"
	case result.High:
		return "8.0"
	case result.Medium:
		return "5.5"
	case result.Low:
		return "2.0"
	}
	return "0.0"
}

// isSecurity reports whether findings of kind k are security alerts.
func isSecurity(k result.Kind) bool {
	switch k {
	case result.KindVulnerability, result.KindSecret, result.KindMisconfiguration:
		return true
	}
	return false
}

// The subset of the SARIF object model golden writes. Field order is
// the order of the JSON output.
type (
	log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []run  `json:"runs"`
	}
	run struct {
		Tool    tool          `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	tool struct {
		Driver driver `json:"driver"`
	}
	driver struct {
		Name           string `json:"name"`
		Version        string `json:"version,omitempty"`
		InformationURI string `json:"informationUri,omitempty"`
		Rules          []rule `json:"rules"`
	}
	rule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name,omitempty"`
		ShortDescription     *sarifText     `json:"shortDescription,omitempty"`
		FullDescription      *sarifText     `json:"fullDescription,omitempty"`
		HelpURI              string         `json:"helpUri,omitempty"`
		Help                 *sarifText     `json:"help,omitempty"`
		DefaultConfiguration *configuration `json:"defaultConfiguration,omitempty"`
		Properties           *ruleProps     `json:"properties,omitempty"`
	}
	configuration struct {
		Level string `json:"level"`
	}
	ruleProps struct {
		Tags             []string `json:"tags,omitempty"`
		SecuritySeverity string   `json:"security-severity,omitempty"`
		Precision        string   `json:"precision,omitempty"`
	}
	sarifText struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID    string     `json:"ruleId"`
		RuleIndex int        `json:"ruleIndex"`
		Level     string     `json:"level"`
		Message   sarifText  `json:"message"`
		Locations []location `json:"locations,omitempty"`
	}
	location struct {
		PhysicalLocation physicalLocation `json:"physicalLocation"`
	}
	physicalLocation struct {
		ArtifactLocation artifactLocation `json:"artifactLocation"`
		Region           *region          `json:"region,omitempty"`
	}
	artifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId"`
	}
	region struct {
		StartLine   int `json:"startLine"`
		StartColumn int `json:"startColumn,omitempty"`
		EndLine     int `json:"endLine,omitempty"`
	}
)

func convert(r Run) (run, error) {
	name := strings.TrimSpace(r.Tool)
	if name == "" {
		return run{}, errors.New("tool name is empty")
	}
	findings := append([]result.Finding(nil), r.Findings...)
	result.SortFindings(findings)
	rules, index := makeRules(name, findings)
	results := make([]sarifResult, 0, len(findings))
	for _, f := range findings {
		id := ruleID(f)
		results = append(results, makeResult(f, id, index[id]))
	}
	d := driver{Name: name, Version: strings.TrimSpace(r.Version), Rules: rules}
	if absoluteURL(r.InfoURI) {
		d.InformationURI = r.InfoURI
	}
	return run{Tool: tool{Driver: d}, Results: results}, nil
}

// ruleInfo is what the findings of one rule say about it.
type ruleInfo struct {
	title, url string
	sev        result.Severity // the highest of its findings
	kinds      map[result.Kind]bool
}

// makeRules returns one rule per RuleID of findings, sorted by ID, and
// each rule's index.
func makeRules(tool string, findings []result.Finding) ([]rule, map[string]int) {
	infos := map[string]*ruleInfo{}
	for _, f := range findings {
		id := ruleID(f)
		ri := infos[id]
		if ri == nil {
			ri = &ruleInfo{sev: f.Severity, kinds: map[result.Kind]bool{}}
			infos[id] = ri
		}
		if f.Severity.Rank() > ri.sev.Rank() {
			ri.sev = f.Severity
		}
		if ri.title == "" {
			ri.title = text.OneLine(f.Title)
		}
		if ri.url == "" && absoluteURL(f.URL) {
			ri.url = f.URL
		}
		if f.Kind != "" {
			ri.kinds[f.Kind] = true
		}
	}
	ids := make([]string, 0, len(infos))
	for id := range infos {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	index := make(map[string]int, len(ids))
	rules := make([]rule, 0, len(ids))
	for i, id := range ids {
		index[id] = i
		rules = append(rules, makeRule(tool, id, infos[id]))
	}
	return rules, index
}

// makeRule describes one rule: descriptions (GitHub requires the full
// one; both cut to MaxDescription), help, level and, for security
// findings, GitHub's security severity.
func makeRule(tool, id string, ri *ruleInfo) rule {
	short, full := ri.title, ri.title
	if short == "" {
		short, full = id, tool+" rule "+id
	}
	rl := rule{
		ID:                   id,
		ShortDescription:     &sarifText{Text: text.Truncate(short, MaxDescription)},
		FullDescription:      &sarifText{Text: text.Truncate(full, MaxDescription)},
		HelpURI:              ri.url,
		DefaultConfiguration: &configuration{Level: Level(normSeverity(ri.sev))},
	}
	help := full
	if ri.url != "" {
		help += "\n" + ri.url
	}
	rl.Help = &sarifText{Text: help}
	props := &ruleProps{}
	security := false
	kinds := make([]string, 0, len(ri.kinds))
	for k := range ri.kinds {
		kinds = append(kinds, string(k))
		security = security || isSecurity(k)
	}
	sort.Strings(kinds)
	if security {
		props.Tags = append(props.Tags, "security")
		props.SecuritySeverity = SecuritySeverity(normSeverity(ri.sev))
		props.Precision = "very-high"
	}
	props.Tags = append(props.Tags, kinds...)
	if len(props.Tags) > 0 || props.SecuritySeverity != "" {
		rl.Properties = props
	}
	return rl
}

// makeResult is the SARIF result of one finding of rule id.
func makeResult(f result.Finding, id string, ruleIndex int) sarifResult {
	sr := sarifResult{
		RuleID:    id,
		RuleIndex: ruleIndex,
		Level:     Level(normSeverity(f.Severity)),
		Message:   sarifText{Text: message(f, id)},
	}
	uri := RelativeURI(f.File)
	if uri == "" {
		return sr
	}
	// A finding about a whole file (a go.mod, a Dockerfile) is placed on
	// its first line: code scanning's upload action fingerprints the line
	// a region starts on, and a result without one gets no fingerprint.
	reg := &region{StartLine: 1}
	if f.Line > 0 {
		reg.StartLine = f.Line
		if f.Column > 0 {
			reg.StartColumn = f.Column
		}
		if f.EndLine >= f.Line {
			reg.EndLine = f.EndLine
		}
	}
	sr.Locations = []location{{PhysicalLocation: physicalLocation{
		ArtifactLocation: artifactLocation{URI: uri, URIBaseID: SrcRoot},
		Region:           reg,
	}}}
	return sr
}

// ruleID is the finding's rule, or a stand-in when the tool gave none.
func ruleID(f result.Finding) string {
	if id := strings.TrimSpace(f.RuleID); id != "" {
		return id
	}
	if f.Kind != "" {
		return string(f.Kind)
	}
	return "finding"
}

// message is the result's text: the finding's message, else its title,
// else its rule.
func message(f result.Finding, id string) string {
	for _, s := range []string{f.Message, f.Title} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return id
}

func normSeverity(s result.Severity) result.Severity {
	if v, err := result.ParseSeverity(string(s)); err == nil {
		return v
	}
	return result.Unknown
}

// MaxDescription is the most characters of a rule's shortDescription and
// fullDescription that GitHub code scanning shows; longer texts are cut.
const MaxDescription = 1024

// absoluteURL reports whether s is an absolute http(s) URL, the only
// kind SARIF's helpUri and informationUri accept from us.
func absoluteURL(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// RelativeURI turns a file path into the relative URI reference SARIF
// wants for an artifact relative to %SRCROOT%: forward slashes, no
// leading "./" or "/", each segment percent-encoded (including ':', so
// that the first segment can never read as a URI scheme). It returns ""
// for an empty path.
func RelativeURI(p string) string {
	p = strings.TrimSpace(p)
	if p == "" {
		return ""
	}
	p = strings.ReplaceAll(p, "\\", "/")
	p = path.Clean(p)
	p = strings.TrimLeft(p, "/")
	for strings.HasPrefix(p, "../") {
		p = strings.TrimPrefix(p, "../")
	}
	if p == "" || p == "." || p == ".." {
		return ""
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(segs, "/")
}
