package benchgen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func goCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// blockKeys renders blocks as profile lines without counts.
func blockKeys(blocks []Block) []string {
	var out []string
	for _, b := range blocks {
		out = append(out, fmt.Sprintf("%s:%d.%d,%d.%d %d", b.File, b.StartLine, b.StartCol, b.EndLine, b.EndCol, b.NumStmt))
	}
	sort.Strings(out)
	return out
}

// The generated profile's blocks are exactly those go test
// -coverprofile reports for the generated source (function numbers of
// several digits included), so the benchmark profile is a real one
// repeated.
func TestBlocksMatchGoTest(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	res, err := Generate(dir, Options{Packages: 2, FilesPerPackage: 2, FuncsPerFile: 6, Runs: 3})
	if err != nil {
		t.Fatal(err)
	}
	if want := 1 + 3*2*2*6*BlocksPerFunc; res.Lines != want {
		t.Errorf("profile has %d lines, want %d", res.Lines, want)
	}
	for _, pkg := range []string{"p000", "p001"} {
		test := "package " + pkg + "\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) {}\n"
		if err := os.WriteFile(filepath.Join(dir, pkg, "f_test.go"), []byte(test), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	real := filepath.Join(t.TempDir(), "real.out")
	goCmd(t, dir, "test", "-count=1", "-covermode=set", "-coverprofile="+real, "./...")
	data, err := os.ReadFile(real)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n")[1:] {
		got = append(got, l[:strings.LastIndexByte(l, ' ')])
	}
	sort.Strings(got)
	if diff := cmp.Diff(blockKeys(res.Blocks), got); diff != "" {
		t.Errorf("generated blocks differ from go test's (-generated +go test):\n%s", diff)
	}
	// go tool cover -func accepts the generated profile.
	out := goCmd(t, dir, "tool", "cover", "-func="+res.Profile)
	if !strings.Contains(out, "total:") {
		t.Errorf("go tool cover -func: %s", out)
	}
}

func TestForLines(t *testing.T) {
	t.Parallel()
	o := ForLines(1_000_000)
	if n := o.Packages * o.FilesPerPackage * o.FuncsPerFile * BlocksPerFunc * o.Runs; n < 1_000_000 || n > 1_100_000 {
		t.Errorf("ForLines(1e6) gives %d block lines", n)
	}
}
