package netfail_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goldenci/golden/internal/testsupport/netfailtest"
	"github.com/goldenci/golden/netfail"
)

var update = flag.Bool("update", false, "run the real tools of netfailtest.Scenarios again and rewrite testdata/real")

// golden is a scenario's captured run, as kept under testdata/real/NAME:
// command (how it was run), exit, stdout, stderr and, for linters,
// report.json.
type golden struct {
	Code                   int
	Stdout, Stderr, Report string
}

// goldenDir is where a scenario's run is kept.
func goldenDir(name string) string { return filepath.Join("testdata", "real", name) }

func readGolden(t *testing.T, name string) golden {
	t.Helper()
	dir := goldenDir(name)
	read := func(file string) string {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil && (!errors.Is(err, os.ErrNotExist) || file != "report.json") {
			t.Fatalf("%v (go test ./netfail -run TestRealOutputs -update writes it)", err)
		}
		return string(data)
	}
	g := golden{Stdout: read("stdout"), Stderr: read("stderr"), Report: read("report.json")}
	code, err := strconv.Atoi(strings.TrimSpace(read("exit")))
	if err != nil {
		t.Fatalf("%s/exit: %v", dir, err)
	}
	g.Code = code
	return g
}

// capture runs a scenario with the real tool and writes its golden files.
func capture(t *testing.T, s netfailtest.Scenario) {
	t.Helper()
	r := s.Prepare(t)
	out := r.Exec(t)
	dir := goldenDir(s.Name)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"command": r.Command(),
		"exit":    strconv.Itoa(out.Code) + "\n",
		"stdout":  out.Stdout,
		"stderr":  out.Stderr,
	}
	if out.Report != "" {
		files["report.json"] = out.Report
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRealOutputs reads the real outputs of netfailtest.Scenarios, kept
// under testdata/real (-update runs the tools again), with Find: every
// network failure is found, with its host and cause, and nothing is found
// where a server answered that what was asked for does not exist.
func TestRealOutputs(t *testing.T) {
	t.Parallel()
	for _, s := range netfailtest.Scenarios() {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			if *update {
				capture(t, s)
			}
			g := readGolden(t, s.Name)
			// golangci-lint exits 0 when it wrote its report
			// (toolcmd's --issues-exit-code=0), whatever it found.
			if g.Code == 0 && s.Tool != netfailtest.GolangciLint {
				t.Errorf("the tool exited 0: the scenario did not fail")
			}
			out := g.Stderr + "\n" + g.Stdout
			f, ok := netfail.Find(out)
			if ok != s.Raw {
				t.Fatalf("Find = %+v, %v; want found = %v in:\n%s", f, ok, s.Raw, out)
			}
			reason, nok := netfail.Network(out)
			if nok != ok || (ok && reason != f.Reason()) {
				t.Errorf("Network = %q, %v; Find's reason is %q", reason, nok, f.Reason())
			}
			if !ok {
				return
			}
			if !strings.HasPrefix(f.Host, s.Host) || f.Host == "" {
				t.Errorf("Host = %q, want %q...; failure %+v", f.Host, s.Host, f)
			}
			if s.Cause != "" && f.Cause != s.Cause {
				t.Errorf("Cause = %q, want %q; failure %+v", f.Cause, s.Cause, f)
			}
			if f.Line == "" || !strings.Contains(out, strings.TrimSuffix(f.Line, "...")) || !utf8.ValidString(f.Line) {
				t.Errorf("Line %q is not a line of the output", f.Line)
			}
			if !strings.Contains(reason, f.Host) || !strings.Contains(reason, f.Cause) {
				t.Errorf("reason %q does not name the host %q and the cause %q", reason, f.Host, f.Cause)
			}
		})
	}
}
