package gitops_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goldenci/golden/gitops"
)

// Bump staging to a new tag and digest, then promote what staging runs to
// production, as golden bump and golden promote do in a GitOps clone.
func Example() {
	repo, err := os.MkdirTemp("", "gitops-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(repo)
	staging := filepath.Join(repo, "overlays", "staging")
	prod := filepath.Join(repo, "overlays", "production")
	for _, dir := range []string{staging, prod} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			panic(err)
		}
		k := "resources:\n- ../../base\nimages:\n- name: web # the storefront\n  newName: ghcr.io/acme/web\n  newTag: 1.3.0\n"
		if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(k), 0o644); err != nil {
			panic(err)
		}
	}

	// golden bump: staging runs the image just built.
	img, err := gitops.ParseImage("web=ghcr.io/acme/web:1.4.0@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3")
	if err != nil {
		panic(err)
	}
	res, err := gitops.Update(staging, img, gitops.Options{})
	if err != nil {
		panic(err)
	}
	for _, c := range res.Changes {
		rel, _ := filepath.Rel(repo, c.File)
		fmt.Printf("%s:%d: %s: %q -> %q\n", rel, c.Line, c.Field, c.Old, c.New)
	}

	// golden promote: production runs what staging runs.
	cur, err := gitops.CurrentImage(staging, "web", gitops.Options{})
	if err != nil {
		panic(err)
	}
	if _, err := gitops.Update(prod, cur, gitops.Options{}); err != nil {
		panic(err)
	}
	b, err := os.ReadFile(filepath.Join(prod, "kustomization.yaml"))
	if err != nil {
		panic(err)
	}
	fmt.Print(string(b))
	// Output:
	// overlays/staging/kustomization.yaml:6: images[name=web].newTag: "1.3.0" -> "1.4.0"
	// overlays/staging/kustomization.yaml:7: images[name=web].digest: "" -> "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"
	// resources:
	// - ../../base
	// images:
	// - name: web # the storefront
	//   newName: ghcr.io/acme/web
	//   newTag: 1.4.0
	//   digest: sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3
}
