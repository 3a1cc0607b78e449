package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/lint"
	"github.com/goldenci/golden/result"
)

// fingerprintModule has three errcheck findings in main.go, two of them
// identical (same message), one line apart.
var fingerprintModule = map[string]string{
	"go.mod": "module example.com/fp\n\ngo 1.22\n",
	"main.go": `package main

import "os"

func main() {
	os.Remove("a")
	os.Remove("b")
	os.Chdir("c")
}
`,
}

// codeQualityOf runs the real golangci-lint in dir and returns the Code
// Quality issues of its findings: fingerprint to line.
func codeQualityOf(t *testing.T, dir string) (map[string]int, int) {
	t.Helper()
	out := testtool.GolangciLint(t, dir, "--output.json.path=stdout", "--issues-exit-code=0", "--show-stats=false", "./...")
	findings, err := lint.Parse(bytes.NewReader(out), "golangci-lint.json", lint.GolangciLint, lint.Options{Source: dir})
	if err != nil {
		t.Fatal(err)
	}
	run := result.New(time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC))
	run.SetStage(lint.Gate(lint.GolangciLint, findings, result.Low).Stage("lint"))
	var b bytes.Buffer
	if err := CodeQuality(&b, run, Options{}); err != nil {
		t.Fatal(err)
	}
	var issues []struct {
		Fingerprint string `json:"fingerprint"`
		Location    struct {
			Lines struct {
				Begin int `json:"begin"`
			} `json:"lines"`
		} `json:"location"`
	}
	if err := json.Unmarshal(b.Bytes(), &issues); err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{}
	for _, is := range issues {
		lines[is.Fingerprint] = is.Location.Lines.Begin
	}
	return lines, len(issues)
}

// TestFingerprintsSurviveMovedCode runs the real golangci-lint, inserts
// two lines above its findings and runs it again: every finding keeps its
// fingerprint, on a line two further down, so GitLab's merge request
// widget shows nothing fixed and nothing new; the two identical findings
// keep distinct fingerprints.
func TestFingerprintsSurviveMovedCode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	testtool.WriteFiles(t, dir, fingerprintModule)
	before, n := codeQualityOf(t, dir)
	if n != 3 || len(before) != 3 {
		t.Fatalf("%d issues with %d distinct fingerprints, want 3 and 3: %v", n, len(before), before)
	}

	main := filepath.Join(dir, "main.go")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	moved := append([]byte("// Package main is moved\n// two lines down.\n"), src...)
	if err := os.WriteFile(main, moved, 0o644); err != nil {
		t.Fatal(err)
	}
	after, n := codeQualityOf(t, dir)
	if n != 3 || len(after) != 3 {
		t.Fatalf("after the move: %d issues with %d distinct fingerprints, want 3 and 3: %v", n, len(after), after)
	}
	for fp, line := range before {
		moved, ok := after[fp]
		switch {
		case !ok:
			t.Errorf("the finding on line %d lost its fingerprint %s when the code moved (now %v)", line, fp, after)
		case moved != line+2:
			t.Errorf("fingerprint %s: line %d, then %d; want %d", fp, line, moved, line+2)
		}
	}
}
