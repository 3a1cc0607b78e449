package repopath

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

// monorepo lays out a git repository with a Go service in services/api
// and returns the repository's root.
func monorepo(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	testtool.WriteFiles(t, root, map[string]string{
		".git/HEAD":                      "ref: refs/heads/main\n",
		"README.md":                      "# monorepo\n",
		"services/api/go.mod":            "module example.com/api\n\ngo 1.22\n",
		"services/api/main.go":           "package main\n\nimport \"os\"\n\nfunc main() {\n\tos.Remove(\"x\")\n}\n",
		"services/api/sub_dir/odd.go":    "package sub_dir\n\nimport \"os\"\n\n// F removes y.\nfunc F() {\n\tos.Remove(\"y\")\n}\n",
		"services/api/sub_dir/README.md": "sub_dir\n",
	})
	return root
}

func TestTopLevelAndPrefix(t *testing.T) {
	t.Parallel()
	root := monorepo(t)
	worktree := t.TempDir() // a linked worktree or submodule: .git is a file
	testtool.WriteFiles(t, worktree, map[string]string{".git": "gitdir: /elsewhere/.git/worktrees/w\n", "svc/go.mod": "module x\n"})
	outside := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(filepath.Join(root, "services"), link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, top, prefix string
	}{
		{"the root", root, root, ""},
		{"a service", filepath.Join(root, "services", "api"), root, "services/api"},
		{"deeper", filepath.Join(root, "services", "api", "sub_dir"), root, "services/api/sub_dir"},
		{"not there yet", filepath.Join(root, "services", "gone"), root, "services/gone"},
		{"a .git file", filepath.Join(worktree, "svc"), worktree, "svc"},
		{"through a symlink", filepath.Join(link, "api"), root, "services/api"},
		{"outside git", outside, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			top, err := TopLevel(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.top
			if want != "" {
				want, _ = filepath.EvalSymlinks(want)
			}
			if top != want {
				t.Errorf("TopLevel(%s) = %q, want %q", tt.dir, top, want)
			}
			prefix, err := Prefix(tt.dir)
			if err != nil {
				t.Fatal(err)
			}
			if prefix != tt.prefix {
				t.Errorf("Prefix(%s) = %q, want %q", tt.dir, prefix, tt.prefix)
			}
		})
	}
}

func TestRel(t *testing.T) {
	t.Parallel()
	root := monorepo(t)
	svc := filepath.Join(root, "services", "api")
	detected, err := Detect(svc)
	if err != nil {
		t.Fatal(err)
	}
	container, err := Within("/src", "services/api")
	if err != nil {
		t.Fatal(err)
	}
	atRoot, err := Detect(root)
	if err != nil {
		t.Fatal(err)
	}
	outside, err := Detect(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		paths Paths
		in    string
		want  string
	}{
		{"empty", detected, "", ""},
		{"relative to the service", detected, "sub_dir/odd.go", "services/api/sub_dir/odd.go"},
		{"dot slash", detected, "./main.go", "services/api/main.go"},
		{"relative to a root config", detected, "services/api/sub_dir/odd.go", "services/api/sub_dir/odd.go"},
		{"a root file", detected, "README.md", "README.md"},
		{"the service's file wins", detected, "sub_dir/README.md", "services/api/sub_dir/README.md"},
		{"not on disk", detected, "gen/x.go", "services/api/gen/x.go"},
		{"absolute in the service", detected, filepath.Join(svc, "sub_dir", "odd.go"), "services/api/sub_dir/odd.go"},
		{"absolute in the repository", detected, filepath.Join(root, "README.md"), "README.md"},
		{"absolute elsewhere", detected, "/go/pkg/mod/x@v1/x.go", "/go/pkg/mod/x@v1/x.go"},
		{"backslashes", detected, `sub_dir\odd.go`, "services/api/sub_dir/odd.go"},
		{"up and out of the service", detected, "../other/x.go", "services/other/x.go"},
		{"container relative", container, "go.mod", "services/api/go.mod"},
		{"container absolute", container, "/src/sub_dir/odd.go", "services/api/sub_dir/odd.go"},
		{"container elsewhere", container, "/usr/lib/x.so", "/usr/lib/x.so"},
		{"at the root", atRoot, "services/api/main.go", "services/api/main.go"},
		{"at the root, absolute", atRoot, filepath.Join(svc, "main.go"), "services/api/main.go"},
		{"outside git", outside, "./a/../b.go", "b.go"},
		{"zero Paths", Paths{}, "a//b.go", "a/b.go"},
	}
	for _, tt := range tests {
		if got := tt.paths.Rel(tt.in); got != tt.want {
			t.Errorf("%s: Rel(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestWithinRejects(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"/services/api", "..", "../x", "a/../../b"} {
		_, err := Within("/src", bad)
		if err == nil || exitcode.Code(err) != exitcode.Usage {
			t.Errorf("Within(%q): err %v, want an input error", bad, err)
		}
	}
	for in, want := range map[string]string{"": "", ".": "", "./services/api/": "services/api", `services\api`: "services/api"} {
		p, err := Within("/src", in)
		if err != nil || p.Prefix() != want {
			t.Errorf("Within(%q) = %q, %v; want %q", in, p.Prefix(), err, want)
		}
	}
}

func TestCoverage(t *testing.T) {
	t.Parallel()
	root := monorepo(t)
	paths, err := Detect(filepath.Join(root, "services", "api"))
	if err != nil {
		t.Fatal(err)
	}
	c := &result.Coverage{
		Packages: []result.PackageCoverage{{Package: "example.com/api"}, {Package: "sub_dir"}, {Package: "."}},
		Files: []result.FileCoverage{
			{Path: "main.go", Package: "example.com/api"},                 // Go: the package is an import path
			{Path: "sub_dir/odd.go", Package: "sub_dir"},                  // LCOV, Cobertura: the package is the directory
			{Path: "example.com/api/gone.go", Package: "example.com/api"}, // not in the tree: left alone
			{Path: "/abs/elsewhere.go", Package: "/abs"},
		},
	}
	paths.Coverage(c)
	want := &result.Coverage{
		Packages: []result.PackageCoverage{{Package: "example.com/api"}, {Package: "services/api/sub_dir"}, {Package: "."}},
		Files: []result.FileCoverage{
			{Path: "services/api/main.go", Package: "example.com/api"},
			{Path: "services/api/sub_dir/odd.go", Package: "services/api/sub_dir"},
			{Path: "example.com/api/gone.go", Package: "example.com/api"},
			{Path: "/abs/elsewhere.go", Package: "/abs"},
		},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("coverage (-want +got):\n%s", diff)
	}
	paths.Coverage(nil) // no panic
}

// TestRealGolangciLint runs golangci-lint on a service in a subdirectory
// of a git repository in each of the ways it names files: relative to the
// service (no configuration), relative to a configuration at the
// repository root (v2's default relative-path-mode, cfg) and absolute
// (--path-mode=abs). Each names the same files from the repository root.
func TestRealGolangciLint(t *testing.T) {
	t.Parallel()
	root := monorepo(t)
	svc := filepath.Join(root, "services", "api")
	paths, err := Detect(svc)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"services/api/main.go", "services/api/sub_dir/odd.go"}
	run := func(t *testing.T, args ...string) []string {
		t.Helper()
		out := testtool.GolangciLint(t, svc, append([]string{"--output.json.path=stdout", "--issues-exit-code=0", "--show-stats=false"}, args...)...)
		var rep struct {
			Issues []struct{ Pos struct{ Filename string } }
		}
		if err := json.Unmarshal(out, &rep); err != nil {
			t.Fatalf("golangci-lint's JSON: %v\n%s", err, out)
		}
		var raw, got []string
		for _, is := range rep.Issues {
			raw = append(raw, is.Pos.Filename)
			got = append(got, paths.Rel(is.Pos.Filename))
		}
		sort.Strings(got)
		t.Logf("golangci-lint %v wrote %v", args, raw)
		return got
	}
	// The three runs share the repository: one after the other.
	if diff := cmp.Diff(want, run(t, "./...")); diff != "" {
		t.Errorf("no configuration (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, run(t, "--path-mode=abs", "./...")); diff != "" {
		t.Errorf("--path-mode=abs (-want +got):\n%s", diff)
	}
	testtool.WriteFiles(t, root, map[string]string{".golangci.yml": "version: \"2\"\n"})
	got := run(t, "./...")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("configuration at the repository root (-want +got):\n%s", diff)
	}
}

// FuzzRel maps arbitrary tool paths: the result is clean, slash-separated,
// empty only for an empty path, and relative paths stay inside the
// prefix unless they climb out of it.
func FuzzRel(f *testing.F) {
	f.Add("services/api", "sub_dir/odd.go")
	f.Add("", "/abs/x.go")
	f.Add("a", `..\..\x`)
	f.Add("a/b", "./")
	f.Fuzz(func(t *testing.T, prefix, name string) {
		p, err := Within("/src", prefix)
		if err != nil {
			return
		}
		got := p.Rel(name)
		if (got == "") != (name == "") {
			t.Fatalf("Rel(%q) = %q", name, got)
		}
		if got == "" {
			return
		}
		if strings.Contains(got, `\`) || strings.Contains(got, "//") {
			t.Fatalf("Rel(%q) = %q: not clean", name, got)
		}
		slashed := strings.ReplaceAll(name, `\`, "/")
		if !strings.HasPrefix(slashed, "/") && p.Prefix() != "" && !strings.Contains(slashed, "..") &&
			got != p.Prefix() && !strings.HasPrefix(got, p.Prefix()+"/") {
			t.Fatalf("Rel(%q) = %q: not under %q", name, got, p.Prefix())
		}
	})
}
