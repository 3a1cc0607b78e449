package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
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
// the first 32 hex digits of the SHA-256 of its tool, rule, file, line and
// message.
func Fingerprint(f result.Finding) string {
	h := sha256.New()
	for _, part := range []string{f.Tool, f.RuleID, f.File, strconv.Itoa(f.Line), f.Message} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// CodeQuality writes the run's findings as a GitLab Code Quality report
// (artifacts:reports:codequality), most severe first: description (the
// message, with package and versions for a vulnerable dependency),
// check_name ("tool/rule"), fingerprint (see Fingerprint; findings with the
// same fingerprint are written once), severity (see CodeQualitySeverity),
// location.path (the file, "." when the finding names none) and
// location.lines.begin (the line, 1 when unknown). Lint findings are in
// category "Style", the others in "Security". No findings write [].
func CodeQuality(w io.Writer, run *result.Run, opts Options) error {
	return render(w, run, opts, codeQuality)
}

func codeQuality(buf *bytes.Buffer, run *result.Run, _ Options) error {
	issues := []codeQualityIssue{}
	seen := map[string]bool{}
	for _, f := range run.Findings() {
		fp := Fingerprint(f)
		if seen[fp] {
			continue
		}
		seen[fp] = true
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
