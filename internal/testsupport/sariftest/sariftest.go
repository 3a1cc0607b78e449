// Package sariftest checks the SARIF logs golden's tests write, as the
// places that read them do: against the official OASIS SARIF 2.1.0 JSON
// schema (sarif/testdata/sarif-schema-2.1.0.json, see the README there for
// its origin and licence), with format assertions on, and against what
// GitHub code scanning requires of an upload ("SARIF support for code
// scanning", docs.github.com, code-security/reference/code-scanning/
// sarif-files/sarif-support-for-code-scanning: the properties marked
// required, their length limits and the upload limits) and what the
// upload action needs to fingerprint a result (github/codeql-action
// src/fingerprints.ts: a region with a startLine).
package sariftest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// SchemaID is the $id of the official schema, as golden's logs name it.
const SchemaID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

// SchemaFile is the committed copy of the official schema.
func SchemaFile() string {
	return filepath.Join(testtool.Root(), "sarif", "testdata", "sarif-schema-2.1.0.json")
}

var (
	once      sync.Once
	schema    *jsonschema.Schema
	schemaErr error
)

// compiled compiles the schema once, asserting formats (uri,
// uri-reference, date-time).
func compiled() (*jsonschema.Schema, error) {
	once.Do(func() {
		f, err := os.Open(SchemaFile())
		if err != nil {
			schemaErr = err
			return
		}
		defer f.Close()
		doc, err := jsonschema.UnmarshalJSON(f)
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(SchemaID, doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile(SchemaID)
	})
	return schema, schemaErr
}

// SchemaError validates data against the SARIF 2.1.0 schema; nil when it
// is valid.
func SchemaError(data []byte) error {
	s, err := compiled()
	if err != nil {
		return fmt.Errorf("compiling the SARIF schema: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return s.Validate(inst)
}

// GitHub's limits on an upload, and on the text it shows.
const (
	MaxRuns          = 20
	MaxResultsPerRun = 25000
	MaxRulesPerRun   = 25000
	MaxTagsPerRule   = 20
	MaxLocations     = 1000
	MaxDescription   = 1024 // shortDescription.text, fullDescription.text
	MaxRuleName      = 255
)

// The part of a SARIF log GitHub reads.
type (
	logDoc struct {
		Schema  *string   `json:"$schema"`
		Version *string   `json:"version"`
		Runs    *[]runDoc `json:"runs"`
	}
	runDoc struct {
		Tool struct {
			Driver *struct {
				Name  string     `json:"name"`
				Rules *[]ruleDoc `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results *[]resultDoc `json:"results"`
	}
	textDoc struct {
		Text *string `json:"text"`
	}
	ruleDoc struct {
		ID                   string   `json:"id"`
		Name                 *string  `json:"name"`
		ShortDescription     *textDoc `json:"shortDescription"`
		FullDescription      *textDoc `json:"fullDescription"`
		Help                 *textDoc `json:"help"`
		DefaultConfiguration *struct {
			Level string `json:"level"`
		} `json:"defaultConfiguration"`
		Properties *struct {
			Tags             []string `json:"tags"`
			SecuritySeverity *string  `json:"security-severity"`
			Precision        *string  `json:"precision"`
		} `json:"properties"`
	}
	resultDoc struct {
		RuleID    string   `json:"ruleId"`
		RuleIndex *int     `json:"ruleIndex"`
		Message   *textDoc `json:"message"`
		Locations *[]struct {
			PhysicalLocation *struct {
				ArtifactLocation *struct {
					URI string `json:"uri"`
				} `json:"artifactLocation"`
				Region *struct {
					StartLine *int `json:"startLine"`
				} `json:"region"`
			} `json:"physicalLocation"`
		} `json:"locations"`
	}
)

// GitHubProblems lists what GitHub code scanning would refuse or could not
// use in data: a required property that is missing or empty (the empty
// string is not a value for GitHub), a text over its limit, a count over
// an upload limit, a location the upload action cannot fingerprint (no
// region.startLine). A result without any location is valid SARIF that
// GitHub keeps but cannot show in a file; golden writes one only for a
// finding that names no file, so it is not listed here.
func GitHubProblems(data []byte) []string {
	var doc logDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return []string{fmt.Sprintf("not JSON: %v", err)}
	}
	var p []string
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }
	if doc.Schema == nil || *doc.Schema == "" {
		add("$schema: required")
	}
	if doc.Version == nil || *doc.Version != "2.1.0" {
		add("version: want 2.1.0")
	}
	if doc.Runs == nil {
		add("runs: required")
		return p
	}
	if len(*doc.Runs) > MaxRuns {
		add("runs: %d, GitHub accepts %d", len(*doc.Runs), MaxRuns)
	}
	for i, r := range *doc.Runs {
		at := fmt.Sprintf("runs[%d]", i)
		d := r.Tool.Driver
		if d == nil {
			add("%s.tool.driver: required", at)
			continue
		}
		if d.Name == "" {
			add("%s.tool.driver.name: required", at)
		}
		var rules []ruleDoc
		if d.Rules == nil {
			add("%s.tool.driver.rules: required", at)
		} else {
			rules = *d.Rules
		}
		if len(rules) > MaxRulesPerRun {
			add("%s: %d rules, GitHub accepts %d", at, len(rules), MaxRulesPerRun)
		}
		for j, rl := range rules {
			p = append(p, ruleProblems(fmt.Sprintf("%s.tool.driver.rules[%d]", at, j), rl)...)
		}
		if r.Results == nil {
			add("%s.results: required", at)
			continue
		}
		if len(*r.Results) > MaxResultsPerRun {
			add("%s: %d results, GitHub accepts %d", at, len(*r.Results), MaxResultsPerRun)
		}
		for j, res := range *r.Results {
			p = append(p, resultProblems(fmt.Sprintf("%s.results[%d]", at, j), res, rules)...)
		}
	}
	return p
}

func ruleProblems(at string, rl ruleDoc) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, at+"."+fmt.Sprintf(format, args...)) }
	if rl.ID == "" {
		add("id: required")
	}
	for _, d := range []struct {
		name  string
		text  *textDoc
		limit int
	}{{"shortDescription", rl.ShortDescription, MaxDescription}, {"fullDescription", rl.FullDescription, MaxDescription}, {"help", rl.Help, 0}} {
		switch {
		case d.text == nil || d.text.Text == nil || *d.text.Text == "":
			add("%s.text: required", d.name)
		case d.limit > 0 && utf8.RuneCountInString(*d.text.Text) > d.limit:
			add("%s.text: %d characters, GitHub shows %d", d.name, utf8.RuneCountInString(*d.text.Text), d.limit)
		}
	}
	if rl.Name != nil && utf8.RuneCountInString(*rl.Name) > MaxRuleName {
		add("name: %d characters, GitHub accepts %d", utf8.RuneCountInString(*rl.Name), MaxRuleName)
	}
	if c := rl.DefaultConfiguration; c != nil && c.Level != "note" && c.Level != "warning" && c.Level != "error" {
		add("defaultConfiguration.level %q: want note, warning or error", c.Level)
	}
	if pr := rl.Properties; pr != nil {
		if len(pr.Tags) > MaxTagsPerRule {
			add("properties.tags: %d, GitHub accepts %d", len(pr.Tags), MaxTagsPerRule)
		}
		if s := pr.SecuritySeverity; s != nil {
			if v, err := strconv.ParseFloat(*s, 64); err != nil || v < 0 || v > 10 {
				add("properties.security-severity %q: want a score from 0.0 to 10.0", *s)
			}
		}
		if s := pr.Precision; s != nil && *s != "very-high" && *s != "high" && *s != "medium" && *s != "low" {
			add("properties.precision %q: want very-high, high, medium or low", *s)
		}
	}
	return p
}

func resultProblems(at string, res resultDoc, rules []ruleDoc) []string {
	var p []string
	add := func(format string, args ...any) { p = append(p, at+"."+fmt.Sprintf(format, args...)) }
	if res.Message == nil || res.Message.Text == nil || *res.Message.Text == "" {
		add("message.text: required")
	}
	if i := res.RuleIndex; i != nil && (*i < 0 || *i >= len(rules) || rules[*i].ID != res.RuleID) {
		add("ruleIndex %d does not point at rule %q", *i, res.RuleID)
	}
	if res.Locations == nil {
		return p
	}
	locs := *res.Locations
	switch {
	case len(locs) == 0:
		add("locations: empty")
	case len(locs) > MaxLocations:
		add("locations: %d, GitHub accepts %d", len(locs), MaxLocations)
	}
	for k, l := range locs {
		switch pl := l.PhysicalLocation; {
		case pl == nil:
			add("locations[%d].physicalLocation: required", k)
		case pl.ArtifactLocation == nil || pl.ArtifactLocation.URI == "":
			add("locations[%d].physicalLocation.artifactLocation.uri: required", k)
		case pl.Region == nil || pl.Region.StartLine == nil || *pl.Region.StartLine < 1:
			add("locations[%d].physicalLocation.region.startLine: required (the upload action fingerprints that line)", k)
		}
	}
	return p
}

// Validate fails the test unless data is a SARIF 2.1.0 log that passes the
// schema and GitHub's requirements.
func Validate(t testing.TB, data []byte) {
	t.Helper()
	if err := SchemaError(data); err != nil {
		t.Fatalf("SARIF does not validate against the 2.1.0 schema: %v\n%s", err, data)
	}
	if p := GitHubProblems(data); len(p) > 0 {
		t.Fatalf("SARIF does not meet GitHub code scanning's requirements: %q\n%s", p, data)
	}
}

// ValidateFile is Validate of the file at path.
func ValidateFile(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	Validate(t, data)
}
