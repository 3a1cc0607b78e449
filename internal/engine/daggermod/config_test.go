package daggermod

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// hostReaders reads a directory on the host the way LoadConfig reads a
// source directory through the SDK: the entries at its root (directories
// with a trailing slash, as the engine lists them), whether a name is a
// directory, and a file's content and size.
func hostReaders(t *testing.T, dir string) ([]string, func(string) (bool, error), func(string) (string, int, error)) {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, de := range des {
		name := de.Name()
		if de.IsDir() {
			name += "/"
		}
		entries = append(entries, name)
	}
	isDir := func(name string) (bool, error) {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return false, err
		}
		return fi.IsDir(), nil
	}
	read := func(name string) (string, int, error) {
		data, err := os.ReadFile(filepath.Join(dir, name))
		return string(data), len(data), err
	}
	return entries, isDir, read
}

func TestConfigFSLoadsLikeLoad(t *testing.T) {
	t.Parallel()
	root := testtool.Root()
	dirs := map[string]string{
		"go example":     filepath.Join(root, "examples", "go-service"),
		"python example": filepath.Join(root, "examples", "python-service"),
		"node example":   filepath.Join(root, "examples", "node-service"),
	}
	write := func(files map[string]string) string {
		dir := t.TempDir()
		for name, content := range files {
			p := filepath.Join(dir, name)
			if strings.HasSuffix(name, "/") {
				if err := os.MkdirAll(p, 0o755); err != nil {
					t.Fatal(err)
				}
				continue
			}
			if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	dirs["golden.yaml"] = write(map[string]string{
		"go.mod": "module example.com/api\n",
		"golden.yaml": "service: api\nimage:\n  repository: ghcr.io/acme/api\n  platforms: [linux/amd64, linux/arm64]\n" +
			"coverage:\n  min: 80\nscan:\n  ignoreUnfixed: true\ngitops:\n  repo: https://git.example.com/acme/gitops.git\n" +
			"  environments:\n    staging: {path: overlays/staging}\n    production: {path: overlays/production, image: ghcr.io/acme/prod/api}\n",
	})
	dirs["hidden config file"] = write(map[string]string{"package.json": "{}", ".golden.yaml": "lint:\n  failOn: high\n"})
	dirs["service.yaml language"] = write(map[string]string{"go.mod": "module x\n", "package.json": "{}", "service.yaml": "metadata:\n  name: web\nspec:\n  language: node\n"})
	dirs["ambiguous"] = write(map[string]string{"go.mod": "module x\n", "package.json": "{}"})
	dirs["no marker"] = write(map[string]string{"README.md": "# nothing\n"})
	dirs["unknown key"] = write(map[string]string{"go.mod": "module x\n", "golden.yaml": "coverage:\n  thresold: 80\n"})
	dirs["yml spelling"] = write(map[string]string{"go.mod": "module x\n", "golden.yml": "service: api\n"})
	dirs["two config files"] = write(map[string]string{"go.mod": "module x\n", "golden.yaml": "", ".golden.yaml": ""})
	dirs["config file is a directory"] = write(map[string]string{"go.mod": "module x\n", "golden.yaml/": ""})
	dirs["marker is a directory"] = write(map[string]string{"go.mod/": "", "requirements.txt": "pytest\n"})

	for name, dir := range dirs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want, wantErr := config.Load(dir, nil)
			entries, isDir, read := hostReaders(t, dir)
			fsys, err := configFS(entries, isDir, read)
			if err != nil {
				t.Fatal(err)
			}
			got, gotErr := config.LoadFS(fsys, "", nil)
			if (wantErr == nil) != (gotErr == nil) {
				t.Fatalf("Load: %v; through configFS: %v", wantErr, gotErr)
			}
			if wantErr != nil {
				// Load names the files under dir; LoadFS at the root.
				wantMsg := strings.ReplaceAll(wantErr.Error(), dir+string(filepath.Separator), "")
				wantMsg = strings.ReplaceAll(wantMsg, `"`+dir+`"`, "the service root")
				if gotErr.Error() != wantMsg {
					t.Errorf("error through configFS:\n  %v\nwant (Load's, relative):\n  %v", gotErr, wantMsg)
				}
				if exitcode.Code(gotErr) != exitcode.Code(wantErr) {
					t.Errorf("exit code %d, want %d", exitcode.Code(gotErr), exitcode.Code(wantErr))
				}
				return
			}
			// Load names the service after the directory when nothing
			// else does, and the file under dir.
			ignore := cmpopts.IgnoreFields(config.Config{}, "File")
			if got.Service == "" {
				ignore = cmpopts.IgnoreFields(config.Config{}, "File", "Service")
			}
			if diff := cmp.Diff(want, got, ignore); diff != "" {
				t.Errorf("config through configFS (-Load +got):\n%s", diff)
			}
			if (want.File == "") != (got.File == "") || filepath.Base(want.File) != filepath.Base(got.File) {
				t.Errorf("File = %q, Load's %q", got.File, want.File)
			}
		})
	}
}

func TestConfigFSErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	isFile := func(string) (bool, error) { return false, nil }

	_, err := configFS([]string{"golden.yaml"}, func(string) (bool, error) { return false, boom }, nil)
	if err == nil || exitcode.Code(err) != exitcode.Infra || !errors.Is(err, boom) {
		t.Errorf("isDir failing: err = %v, want an infrastructure error wrapping the cause", err)
	}
	_, err = configFS([]string{"service.yaml"}, isFile, func(string) (string, int, error) { return "", 0, boom })
	if err == nil || exitcode.Code(err) != exitcode.Infra || !strings.Contains(err.Error(), "reading service.yaml") {
		t.Errorf("read failing: err = %v, want an infrastructure error naming the file", err)
	}
	_, err = configFS([]string{"golden.yaml"}, isFile, func(string) (string, int, error) { return "", maxConfigFile + 1, nil })
	if err == nil || exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), "golden.yaml: larger than") {
		t.Errorf("large file: err = %v, want a usage error naming the file", err)
	}
	// Files config does not read are not read.
	fsys, err := configFS([]string{"package.json", "main.go", "src/"}, isFile, func(name string) (string, int, error) {
		t.Errorf("read %s", name)
		return "", 0, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(fsys, "*")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "package.json" {
		t.Errorf("files = %v, want [package.json]", names)
	}
}
