package attest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
)

// The predicate types golden writes. The first two are the standard ones
// cosign names slsaprovenance1 and cyclonedx (`cosign verify-attestation
// --type slsaprovenance1`); GatesPredicateType is golden's own.
const (
	SLSAProvenanceV1Type = "https://slsa.dev/provenance/v1"
	CycloneDXType        = "https://cyclonedx.org/bom"
	GatesPredicateType   = "https://github.com/goldenci/golden/attestation/gates/v1"
)

// BuilderID identifies golden as the builder of a SLSA provenance, and
// BuildType the structure of its buildDefinition (the parameters below).
const (
	BuilderID = "https://github.com/goldenci/golden"
	BuildType = "https://github.com/goldenci/golden/attestation/buildtype/v1"
)

// predicateTypeNames are cosign's short names of predicate types (its
// --type values), and "gates" for golden's.
var predicateTypeNames = map[string]string{
	"slsaprovenance1": SLSAProvenanceV1Type,
	"cyclonedx":       CycloneDXType,
	"gates":           GatesPredicateType,
	"spdxjson":        "https://spdx.dev/Document",
	"spdx":            "https://spdx.dev/Document",
	"slsaprovenance":  "https://slsa.dev/provenance/v0.2",
	"openvex":         "https://openvex.dev/ns",
	"vuln":            "https://cosign.sigstore.dev/attestation/vuln/v1",
	"custom":          "https://cosign.sigstore.dev/attestation/v1",
}

// PredicateTypeURI returns the predicate type a name means: one of
// cosign's --type names (slsaprovenance1, cyclonedx, spdxjson, ...),
// "gates" for GatesPredicateType, or an absolute URI as it is.
func PredicateTypeURI(s string) (string, error) {
	if uri, ok := predicateTypeNames[s]; ok {
		return uri, nil
	}
	if u, err := url.ParseRequestURI(s); err == nil && u.Scheme != "" {
		return s, nil
	}
	return "", exitcode.Inputf("predicate type %q: want slsaprovenance1, cyclonedx, gates, another of cosign's --type names, or a URI", s)
}

// Predicate is one in-toto predicate: its type URI and its JSON body.
type Predicate struct {
	Type string
	Body json.RawMessage
}

// Provenance is what a SLSA provenance v1 says about an image golden built
// (ProvenancePredicate).
type Provenance struct {
	// BuilderVersion is golden's version ("v0.3.0"; "(devel)" for a
	// build from a checkout).
	BuilderVersion string
	// Repository is the source repository's URL, e.g.
	// "https://github.com/acme/api"; Commit the commit built (full hex);
	// Ref the branch or tag ("refs/heads/main"; a bare branch name is
	// taken as one). Repository and Commit are required.
	Repository string
	Commit     string
	Ref        string
	// ConfigPath is the path of the service's golden.yaml in the
	// repository and ConfigDigest the "sha256:<hex>" of its bytes; both
	// empty when the run had no golden.yaml.
	ConfigPath   string
	ConfigDigest string
	// ToolImages are the images the pipeline ran, by tool key ("go",
	// "trivy", ...), each pinned by digest: NAME[:TAG]@sha256:HEX.
	ToolImages map[string]string
	// InvocationID identifies the CI run, such as its URL.
	InvocationID string
	// StartedOn and FinishedOn bound the run; zero leaves them out.
	StartedOn, FinishedOn time.Time
}

// resourceDescriptor is in-toto's ResourceDescriptor.
type resourceDescriptor struct {
	URI         string            `json:"uri,omitempty"`
	Digest      map[string]string `json:"digest,omitempty"`
	Name        string            `json:"name,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// slsaProvenance is the SLSA provenance v1 predicate.
type slsaProvenance struct {
	BuildDefinition struct {
		BuildType            string               `json:"buildType"`
		ExternalParameters   externalParameters   `json:"externalParameters"`
		ResolvedDependencies []resourceDescriptor `json:"resolvedDependencies,omitempty"`
	} `json:"buildDefinition"`
	RunDetails struct {
		Builder struct {
			ID      string            `json:"id"`
			Version map[string]string `json:"version,omitempty"`
		} `json:"builder"`
		Metadata *buildMetadata `json:"metadata,omitempty"`
	} `json:"runDetails"`
}

// externalParameters are the inputs of golden's build type: the source
// and the configuration file.
type externalParameters struct {
	Source struct {
		Repository string `json:"repository"`
		Ref        string `json:"ref,omitempty"`
	} `json:"source"`
	Config *struct {
		Path   string            `json:"path"`
		Digest map[string]string `json:"digest"`
	} `json:"config,omitempty"`
}

type buildMetadata struct {
	InvocationID string     `json:"invocationId,omitempty"`
	StartedOn    *time.Time `json:"startedOn,omitempty"`
	FinishedOn   *time.Time `json:"finishedOn,omitempty"`
}

// ProvenancePredicate makes the SLSA provenance v1 predicate of p:
// builder golden at its version; the source repository and ref as
// external parameters with golden.yaml's path and digest; as resolved
// dependencies the source ("git+URL@REF" with its gitCommit), golden.yaml
// (its sha256) and every tool image (its reference and sha256, named by
// tool key). A missing repository or commit, or a tool image that is not
// pinned by digest, is an input error.
func ProvenancePredicate(p Provenance) (Predicate, error) {
	if p.Repository == "" || p.Commit == "" {
		return Predicate{}, exitcode.Inputf("provenance: the source repository and commit are required")
	}
	if !isHex(p.Commit) {
		return Predicate{}, exitcode.Inputf("provenance: commit %q is not a hex commit hash", p.Commit)
	}
	ref := p.Ref
	if ref != "" && !strings.HasPrefix(ref, "refs/") {
		ref = "refs/heads/" + ref
	}
	var pr slsaProvenance
	bd := &pr.BuildDefinition
	bd.BuildType = BuildType
	bd.ExternalParameters.Source.Repository = p.Repository
	bd.ExternalParameters.Source.Ref = ref
	src := resourceDescriptor{URI: "git+" + p.Repository, Digest: map[string]string{"gitCommit": p.Commit}}
	if ref != "" {
		src.URI += "@" + ref
	}
	bd.ResolvedDependencies = append(bd.ResolvedDependencies, src)
	if p.ConfigPath != "" || p.ConfigDigest != "" {
		algo, hex, ok := strings.Cut(p.ConfigDigest, ":")
		if !ok || algo != "sha256" || len(hex) != 64 || !isHex(hex) || p.ConfigPath == "" {
			return Predicate{}, exitcode.Inputf("provenance: the configuration needs a path and a sha256:<hex> digest")
		}
		digest := map[string]string{"sha256": hex}
		bd.ExternalParameters.Config = &struct {
			Path   string            `json:"path"`
			Digest map[string]string `json:"digest"`
		}{p.ConfigPath, digest}
		bd.ResolvedDependencies = append(bd.ResolvedDependencies, resourceDescriptor{Name: p.ConfigPath, Digest: digest})
	}
	keys := make([]string, 0, len(p.ToolImages))
	for k := range p.ToolImages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		d, err := name.NewDigest(p.ToolImages[k])
		if err != nil {
			return Predicate{}, exitcode.Inputf("provenance: tool image %s %q: want NAME[:TAG]@sha256:DIGEST (pinned by digest)", k, p.ToolImages[k])
		}
		_, hex, _ := strings.Cut(d.DigestStr(), ":")
		bd.ResolvedDependencies = append(bd.ResolvedDependencies, resourceDescriptor{
			URI: "docker://" + p.ToolImages[k], Name: k, Digest: map[string]string{"sha256": hex},
		})
	}
	rd := &pr.RunDetails
	rd.Builder.ID = BuilderID
	if p.BuilderVersion != "" {
		rd.Builder.Version = map[string]string{"golden": p.BuilderVersion}
	}
	if p.InvocationID != "" || !p.StartedOn.IsZero() || !p.FinishedOn.IsZero() {
		rd.Metadata = &buildMetadata{InvocationID: p.InvocationID, StartedOn: utc(p.StartedOn), FinishedOn: utc(p.FinishedOn)}
	}
	return marshalPredicate(SLSAProvenanceV1Type, pr)
}

// Gates is golden's gates predicate (GatesPredicateType): the verdict of a
// run as golden recorded it in golden-result.json. Status is the run's
// status (passed only when no stage failed or errored), Stages each
// stage's verdict with its finding counts and test counts, Coverage the
// statement coverage, Scan the security findings (vulnerabilities,
// secrets, misconfigurations) of every stage by severity.
type Gates struct {
	Status     result.Status  `json:"status"`
	Golden     string         `json:"golden,omitempty"` // golden's version
	Source     *result.Source `json:"source,omitempty"`
	StartedAt  *time.Time     `json:"startedAt,omitempty"`
	FinishedAt *time.Time     `json:"finishedAt,omitempty"`
	Stages     []GateStage    `json:"stages"`
	Coverage   *GateCoverage  `json:"coverage,omitempty"`
	Scan       *Counts        `json:"scan,omitempty"`
}

// GateStage is one stage's verdict.
type GateStage struct {
	Name     string        `json:"name"`
	Status   result.Status `json:"status"`
	Summary  string        `json:"summary,omitempty"`
	Tool     string        `json:"tool,omitempty"`
	Findings *Counts       `json:"findings,omitempty"`
	Tests    *TestCounts   `json:"tests,omitempty"`
}

// Counts counts findings by severity.
type Counts struct {
	Critical int `json:"CRITICAL"`
	High     int `json:"HIGH"`
	Medium   int `json:"MEDIUM"`
	Low      int `json:"LOW"`
	Unknown  int `json:"UNKNOWN"`
}

func (c *Counts) add(s result.Severity) {
	switch s {
	case result.Critical:
		c.Critical++
	case result.High:
		c.High++
	case result.Medium:
		c.Medium++
	case result.Low:
		c.Low++
	default:
		c.Unknown++
	}
}

// TestCounts counts a stage's test cases by status.
type TestCounts struct {
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// GateCoverage is the statement coverage of the run (Percent is left out
// when there were no statements).
type GateCoverage struct {
	Percent    *float64              `json:"percent,omitempty"`
	Statements int                   `json:"statements"`
	Covered    int                   `json:"covered"`
	Patch      *result.PatchCoverage `json:"patch,omitempty"`
}

// NotGates are the stages that act on an image rather than judge it:
// publishing, signing, verifying and moving it. GatesOf leaves them out,
// so that a gates attestation says the same whenever it is written (at
// publish, or later with golden attest on the run's result, after a
// publish whose signing failed).
var NotGates = []string{"publish", "bump", "promote", "attest", "verify"}

// GatesOf summarises run as a gates predicate (without the NotGates
// stages); version is golden's.
func GatesOf(run *result.Run, version string) Gates {
	gated := *run
	gated.Stages = nil
	for _, s := range run.Stages {
		if !slices.Contains(NotGates, s.Name) {
			gated.Stages = append(gated.Stages, s)
		}
	}
	run = &gated
	g := Gates{
		Status: run.Status(), Golden: version, Source: run.Source, Stages: []GateStage{},
		StartedAt: utc(run.StartedAt), FinishedAt: utc(run.UpdatedAt),
	}
	var scan Counts
	security := 0
	for _, s := range run.Stages {
		gs := GateStage{Name: s.Name, Status: s.Status, Summary: s.Summary, Tool: s.Tool}
		if len(s.Findings) > 0 {
			gs.Findings = &Counts{}
			for _, f := range s.Findings {
				gs.Findings.add(f.Severity)
				if f.Kind != result.KindLint {
					scan.add(f.Severity)
					security++
				}
			}
		}
		if len(s.Tests) > 0 {
			gs.Tests = &TestCounts{}
			for _, tc := range s.Tests {
				switch tc.Status {
				case result.Passed:
					gs.Tests.Passed++
				case result.Skipped:
					gs.Tests.Skipped++
				default:
					gs.Tests.Failed++
				}
			}
		}
		g.Stages = append(g.Stages, gs)
	}
	if security > 0 || hasScanStage(run) {
		g.Scan = &scan
	}
	if c := run.Coverage; c != nil {
		gc := &GateCoverage{Statements: c.Statements, Covered: c.Covered, Patch: c.Patch}
		if c.Statements > 0 && !math.IsNaN(c.Percent) && !math.IsInf(c.Percent, 0) {
			p := c.Percent
			gc.Percent = &p
		}
		if gc.Patch != nil && (math.IsNaN(gc.Patch.Percent) || math.IsInf(gc.Patch.Percent, 0)) {
			patch := *gc.Patch
			patch.Percent = 0
			gc.Patch = &patch
		}
		g.Coverage = gc
	}
	return g
}

// hasScanStage reports whether a stage of run ran trivy (so that zero
// findings is a count, not an absence).
func hasScanStage(run *result.Run) bool {
	for _, s := range run.Stages {
		if s.Tool == "trivy" || strings.HasPrefix(s.Name, "scan") {
			return true
		}
	}
	return false
}

// GatesPredicate makes the gates predicate of run. A run without any stage
// is an input error: it says nothing about the image.
func GatesPredicate(run *result.Run, version string) (Predicate, error) {
	if run == nil || len(run.Stages) == 0 {
		return Predicate{}, exitcode.Inputf("gates: the result records no stage")
	}
	return marshalPredicate(GatesPredicateType, GatesOf(run, version))
}

// ParseGates reads a gates predicate.
func ParseGates(b []byte) (*Gates, error) {
	var g Gates
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("malformed gates predicate: %w", err)
	}
	switch g.Status {
	case result.Passed, result.Skipped, result.Failed, result.Errored:
	default:
		return nil, fmt.Errorf("gates predicate: unknown status %q", printable(string(g.Status)))
	}
	return &g, nil
}

// SBOMPredicate checks that b is a CycloneDX JSON document (as `trivy image
// --format cyclonedx` writes) and makes it a predicate of CycloneDXType,
// byte for byte but for surrounding white space. Anything else is an
// input error.
func SBOMPredicate(b []byte) (Predicate, error) {
	var doc struct {
		BOMFormat   string `json:"bomFormat"`
		SpecVersion string `json:"specVersion"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Predicate{}, exitcode.Inputf("SBOM: not a JSON document: %w", err)
	}
	if doc.BOMFormat != "CycloneDX" || doc.SpecVersion == "" {
		return Predicate{}, exitcode.Inputf("SBOM: not a CycloneDX document (want bomFormat \"CycloneDX\" and a specVersion)")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return Predicate{}, exitcode.Inputf("SBOM: %w", err)
	}
	return Predicate{Type: CycloneDXType, Body: compact.Bytes()}, nil
}

func marshalPredicate(typ string, v any) (Predicate, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Predicate{}, fmt.Errorf("encoding the %s predicate: %w", typ, err)
	}
	return Predicate{Type: typ, Body: b}, nil
}

// utc is t in UTC, or nil for the zero time (left out of the JSON).
func utc(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}
