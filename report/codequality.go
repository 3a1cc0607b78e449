package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/goldenci/golden/result"
)

// codeQualityIssue is one issue of a GitLab Code Quality report, the
// subset of the Code Climate issue format GitLab reads.
type codeQualityIssue struct {
	Type        string              `json:"type"`
	CheckName   string              `json:"check_name"`
	Description string              `json:"description"`
	Categories  []string            `json:"categories"`
	Severity    string              `json:"severity"`
	Fingerprint string              `json:"fingerprint"`
	Location    codeQualityLocation `json:"location"`
}

type codeQualityLocation struct {
	Path  string           `json:"path"`
	Lines codeQualityLines `json:"lines"`
}

type codeQualityLines struct {
	Begin int `json:"begin"`
	End   int `json:"end,omitempty"`
}

// CodeQualitySeverity maps a severity onto GitLab Code Quality's scale:
// CRITICAL is blocker, HIGH critical, MEDIUM major, LOW minor and UNKNOWN
// info.
func CodeQualitySeverity(s result.Severity) string {
	switch s {
	case result.Critical:
		return "blocker"
	case result.High:
		return "critical"
	case result.Medium:
		return "major"
	case result.Low:
		return "minor"
	}
	return "info"
}

// Fingerprint identifies a finding across runs for GitLab Code Quality:
// the first 32 hex digits of the SHA-256 of its tool, rule, file and
// message, and of occurrence, its index (from 0) among the findings of the
// run with the same tool, rule, file and message, in the order of their
// lines (see Fingerprints). The line itself is left out, so that a finding
// keeps its fingerprint when code above it moves, and GitLab's merge
// request widget does not show it fixed and new; two identical findings in
// one file are told apart by their order.
func Fingerprint(f result.Finding, occurrence int) string {
	h := sha256.New()
	for _, part := range []string{f.Tool, f.RuleID, f.File, f.Message, strconv.Itoa(occurrence)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// Fingerprints returns the Fingerprint of each of fs, in order: a
// finding's occurrence is the number of findings of fs with the same tool,
// rule, file and message on an earlier line (or an earlier column of the
// same line, or listed before it at the same place).
func Fingerprints(fs []result.Finding) []string {
	type identity struct{ tool, rule, file, message string }
	groups := map[identity][]int{}
	for i, f := range fs {
		id := identity{f.Tool, f.RuleID, f.File, f.Message}
		groups[id] = append(groups[id], i)
	}
	out := make([]string, len(fs))
	for _, idx := range groups {
		sort.SliceStable(idx, func(a, b int) bool {
			fa, fb := fs[idx[a]], fs[idx[b]]
			if fa.Line != fb.Line {
				return fa.Line < fb.Line
			}
			return fa.Column < fb.Column
		})
		for occurrence, i := range idx {
			out[i] = Fingerprint(fs[i], occurrence)
		}
	}
	return out
}

// CodeQuality writes the run's findings as a GitLab Code Quality report
// (artifacts:reports:codequality), most severe first: description (the
// message, with package and versions for a vulnerable dependency),
// check_name ("tool/rule"), fingerprint (see Fingerprints: stable when code
// moves), severity (see CodeQualitySeverity), location.path (the file
// relative to the repository root, "." when the finding names none) and
// location.lines.begin (the line, 1 when unknown). A finding reported
// twice (same tool, rule, file, line, column and message, as when two
// stages report it) is written once. Lint findings are in category
// "Style", the others in "Security". No findings write [].
func CodeQuality(w io.Writer, run *result.Run, opts Options) error {
	return render(w, run, opts, codeQuality)
}

func codeQuality(buf *bytes.Buffer, run *result.Run, _ Options) error {
	issues := []codeQualityIssue{}
	type place struct {
		tool, rule, file, message string
		line, column              int
	}
	seen := map[place]bool{}
	var findings []result.Finding
	for _, f := range run.Findings() {
		at := place{f.Tool, f.RuleID, f.File, f.Message, f.Line, f.Column}
		if !seen[at] {
			seen[at] = true
			findings = append(findings, f)
		}
	}
	fps := Fingerprints(findings)
	for i, f := range findings {
		fp := fps[i]
		category := "Security"
		if f.Kind == result.KindLint {
			category = "Style"
		}
		p := strings.TrimPrefix(path.Clean(strings.ReplaceAll(f.File, `\`, "/")), "./")
		if f.File == "" {
			p = "."
		}
		line := max(f.Line, 1)
		end := 0
		if f.EndLine > line {
			end = f.EndLine
		}
		desc := FindingText(f)
		if desc == "" {
			desc = checkName(f)
		}
		issues = append(issues, codeQualityIssue{
			Type:        "issue",
			CheckName:   checkName(f),
			Description: desc,
			Categories:  []string{category},
			Severity:    CodeQualitySeverity(severityOf(f)),
			Fingerprint: fp,
			Location:    codeQualityLocation{Path: p, Lines: codeQualityLines{Begin: line, End: end}},
		})
	}
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(issues); err != nil {
		return fmt.Errorf("encoding Code Quality JSON: %w", err)
	}
	return nil
}
