package promote

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/policy"
)

// starterPolicies loads golden's starter policy set (examples/policy) with
// the approved registries given.
func starterPolicies(t *testing.T, registries ...string) *policy.Policies {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(testtool.Root(), "examples", "policy"))); err != nil {
		t.Fatal(err)
	}
	data := "approved_registries:\n"
	for _, r := range registries {
		data += "  - " + r + "\n"
	}
	data += "production_namespaces:\n  - production\n"
	if err := os.WriteFile(filepath.Join(dir, "registries.yaml"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := policy.Load(dir, policy.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rootOverlay is an environment whose container runs as root.
const rootOverlay = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: dev
resources:
  - ../../base
patches:
  - target: {kind: Deployment}
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/securityContext/runAsUser
        value: 0
images:
  - name: registry.example.com/acme/go-service
    newTag: "0.1.0"
`

// TestBumpChecksThePolicy: with the starter policies, a bump that would
// push a root container is refused (exit 1) with nothing pushed, naming
// the violation; a compliant environment is bumped, with the verdict.
func TestBumpChecksThePolicy(t *testing.T) {
	t.Parallel()
	testtool.Path(t, "git")
	f := newFixture(t, map[string]string{"overlays/dev/kustomization.yaml": rootOverlay})
	repo := f.repo()
	repo.Policy = starterPolicies(t, "registry.example.com")
	before := f.head(t)
	_, err := Bump(testContext(t), BumpOptions{Repo: repo, Path: "overlays/dev", Image: gitops.Image{Name: exampleImage, Tag: "0.2.0"}})
	if exitcode.Code(err) != exitcode.Failed || err == nil || !strings.Contains(err.Error(), "runs as root") {
		t.Fatalf("root container: exit %d: %v; want a policy failure (exit 1)", exitcode.Code(err), err)
	}
	if f.head(t) != before {
		t.Fatal("the refused bump pushed")
	}
	res, err := Bump(testContext(t), BumpOptions{Repo: repo, Path: stagingOverlay, Image: gitops.Image{Name: exampleImage, Tag: "0.2.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || res.Policy == nil || res.Policy.Failed() {
		t.Errorf("compliant bump: pushed %v, policy %+v", res.Pushed, res.Policy)
	}
	var out strings.Builder
	if err := res.Print(&out); err != nil || !strings.Contains(out.String(), "policy passed:") {
		t.Errorf("output:\n%s", out.String())
	}
}

// TestPromoteChecksThePolicy: a promotion that violates the policies (an
// image from a registry not approved) is refused before anything is
// copied, tagged or committed; with the registry approved it goes through
// and production, pinned by digest, passes.
func TestPromoteChecksThePolicy(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	digest := f.reg.PushIndex(t, "acme/go-service", "1.0.0")
	f.stage(t, "acme/go-service", "1.0.0", digest)
	before := f.head(t)
	o := f.options("acme/go-service-prod")
	o.Version = "1.0.0"
	o.Policy = starterPolicies(t, "registry.example.com")
	_, err := Promote(testContext(t), o)
	if exitcode.Code(err) != exitcode.Failed || err == nil || !strings.Contains(err.Error(), "policy failed") {
		t.Fatalf("unapproved registry: exit %d: %v; want a policy failure (exit 1)", exitcode.Code(err), err)
	}
	if f.head(t) != before || len(f.reg.Tags(t, "acme/go-service-prod")) != 0 {
		t.Fatal("the refused promotion moved something")
	}
	o.Policy = starterPolicies(t, "registry.example.com", f.reg.Host)
	res, err := Promote(testContext(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Pushed || res.Policy == nil || res.Policy.Failed() {
		t.Errorf("compliant promotion: pushed %v, policy %+v", res.Pushed, res.Policy)
	}
}
