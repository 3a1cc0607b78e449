package policy

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// kustomizeBuild runs the real `kustomize build DIR` (v5.8.1, pinned in
// tools/versions.env) from the repository root.
func kustomizeBuild(t *testing.T, dir string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(testtool.Path(t, "kustomize"), "build", dir)
	cmd.Dir = testtool.Root()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// The example GitOps overlays and a fixture overlay that uses most of
// what kustomize does (namespace, prefix, labels, a merged generator with
// its hash suffix, strategic merge and JSON patches, an image by digest,
// replicas, the legacy order): Render gives exactly what `kustomize
// build` prints.
func TestRenderMatchesKustomizeBuild(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{
		"examples/gitops/overlays/staging",
		"examples/gitops/overlays/production",
		"examples/gitops/base",
		"policy/testdata/kustomize/overlay",
	} {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			want, stderr, err := kustomizeBuild(t, dir)
			if err != nil {
				t.Fatalf("kustomize build %s: %v\n%s", dir, err, stderr)
			}
			got, err := Render(inRoot(dir))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, string(got)); diff != "" {
				t.Errorf("Render differs from kustomize build %s (-kustomize +golden):\n%s", dir, diff)
			}
			docs, err := RenderDocuments(inRoot(dir))
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(want, "\n---\n") + 1; len(docs) != n {
				t.Errorf("%d documents, want %d", len(docs), n)
			}
			for i, d := range docs {
				if d.Index != i+1 || d.Line != 0 || d.Resource() == "" || d.File != inRoot(dir) {
					t.Errorf("document %d: %+v", i, d)
				}
			}
		})
	}
}

// A kustomization that does not build is bad input for both.
func TestRenderError(t *testing.T) {
	t.Parallel()
	const dir = "policy/testdata/kustomize/broken"
	if _, stderr, err := kustomizeBuild(t, dir); err == nil || !strings.Contains(stderr, "missing.yaml") {
		t.Fatalf("kustomize build %s: %v, %s (want an error about missing.yaml)", dir, err, stderr)
	}
	_, err := Render(inRoot(dir))
	testtool.AssertExit(t, err, exitcode.Usage, nil)
	if err == nil || !strings.Contains(err.Error(), "kustomize build: ") || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("error = %v", err)
	}
}
