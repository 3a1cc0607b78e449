package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// The starter policy set that golden ships, examples/policy.
const starterPolicy = "examples/policy"

func loadStarter(t *testing.T) *Policies {
	t.Helper()
	pols, err := Load(inRoot(starterPolicy), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return pols
}

// verdicts lists a report's failures and warnings as "file resource
// rule", file relative to the repository root.
func verdicts(rep Report) []string {
	root := testtool.Root() + string(filepath.Separator)
	var out []string
	for _, r := range rep.Results {
		out = append(out, filepath.ToSlash(strings.TrimPrefix(r.File, root))+" "+r.Resource+" "+r.Rule)
	}
	return out
}

// Each starter rule on manifests written to break it (and on one that
// breaks none), with the same results as conftest.
func TestStarterPolicies(t *testing.T) {
	t.Parallel()
	const docs = "policy/testdata/starter"
	want := runConftest(t, "--policy", starterPolicy, "--data", starterPolicy, docs)
	pols := loadStarter(t)
	_, all, err := LoadDocuments(inRoot(docs))
	if err != nil {
		t.Fatal(err)
	}
	root := testtool.Root() + string(filepath.Separator)
	if diff := cmp.Diff(want, checkRun(t, pols, all, func(f string) string { return filepath.ToSlash(strings.TrimPrefix(f, root)) })); diff != "" {
		t.Errorf("(-conftest +golden):\n%s", diff)
	}

	rep, err := pols.Check(context.Background(), all)
	if err != nil {
		t.Fatal(err)
	}
	wantVerdicts := []string{
		docs + "/labels.yaml Deployment/unlabelled deny_name_label",
		docs + "/limits.yaml CronJob/report deny_memory_limit",
		docs + "/limits.yaml CronJob/report deny_memory_limit",
		docs + "/production.yaml Deployment/tagged deny_unpinned_production",
		docs + "/production.yaml Deployment/tagged deny_unpinned_production",
		docs + "/registries.json DaemonSet/agents deny_unapproved_registry",
		docs + "/registries.json DaemonSet/agents deny_unapproved_registry",
		docs + "/registries.json DaemonSet/agents deny_unapproved_registry",
		docs + "/root.yaml Deployment/root-user deny_run_as_root",
		docs + "/root.yaml Pod/no-setting deny_run_as_root",
		docs + "/root.yaml StatefulSet/overridden deny_run_as_root",
	}
	if diff := cmp.Diff(wantVerdicts, verdicts(rep)); diff != "" {
		t.Errorf("verdicts (-want +got):\n%s", diff)
	}
	for _, m := range []string{
		`Deployment/root-user: container "app" runs as root (runAsUser: 0)`,
		`Pod/no-setting: container "app" does not set runAsNonRoot: true (on the container or the pod)`,
		`CronJob/report: container "fetch" has no memory limit (resources.limits.memory)`,
		`DaemonSet/agents: container "hub" pulls "nginx:1.27" from docker.io, which is not an approved registry (registry.example.com)`,
		`DaemonSet/agents: container "local" pulls "localhost:5000/acme/agent:1" from localhost:5000, which is not an approved registry (registry.example.com)`,
		`Deployment/unlabelled: no app.kubernetes.io/name label in metadata.labels`,
		`Deployment/tagged: container "short-digest" runs "registry.example.com/acme/app@sha256:1234" in production, not pinned by digest (@sha256:...)`,
	} {
		found := false
		for _, r := range rep.Results {
			found = found || r.Message == m
		}
		if !found {
			t.Errorf("no result %q", m)
		}
	}
}

// The starter set on the example GitOps overlays, rendered with
// kustomize: staging passes; production, which pins only a tag until
// golden promote writes a digest, fails on that alone; with a digest it
// passes. conftest on the output of the real `kustomize build` says the
// same.
func TestStarterPoliciesOnExampleOverlays(t *testing.T) {
	t.Parallel()
	pols := loadStarter(t)
	tests := []struct {
		env  string
		want []string
	}{
		{"staging", nil},
		{"production", []string{"overlays/production Deployment/go-service deny_unpinned_production"}},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			rendered, stderr, err := kustomizeBuild(t, "examples/gitops/overlays/"+tt.env)
			if err != nil {
				t.Fatalf("kustomize build: %v\n%s", err, stderr)
			}
			file := filepath.Join(t.TempDir(), tt.env+".yaml")
			if err := os.WriteFile(file, []byte(rendered), 0o644); err != nil {
				t.Fatal(err)
			}
			want := runConftest(t, "--policy", starterPolicy, "--data", starterPolicy, file)

			rep, err := pols.CheckEnvironment(context.Background(), inRoot("examples/gitops"), "overlays/"+tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, verdicts(rep)); diff != "" {
				t.Errorf("verdicts (-want +got):\n%s", diff)
			}
			if rep.Failed() != (tt.want != nil) || rep.Documents != 2 || !cmp.Equal(rep.Files, []string{"overlays/" + tt.env}) {
				t.Errorf("report %+v", rep)
			}
			docs, err := EnvironmentDocuments(inRoot("examples/gitops"), "overlays/"+tt.env)
			if err != nil {
				t.Fatal(err)
			}
			got := checkRun(t, pols, docs, func(string) string { return file })
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-conftest on kustomize build +golden):\n%s", diff)
			}
		})
	}

	// Production after a promotion: the digest is pinned.
	gitops := t.TempDir()
	copyDir(t, inRoot("examples/gitops"), gitops)
	kust := filepath.Join(gitops, "overlays", "production", "kustomization.yaml")
	data, err := os.ReadFile(kust)
	if err != nil {
		t.Fatal(err)
	}
	pinned := strings.Replace(string(data), `newTag: "0.1.0"`,
		`newTag: "0.1.0"`+"\n    digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 1)
	if pinned == string(data) {
		t.Fatal("the example production overlay no longer sets newTag \"0.1.0\"")
	}
	if err := os.WriteFile(kust, []byte(pinned), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := pols.CheckEnvironment(context.Background(), gitops, "overlays/production")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() || len(rep.Results) != 0 {
		t.Errorf("production pinned by digest: %v", verdicts(rep))
	}
}

// copyDir copies the files under src into dst.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		testtool.WriteFiles(t, dst, map[string]string{filepath.ToSlash(rel): string(data)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
