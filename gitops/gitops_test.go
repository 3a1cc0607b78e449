package gitops

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/google/go-cmp/cmp"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
      - name: web
        image: ghcr.io/acme/web:1.0@` + digestA + `
`

func TestCurrentImage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		files map[string]string
		path  string // in the directory; "" is the directory
		image string
		opts  Options
		want  Image
		err   error
		msg   string
	}{
		{
			name:  "kustomize entry",
			files: map[string]string{"kustomization.yaml": "images:\n- name: app\n  newName: ghcr.io/acme/app\n  newTag: v2\n  digest: " + digestA + "\n", "deploy.yaml": deployment},
			image: "app",
			want:  Image{Name: "app", NewName: "ghcr.io/acme/app", Tag: "v2", Digest: digestA},
		},
		{
			name:  "kustomize entry missing",
			files: map[string]string{"kustomization.yaml": "images:\n- name: other\n  newTag: v2\n"},
			image: "app",
			err:   ErrImageNotFound,
			msg:   `image "app" not found in "$DIR/kustomization.yaml": no images entry named "app"`,
		},
		{
			name:  "kustomize without images",
			files: map[string]string{"kustomization.yaml": "resources:\n- a.yaml\n"},
			image: "app",
			err:   ErrImageNotFound,
		},
		{
			name:  "helm values",
			files: map[string]string{"values.yaml": "image:\n  repository: ghcr.io/acme/app\n  tag: \"1.0\"\n  digest: " + digestA + "\n"},
			image: "ghcr.io/acme/app",
			want:  Image{Name: "ghcr.io/acme/app", Tag: "1.0", Digest: digestA},
		},
		{
			name:  "helm values custom paths",
			files: map[string]string{"values-prod.yaml": "app:\n  img: {repo: ghcr.io/acme/app, version: 2}\n"},
			path:  "values-prod.yaml",
			image: "ghcr.io/acme/app",
			opts:  Options{HelmRepositoryPath: "app.img.repo", HelmTagPath: "app.img.version", HelmDigestPath: "app.img.sha"},
			want:  Image{Name: "ghcr.io/acme/app", Tag: "2"},
		},
		{
			name:  "manifests",
			files: map[string]string{"deploy.yaml": deployment},
			image: "ghcr.io/acme/web",
			want:  Image{Name: "ghcr.io/acme/web", Tag: "1.0", Digest: digestA},
		},
		{
			name:  "manifests in several files agree",
			files: map[string]string{"a.yaml": deployment, "b.yaml": strings.ReplaceAll(deployment, "name: web", "name: web2")},
			image: "ghcr.io/acme/web",
			want:  Image{Name: "ghcr.io/acme/web", Tag: "1.0", Digest: digestA},
		},
		{
			name:  "manifests disagree",
			files: map[string]string{"a.yaml": deployment, "b.yaml": strings.ReplaceAll(deployment, "web:1.0@", "web:1.1@")},
			image: "ghcr.io/acme/web",
			err:   ErrAmbiguous,
			msg:   `image "ghcr.io/acme/web" is set differently in $DIR/a.yaml:10 (Deployment/web spec.template.spec.containers[name=web].image: ghcr.io/acme/web:1.0@` + digestA + `) and $DIR/b.yaml:10 (Deployment/web spec.template.spec.containers[name=web].image: ghcr.io/acme/web:1.1@` + digestA + `)`,
		},
		{
			name:  "manifests missing",
			files: map[string]string{"deploy.yaml": deployment},
			path:  "deploy.yaml",
			image: "ghcr.io/acme/api",
			err:   ErrImageNotFound,
			msg:   `image "ghcr.io/acme/api" not found in "$DIR/deploy.yaml": no container image has repository "ghcr.io/acme/api"`,
		},
		{
			name:  "bad name",
			files: map[string]string{"deploy.yaml": deployment},
			image: "Bad Name",
			err:   ErrInvalidImage,
		},
		{
			name:  "malformed",
			files: map[string]string{"deploy.yaml": "a: [1\n"},
			image: "app",
			err:   ErrMalformed,
			msg:   `parsing "$DIR/deploy.yaml": line 1: did not find expected ',' or ']'`,
		},
		{
			name:  "missing path",
			files: map[string]string{},
			path:  "nope",
			image: "app",
			msg:   `"$DIR/nope": no such file or directory`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeFiles(t, dir, tt.files)
			got, err := CurrentImage(filepath.Join(dir, tt.path), tt.image, tt.opts)
			if tt.err != nil || tt.msg != "" {
				if err == nil {
					t.Fatalf("CurrentImage = %+v, want an error", got)
				}
				if tt.err != nil && !errors.Is(err, tt.err) {
					t.Errorf("error %v is not %v", err, tt.err)
				}
				if code := exitcode.Code(err); code != exitcode.Usage {
					t.Errorf("exit code %d, want 2", code)
				}
				if msg := strings.ReplaceAll(tt.msg, "$DIR", dir); tt.msg != "" && err.Error() != msg {
					t.Errorf("error:\n got %s\nwant %s", err, msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("CurrentImage = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestPromoteRoundTrip reads staging's image and writes it to production,
// the way golden promote uses the package.
func TestPromoteRoundTrip(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	staging, prod := filepath.Join(root, "staging"), filepath.Join(root, "prod")
	for _, d := range []string{staging, prod} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFiles(t, staging, map[string]string{"kustomization.yaml": "resources:\n- ../base\nimages:\n- name: app\n  newName: ghcr.io/acme/app\n  newTag: v2\n  digest: " + digestA + "\n"})
	writeFiles(t, prod, map[string]string{"kustomization.yaml": "resources:\n- ../base\n# prod pins by digest\nimages:\n- name: app # the app\n  newName: ghcr.io/acme/app\n  newTag: v1\n  digest: " + digestB + "\n"})
	img, err := CurrentImage(staging, "app", Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Update(prod, img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Changes) != 2 || !slices0(res.Files(), filepath.Join(prod, "kustomization.yaml")) {
		t.Errorf("changes = %v", res.Changes)
	}
	got, err := CurrentImage(prod, "app", Options{})
	if err != nil || got != img {
		t.Errorf("production now runs %+v, %v; want %+v", got, err, img)
	}
	b, _ := os.ReadFile(filepath.Join(prod, "kustomization.yaml"))
	want := "resources:\n- ../base\n# prod pins by digest\nimages:\n- name: app # the app\n  newName: ghcr.io/acme/app\n  newTag: v2\n  digest: " + digestA + "\n"
	if string(b) != want {
		t.Errorf("production kustomization:\n%s\nwant:\n%s", b, want)
	}
}

func slices0(files []string, want ...string) bool { return cmp.Equal(files, want) }

func TestUpdateWritesNothingOnError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"a.yaml": deployment,
		"b.yaml": "kind: Pod\nspec:\n  containers:\n  - image: ghcr.io/acme/web:1.0\n    name: [unclosed\n",
	}
	writeFiles(t, dir, files)
	_, err := Update(dir, Image{Name: "ghcr.io/acme/web", Tag: "2.0"}, Options{})
	if !errors.Is(err, ErrMalformed) || exitcode.Code(err) != exitcode.Usage {
		t.Fatalf("err = %v, want a malformed-file input error", err)
	}
	if !strings.Contains(err.Error(), `b.yaml": line 5:`) {
		t.Errorf("error %q does not name b.yaml and its line", err)
	}
	if diff := cmp.Diff(files, readDir(t, dir)); diff != "" {
		t.Errorf("files changed (-want +got):\n%s", diff)
	}
}

func TestUpdateNoopDoesNotWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"deploy.yaml": deployment})
	path := filepath.Join(dir, "deploy.yaml")
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	res, err := Update(path, Image{Name: "ghcr.io/acme/web", Tag: "1.0", Digest: digestA}, Options{})
	if err != nil || res.Changed() || len(res.Files()) != 0 {
		t.Fatalf("Update = %+v, %v; want no changes", res, err)
	}
	fi, err := os.Stat(path)
	if err != nil || !fi.ModTime().Equal(old) {
		t.Errorf("file was written (mtime %v, want %v)", fi.ModTime(), old)
	}
}

func TestUpdateKeepsModeRefusesSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"real.yaml": deployment})
	real := filepath.Join(dir, "real.yaml")
	if err := os.Chmod(real, 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.yml")
	if err := os.Symlink("real.yaml", link); err != nil {
		t.Skip(err)
	}
	img := Image{Name: "ghcr.io/acme/web", Tag: "2"}
	if _, err := Update(link, img, Options{}); err == nil || !strings.Contains(err.Error(), "is a symbolic link") || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("Update(symlink) = %v, want a refusal", err)
	}
	// In a directory, the link fails the whole update before any write.
	if _, err := Update(dir, img, Options{}); err == nil || !strings.Contains(err.Error(), "is a symbolic link") {
		t.Errorf("Update(dir with symlink) = %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(real); string(b) != deployment {
		t.Errorf("real.yaml was rewritten:\n%s", b)
	}
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(real, img, Options{}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(real)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v; want 0600", fi.Mode(), err)
	}
	b, _ := os.ReadFile(real)
	if !strings.Contains(string(b), "image: ghcr.io/acme/web:2\n") {
		t.Errorf("not rewritten:\n%s", b)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*gitops*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestUpdateErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"kustomization.yaml": "images: []\n", "Kustomization": "images: []\n"})
	empty := t.TempDir()
	tests := []struct {
		name string
		path string
		img  Image
		opts Options
		err  error
		msg  string
	}{
		{name: "two kustomizations", path: dir, img: Image{Name: "app", Tag: "v1"}, err: ErrMalformed, msg: "found several kustomization files"},
		{name: "no new value", path: dir, img: Image{Name: "app"}, err: ErrInvalidImage, msg: `image "app" sets no new name, tag or digest`},
		{name: "bad digest", path: dir, img: Image{Name: "app", Digest: "sha256:xyz"}, err: ErrInvalidImage, msg: `bad digest "sha256:xyz"`},
		{name: "bad tag", path: dir, img: Image{Name: "app", Tag: "a/b"}, err: ErrInvalidImage, msg: `bad tag "a/b"`},
		{name: "kind is case-insensitive", path: empty, img: Image{Name: "app", Tag: "v1"}, opts: Options{Kind: "Kustomize"}, err: ErrImageNotFound, msg: "no kustomization file"},
		{name: "bad kind", path: dir, img: Image{Name: "app", Tag: "v1"}, opts: Options{Kind: "jsonnet"}, msg: `unknown kind "jsonnet"`},
		{name: "bad helm path", path: dir, img: Image{Name: "app", Tag: "v1"}, opts: Options{HelmTagPath: "image..tag"}, msg: `bad Helm value path "image..tag"`},
		{name: "same helm paths", path: dir, img: Image{Name: "app", Tag: "v1"}, opts: Options{HelmTagPath: "image.repository"}, msg: "must differ"},
		{name: "empty dir", path: empty, img: Image{Name: "app", Tag: "v1"}, err: ErrImageNotFound, msg: "no *.yaml or *.yml files"},
		{name: "no kustomization", path: empty, img: Image{Name: "app", Tag: "v1"}, opts: Options{Kind: Kustomize}, err: ErrImageNotFound, msg: "no kustomization file"},
		{name: "no values", path: empty, img: Image{Name: "app", Tag: "v1"}, opts: Options{Kind: Helm}, err: ErrImageNotFound, msg: "no values*.yaml files"},
	}
	for _, tt := range tests {
		_, err := Update(tt.path, tt.img, tt.opts)
		if err == nil || !strings.Contains(err.Error(), tt.msg) || exitcode.Code(err) != exitcode.Usage {
			t.Errorf("%s: err = %v, want %q with exit 2", tt.name, err, tt.msg)
		}
		if tt.err != nil && !errors.Is(err, tt.err) {
			t.Errorf("%s: err %v is not %v", tt.name, err, tt.err)
		}
	}
}

// TestUpdateBytes covers forms the golden directories do not.
func TestUpdateBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		in   string
		img  Image
		opts Options
		want string
		err  string
	}{
		{
			name: "empty kustomization",
			file: "kustomization.yaml", in: "",
			img:  Image{Name: "app", Tag: "v1"},
			want: "images:\n- name: app\n  newTag: v1\n",
		},
		{
			name: "comment-only kustomization",
			file: "kustomization.yaml", in: "# nothing yet",
			img:  Image{Name: "app", Tag: "v1"},
			want: "# nothing yet\nimages:\n- name: app\n  newTag: v1\n",
		},
		{
			name: "kustomization with byte order mark",
			file: "kustomization.yaml", in: "\ufeffimages:\n- name: app\n  newTag: v1\n",
			img:  Image{Name: "app", Tag: "v2"},
			want: "\ufeffimages:\n- name: app\n  newTag: v2\n",
		},
		{
			name: "images after a block scalar",
			file: "kustomization.yaml", in: "patches:\n- patch: |\n    - op: add\n      path: /x\n\n# tail\n",
			img:  Image{Name: "app", Tag: "v1"},
			want: "patches:\n- patch: |\n    - op: add\n      path: /x\nimages:\n- name: app\n  newTag: v1\n\n# tail\n",
		},
		{
			name: "images: null",
			file: "kustomization.yaml", in: "images: ~ # none\nresources: []\n",
			img:  Image{Name: "app", Tag: "v1"},
			want: "images:  # none\n- name: app\n  newTag: v1\nresources: []\n",
		},
		{
			name: "flow root mapping",
			file: "kustomization.yaml", in: "{resources: [a.yaml]}\n",
			img:  Image{Name: "app", Tag: "v1"},
			want: "{resources: [a.yaml], images: [{name: app, newTag: v1}]}\n",
		},
		{
			name: "entry on a dash line of its own",
			file: "kustomization.yaml", in: "images:\n-\n  name: b\n  newTag: v1\n",
			img:  Image{Name: "a", Tag: "v1"},
			want: "images:\n- name: a\n  newTag: v1\n-\n  name: b\n  newTag: v1\n",
		},
		{
			name: "first of an indented list, above its comment",
			file: "kustomization.yaml", in: "images:\n    # b is pinned\n    -   name: b\n        newTag: v1\n",
			img:  Image{Name: "a", Tag: "v1"},
			want: "images:\n    -   name: a\n        newTag: v1\n    # b is pinned\n    -   name: b\n        newTag: v1\n",
		},
		{
			name: "several entries with one name",
			file: "kustomization.yaml", in: "images:\n- name: a\n  newTag: v1\n- name: a\n  newTag: v0\n",
			img:  Image{Name: "a", Tag: "v2"},
			want: "images:\n- name: a\n  newTag: v2\n- name: a\n  newTag: v2\n",
		},
		{
			name: "kustomization is a list",
			file: "kustomization.yaml", in: "- a\n",
			img: Image{Name: "a", Tag: "v2"},
			err: `"kustomization.yaml": line 1: a kustomization is a mapping`,
		},
		{
			name: "images is a mapping",
			file: "kustomization.yaml", in: "images:\n  a: b\n",
			img: Image{Name: "a", Tag: "v2"},
			err: `"kustomization.yaml": line 2: images is not a list`,
		},
		{
			name: "two documents",
			file: "kustomization.yaml", in: "images: []\n---\nimages: []\n",
			img: Image{Name: "a", Tag: "v2"},
			err: `"kustomization.yaml": line 2: a kustomization holds one YAML document, found another`,
		},
		{
			name: "empty documents after a kustomization",
			file: "kustomization.yaml", in: "images: []\n---\n# nothing\n",
			img:  Image{Name: "a", Tag: "v2"},
			want: "images: [{name: a, newTag: v2}]\n---\n# nothing\n",
		},
		{
			name: "helm parent missing",
			file: "values.yaml", in: "image:\n  repository: app\n",
			img:  Image{Name: "app", Digest: digestA},
			opts: Options{HelmDigestPath: "digests.app"},
			err:  `"values.yaml": cannot set digests.app: its parent mapping is missing`,
		},
		{
			name: "helm tag is a list",
			file: "values.yaml", in: "image:\n  repository: app\n  tag: [1]\n",
			img: Image{Name: "app", Tag: "v2"},
			err: `"values.yaml": line 3: image.tag is not a string`,
		},
		{
			name: "helm empty tag value",
			file: "values.yaml", in: "image:\n  repository: app\n  tag:\n  pullPolicy: Always\n",
			img:  Image{Name: "app", Tag: "v2"},
			want: "image:\n  repository: app\n  tag: v2\n  pullPolicy: Always\n",
		},
		{
			name: "helm renamed repository matches the new name",
			file: "values.yaml", in: "image:\n  repository: ghcr.io/acme/app\n  tag: v1\n",
			img:  Image{Name: "app", NewName: "ghcr.io/acme/app", Tag: "v2"},
			want: "image:\n  repository: ghcr.io/acme/app\n  tag: v2\n",
		},
		{
			name: "helm preserve tag",
			file: "values.yaml", in: "image:\n  repository: app\n  tag: v1\n  digest: " + digestB + "\n",
			img:  Image{Name: "app", Tag: Preserve, Digest: digestA},
			want: "image:\n  repository: app\n  tag: v1\n  digest: " + digestA + "\n",
		},
		{
			name: "list of objects",
			file: "list.yaml", in: "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n    - {name: c, image: app}\n",
			img:  Image{Name: "app", Tag: "v2"},
			want: "apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: p}\n  spec:\n    containers:\n    - {name: c, image: \"app:v2\"}\n",
		},
		{
			name: "custom resource definition is skipped",
			file: "crd.yaml", in: "kind: CustomResourceDefinition\nspec:\n  containers:\n  - image: app\n",
			img: Image{Name: "app", Tag: "v2"},
			err: `image "app" not found in "crd.yaml"`,
		},
		{
			name: "multi-line plain image",
			file: "pod.yaml", in: "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: app:v1\n      continued\n",
			img: Image{Name: "app:v1 continued", Tag: "v2"},
			err: "bad image name",
		},
		{
			name: "block scalar image",
			file: "pod.yaml", in: "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: |-\n      app:v1\n",
			img: Image{Name: "app", Tag: "v2"},
			err: `"pod.yaml": line 5: cannot rewrite a block scalar (| or >) value`,
		},
		{
			name: "double-quoted escapes",
			file: "pod.yaml", in: "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: \"\\x61pp:v1\" # esc\n",
			img:  Image{Name: "app", Tag: "v2"},
			want: "kind: Pod\nspec:\n  containers:\n  - name: a\n    image: \"app:v2\" # esc\n",
		},
		{
			name: "explicit kind ignores the name",
			file: "whatever.txt", in: "image:\n  repository: app\n  tag: v1\n",
			img:  Image{Name: "app", Tag: "v2"},
			opts: Options{Kind: Helm},
			want: "image:\n  repository: app\n  tag: v2\n",
		},
		{
			name: "not UTF-8",
			file: "pod.yaml", in: "kind: Pod\n\xff\n",
			img: Image{Name: "app", Tag: "v2"},
			err: `parsing "pod.yaml": not UTF-8 text`,
		},
		{
			name: "control character",
			file: "pod.yaml", in: "kind: Pod\nspec: \x01\n",
			img: Image{Name: "app", Tag: "v2"},
			err: `parsing "pod.yaml": line 2: control characters are not allowed`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, changes, err := UpdateBytes(tt.file, []byte(tt.in), tt.img, tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if exitcode.Code(err) != exitcode.Usage {
					t.Errorf("exit code %d, want 2", exitcode.Code(err))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, string(out)); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
			if (tt.want != tt.in) != (len(changes) > 0) {
				t.Errorf("changes = %v", changes)
			}
			for _, c := range changes {
				if c.Line < 1 || c.File != tt.file || c.Field == "" {
					t.Errorf("bad change %+v", c)
				}
			}
		})
	}
}

func TestChangeString(t *testing.T) {
	t.Parallel()
	c := Change{File: "a.yaml", Line: 3, Kind: Manifests, Object: "Deployment/web", Field: "spec.containers[name=web].image", Old: "app:1", New: "app:2"}
	if got, want := c.String(), "a.yaml:3: Deployment/web spec.containers[name=web].image: app:1 -> app:2"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	c = Change{File: "k.yaml", Line: 1, Field: "images[name=a].digest", Old: digestA}
	if got, want := c.String(), "k.yaml:1: images[name=a].digest: "+digestA+" -> (none)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseKind(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Kind{"": Auto, "auto": Auto, "Kustomize": Kustomize, "helm": Helm, " manifests ": Manifests} {
		if got, err := ParseKind(in); err != nil || got != want {
			t.Errorf("ParseKind(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseKind("jsonnet"); exitcode.Code(err) != exitcode.Usage {
		t.Errorf("ParseKind(jsonnet) = %v, want an input error", err)
	}
	if Auto.String() != "auto" || Helm.String() != "helm" {
		t.Error("Kind.String")
	}
}
