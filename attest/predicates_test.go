package attest

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// assertGolden compares the indented JSON of b with testdata/name.
func assertGolden(t *testing.T, name string, b []byte) {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		t.Fatal(err)
	}
	out.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n%s", path, out.String())
	}
}

func TestProvenancePredicate(t *testing.T) {
	t.Parallel()
	p := *provenance()
	p.BuilderVersion = "v0.9.0"
	p.StartedOn = time.Date(2026, 11, 21, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	p.FinishedOn = p.StartedOn.Add(3 * time.Minute)
	pred, err := ProvenancePredicate(p)
	if err != nil {
		t.Fatal(err)
	}
	if pred.Type != SLSAProvenanceV1Type {
		t.Errorf("type %q", pred.Type)
	}
	assertGolden(t, "provenance.json", pred.Body)

	minimal, err := ProvenancePredicate(Provenance{Repository: "https://github.com/acme/api", Commit: "abc123"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"buildDefinition":{"buildType":"` + BuildType + `","externalParameters":{"source":{"repository":"https://github.com/acme/api"}},` +
		`"resolvedDependencies":[{"uri":"git+https://github.com/acme/api","digest":{"gitCommit":"abc123"}}]},"runDetails":{"builder":{"id":"` + BuilderID + `"}}}`
	if string(minimal.Body) != want {
		t.Errorf("minimal provenance\n%s\nwant\n%s", minimal.Body, want)
	}
}

func TestProvenancePredicateRefuses(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]Provenance{
		"no commit":         {Repository: "https://github.com/acme/api"},
		"no repository":     {Commit: "abc"},
		"commit not hex":    {Repository: "r", Commit: "main"},
		"config no digest":  {Repository: "r", Commit: "abc", ConfigPath: "golden.yaml"},
		"config bad digest": {Repository: "r", Commit: "abc", ConfigPath: "golden.yaml", ConfigDigest: "sha256:xyz"},
		"tool by tag":       {Repository: "r", Commit: "abc", ToolImages: map[string]string{"go": "golang:1.26"}},
	} {
		_, err := ProvenancePredicate(p)
		if exitcode.Code(err) != exitcode.Usage {
			t.Errorf("%s: %v, want an input error", name, err)
		}
	}
}

func TestGatesPredicate(t *testing.T) {
	t.Parallel()
	pred, err := GatesPredicate(run(result.Failed), "v0.9.0")
	if err != nil {
		t.Fatal(err)
	}
	if pred.Type != GatesPredicateType {
		t.Errorf("type %q", pred.Type)
	}
	assertGolden(t, "gates.json", pred.Body)
	g, err := ParseGates(pred.Body)
	if err != nil || g.Status != result.Failed || len(g.Stages) != 4 || g.Scan.Critical != 1 {
		t.Errorf("parsed back %+v: %v", g, err)
	}

	// No statements: no percentage (JSON has no NaN); NaN patch coverage
	// is written as 0.
	r := run(result.Passed)
	r.Coverage = &result.Coverage{Percent: math.NaN(), Patch: &result.PatchCoverage{Base: "main", Percent: math.NaN()}}
	pred, err = GatesPredicate(r, "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pred.Body), `"coverage":{"statements":0,"covered":0,"patch":{"base":"main","percent":0,"lines":0,"covered":0}}`) {
		t.Errorf("NaN coverage: %s", pred.Body)
	}

	if _, err := GatesPredicate(result.New(time.Now()), ""); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("a run without stages: %v", err)
	}
	if _, err := ParseGates([]byte(`{"status":"great"}`)); err == nil {
		t.Error("an unknown status was accepted")
	}
}

func TestSBOMPredicate(t *testing.T) {
	t.Parallel()
	p, err := SBOMPredicate([]byte(sbom))
	if err != nil {
		t.Fatal(err)
	}
	if p.Type != CycloneDXType || bytes.ContainsAny(p.Body, "\n") || !json.Valid(p.Body) {
		t.Errorf("predicate %s %s", p.Type, p.Body)
	}
	for _, in := range []string{"", "[]", `{"bomFormat":"SPDX","specVersion":"2.3"}`, `{"bomFormat":"CycloneDX"}`, "<bom/>"} {
		_, err := SBOMPredicate([]byte(in))
		testtool.AssertExit(t, err, exitcode.Usage, nil)
	}
}

func TestPredicateTypeURI(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"slsaprovenance1":               SLSAProvenanceV1Type,
		"cyclonedx":                     CycloneDXType,
		"gates":                         GatesPredicateType,
		"https://example.com/custom/v1": "https://example.com/custom/v1",
	} {
		if got, err := PredicateTypeURI(in); err != nil || got != want {
			t.Errorf("PredicateTypeURI(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "slsa", "relative/path"} {
		if _, err := PredicateTypeURI(in); exitcode.Code(err) != exitcode.Usage {
			t.Errorf("PredicateTypeURI(%q): %v, want an input error", in, err)
		}
	}
}

// TestGatesLeaveOutWhatActsOnTheImage: a publish that errored (its
// signing failed, say) and earlier attest or verify stages are not gates;
// the gates say what the judging stages said.
func TestGatesLeaveOutWhatActsOnTheImage(t *testing.T) {
	t.Parallel()
	run := &result.Run{}
	run.SetStage(result.Stage{Name: "lint", Status: result.Passed})
	run.SetStage(result.Stage{Name: "test", Status: result.Passed})
	run.SetStage(result.Stage{Name: "publish", Status: result.Errored})
	run.SetStage(result.Stage{Name: "attest", Status: result.Errored})
	g := GatesOf(run, "test")
	if g.Status != result.Passed || len(g.Stages) != 2 || g.Stages[0].Name != "lint" || g.Stages[1].Name != "test" {
		t.Errorf("gates = %+v", g)
	}
}
