// Package scan reads Trivy JSON reports, applies an ignore list
// (.trivyignore or .trivyignore.yaml, in Trivy's own syntax) and
// optionally Trivy's --ignore-unfixed rule, and gates on the severities
// of the vulnerabilities, secrets and failed misconfigurations that
// remain. Its counts are the ones Trivy reports with the same ignore
// file and flag.
//
// The flow is: ParseReport (or LoadReport) → Findings → Evaluate with a
// Policy. Findings never carry secret material: a secret finding keeps
// Trivy's rule ID and title, never the matched text or code lines.
package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	dbtypes "github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy/pkg/types"

	"github.com/goldenci/golden/internal/jsonpos"
	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/result"
)

// SchemaVersion is the Trivy JSON report schema this package reads.
const SchemaVersion = 2

// Tool is the tool name recorded on every finding.
const Tool = "trivy"

// ParseReport decodes a Trivy JSON report (trivy ... --format json).
// name is used in error messages, which give the line of JSON syntax
// and type errors. Reports of another SchemaVersion are rejected.
func ParseReport(r io.Reader, name string) (*types.Report, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading trivy report %q: %w", name, err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("parsing trivy report %q: the file is empty", name)
	}
	var rep types.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("parsing trivy report %q: %w", name, jsonpos.Describe(data, err))
	}
	switch rep.SchemaVersion {
	case SchemaVersion:
	case 0:
		return nil, fmt.Errorf("parsing trivy report %q: no SchemaVersion: not a Trivy JSON report (trivy --format json)", name)
	default:
		return nil, fmt.Errorf("parsing trivy report %q: SchemaVersion %d is not supported (want %d)", name, rep.SchemaVersion, SchemaVersion)
	}
	return &rep, nil
}

// LoadReport reads the Trivy JSON report at path. A missing file is an
// fs.ErrNotExist error.
func LoadReport(path string) (*types.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening trivy report: %w", err)
	}
	defer f.Close()
	return ParseReport(f, path)
}

// Finding is one finding of a Trivy report: the result.Finding recorded
// in the run, plus what an ignore entry can match on.
type Finding struct {
	result.Finding
	// Target is the Trivy result's target: a file path for filesystem
	// and repository scans, "image (os version)" or a path inside the
	// image for image scans.
	Target string
	// PkgPath is the file a language package was found in (jar, egg,
	// binary), when Trivy gives one.
	PkgPath string
	// PURL is the package URL of a vulnerable package, when Trivy gives
	// one.
	PURL string
	// Aliases are further IDs an ignore entry may name (the AVD ID of a
	// misconfiguration).
	Aliases []string
	// Status is a vulnerability's status as Trivy reports it: "fixed",
	// "affected", "will_not_fix", "fix_deferred", "end_of_life", ...; ""
	// when the report gives none (see Unfixed).
	Status string
}

// StatusFixed is the one vulnerability status Trivy's --ignore-unfixed
// keeps.
const StatusFixed = "fixed"

// Unfixed reports whether f is a vulnerability Trivy's --ignore-unfixed
// leaves out. Trivy (pkg/flag/vulnerability_flags.go, pkg/result/
// filter.go) ignores every status but "fixed": affected, will_not_fix,
// fix_deferred, end_of_life, under_investigation, not_affected and
// unknown, with or without a fixed version. Trivy sets the status of
// every vulnerability it detects, "fixed" whenever there is a fixed
// version; a report without one (written by hand, or by a Trivy from
// before statuses) is read the same way: fixed when it has a fixed
// version.
func (f Finding) Unfixed() bool {
	if f.Kind != result.KindVulnerability {
		return false
	}
	if f.Status == "" {
		return f.FixedVersion == ""
	}
	return f.Status != StatusFixed
}

// IDs returns the IDs an ignore entry can name for f: its rule ID and
// aliases.
func (f Finding) IDs() []string {
	return append([]string{f.RuleID}, f.Aliases...)
}

// Findings flattens a report into its vulnerabilities, secrets and
// failed misconfigurations (passed and exception misconfigurations are
// left out; so are licenses). An empty severity reads as UNKNOWN, as in
// Trivy; an unknown one is an error naming the finding. Secret findings
// carry the rule ID and title only, never Trivy's Match or Code.
func Findings(rep *types.Report) ([]Finding, error) {
	var out []Finding
	for i, res := range rep.Results {
		where := fmt.Sprintf("result %d (target %q)", i+1, res.Target)
		for _, v := range res.Vulnerabilities {
			f, err := vulnFinding(res.Target, v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			out = append(out, f)
		}
		for _, sec := range res.Secrets {
			f, err := secretFinding(res.Target, sec)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			out = append(out, f)
		}
		for _, m := range res.Misconfigurations {
			if m.Status != types.MisconfStatusFailure {
				continue
			}
			f, err := misconfFinding(res.Target, m)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

func vulnFinding(target string, v types.DetectedVulnerability) (Finding, error) {
	id := strings.TrimSpace(v.VulnerabilityID)
	if id == "" {
		return Finding{}, fmt.Errorf("vulnerability in package %q has no VulnerabilityID", v.PkgName)
	}
	sev, err := severity(v.Severity)
	if err != nil {
		return Finding{}, fmt.Errorf("vulnerability %s: %w", id, err)
	}
	f := Finding{
		Finding: result.Finding{
			Tool:             Tool,
			Kind:             result.KindVulnerability,
			RuleID:           id,
			Severity:         sev,
			Title:            text.OneLine(v.Title),
			Message:          vulnMessage(id, v.PkgName, v.InstalledVersion, v.FixedVersion, vulnStatus(v.Status)),
			File:             target,
			URL:              v.PrimaryURL,
			Package:          v.PkgName,
			InstalledVersion: v.InstalledVersion,
			FixedVersion:     strings.TrimSpace(v.FixedVersion),
		},
		Target:  target,
		PkgPath: v.PkgPath,
		Status:  vulnStatus(v.Status),
	}
	if p := v.PkgIdentifier.PURL; p != nil {
		f.PURL = p.String()
	}
	return f, nil
}

func secretFinding(target string, s types.DetectedSecret) (Finding, error) {
	id := strings.TrimSpace(s.RuleID)
	if id == "" {
		return Finding{}, fmt.Errorf("secret at line %d has no RuleID", s.StartLine)
	}
	sev, err := severity(s.Severity)
	if err != nil {
		return Finding{}, fmt.Errorf("secret %s: %w", id, err)
	}
	title := text.OneLine(s.Title)
	msg := title
	if msg == "" {
		msg = "secret matched rule " + id
	}
	// Never s.Match or s.Code: they hold (a masked copy of) the secret and
	// the lines around it.
	return Finding{
		Finding: result.Finding{
			Tool:     Tool,
			Kind:     result.KindSecret,
			RuleID:   id,
			Severity: sev,
			Title:    title,
			Message:  msg,
			File:     target,
			Line:     max(s.StartLine, 0),
			EndLine:  max(s.EndLine, 0),
		},
		Target: target,
	}, nil
}

func misconfFinding(target string, m types.DetectedMisconfiguration) (Finding, error) {
	id := strings.TrimSpace(m.ID)
	if id == "" {
		// Reports of older trivy versions name checks by AVD ID only.
		id = strings.TrimSpace(m.AVDID) //nolint:staticcheck // deprecated, still in older reports
	}
	if id == "" {
		return Finding{}, fmt.Errorf("misconfiguration %q has no ID", m.Title)
	}
	sev, err := severity(m.Severity)
	if err != nil {
		return Finding{}, fmt.Errorf("misconfiguration %s: %w", id, err)
	}
	msg := text.OneLine(m.Message)
	if msg == "" {
		msg = text.OneLine(m.Title)
	}
	var aliases []string
	// Trivy's ignore matching also tries the AVD ID and aliases.
	for _, a := range append([]string{m.AVDID}, m.Aliases...) { //nolint:staticcheck // deprecated, still in older reports
		if a = strings.TrimSpace(a); a != "" && a != id {
			aliases = append(aliases, a)
		}
	}
	return Finding{
		Finding: result.Finding{
			Tool:     Tool,
			Kind:     result.KindMisconfiguration,
			RuleID:   id,
			Severity: sev,
			Title:    text.OneLine(m.Title),
			Message:  msg,
			File:     target,
			Line:     max(m.CauseMetadata.StartLine, 0),
			EndLine:  max(m.CauseMetadata.EndLine, 0),
			URL:      m.PrimaryURL,
		},
		Target:  target,
		Aliases: aliases,
	}, nil
}

// severity reads a Trivy severity; empty is UNKNOWN, as Trivy treats it.
func severity(s string) (result.Severity, error) {
	if strings.TrimSpace(s) == "" {
		return result.Unknown, nil
	}
	return result.ParseSeverity(s)
}

// vulnStatus is a vulnerability status as Finding.Status holds it: ""
// for unknown, which is also what a report without a Status reads as.
func vulnStatus(s dbtypes.Status) string {
	if s == dbtypes.StatusUnknown {
		return ""
	}
	return s.String()
}

// vulnMessage is a vulnerability's one-line message: "CVE-… in pkg
// v1.2.3 (fixed in 1.2.4)", "… (no fix available)", or "… (fixed, no
// fixed version given)" for the status fixed without a version. It
// names the package, installed version and fix itself, so renderers that
// also show the Package, InstalledVersion and FixedVersion fields leave
// them out when the message names them (report's findingText).
func vulnMessage(id, pkg, installed, fixed, status string) string {
	var b strings.Builder
	b.WriteString(id)
	if pkg != "" {
		b.WriteString(" in ")
		b.WriteString(pkg)
		if installed != "" {
			b.WriteString(" ")
			b.WriteString(installed)
		}
	}
	if fixed = strings.TrimSpace(fixed); fixed != "" {
		b.WriteString(" (fixed in ")
		b.WriteString(fixed)
		b.WriteString(")")
	} else if status == StatusFixed {
		b.WriteString(" (fixed, no fixed version given)")
	} else {
		b.WriteString(" (no fix available)")
	}
	return b.String()
}
