package policy

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// What CheckEnvironment reads of each kind of environment, and how it
// names it: relative to the repository's root.
func TestEnvironmentDocuments(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{
		"kust/kustomization.yaml":    "resources: [deploy.yaml]\nnamespace: prod\n",
		"kust/deploy.yaml":           "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
		"kust/ignored.yaml":          "not: rendered\n",
		"plain/deploy.yaml":          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: c}\n",
		"plain/values-prod.yml":      "image: {tag: latest}\n",
		"plain/config.json":          `{"a": 1}`,
		"plain/README.md":            "# not read\n",
		"plain/nested/values.yaml":   "not: read\n",
		"helm/values-staging.yaml":   "image:\n  tag: 1.0.0\n",
		"plain/Kustomization/x.yaml": "a directory named like a kustomization file: not read\n",
	})
	type doc struct {
		File     string
		Index    int
		Line     int
		Resource string
	}
	tests := []struct {
		path string
		want []doc
	}{
		{"kust", []doc{{"kust", 1, 0, "ConfigMap/a"}}},
		{"kust/kustomization.yaml", []doc{{"kust", 1, 0, "ConfigMap/a"}}},
		{"./plain/", []doc{
			{"plain/config.json", 1, 1, ""},
			{"plain/deploy.yaml", 1, 1, "ConfigMap/b"},
			{"plain/deploy.yaml", 2, 5, "Secret/c"},
			{"plain/values-prod.yml", 1, 1, ""},
		}},
		{"helm/values-staging.yaml", []doc{{"helm/values-staging.yaml", 1, 1, ""}}},
	}
	for _, tt := range tests {
		docs, err := EnvironmentDocuments(root, tt.path)
		if err != nil {
			t.Fatalf("%s: %v", tt.path, err)
		}
		var got []doc
		for _, d := range docs {
			got = append(got, doc{d.File, d.Index, d.Line, d.Resource()})
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.path, diff)
		}
	}
	if docs, _ := EnvironmentDocuments(root, "kust"); len(docs) == 1 {
		if ns := docs[0].Value.(map[string]any)["metadata"].(map[string]any)["namespace"]; ns != "prod" {
			t.Errorf("the kustomization was not applied: namespace %v", ns)
		}
	}

	_, err := EnvironmentDocuments(root, "missing")
	testtool.AssertExit(t, err, exitcode.Usage, os.ErrNotExist)
	testtool.WriteFiles(t, root, map[string]string{"bad/kustomization.yaml": "resources: [gone.yaml]\n"})
	_, err = EnvironmentDocuments(root, "bad")
	testtool.AssertExit(t, err, exitcode.Usage, nil)
	if err != nil && !strings.HasPrefix(err.Error(), "bad: kustomize build: ") {
		t.Errorf("error %q does not start with the environment's name", err)
	}
}

// data.conftest.file describes the file on disk, whatever the result
// calls it.
func TestCheckEnvironmentFile(t *testing.T) {
	t.Parallel()
	root := writeTree(t, map[string]string{
		"helm/values-production.yaml": "image:\n  tag: latest\n",
		"policy/p.rego": `package main
deny contains sprintf("%s in %s: image.tag is latest", [data.conftest.file.name, data.conftest.file.dir]) if input.image.tag == "latest"
`,
	})
	pols, err := Load(filepath.Join(root, "policy"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := pols.CheckEnvironment(context.Background(), root, "helm/values-production.yaml")
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(filepath.Join(root, "helm"))
	want := []Result{{File: "helm/values-production.yaml", Index: 1, Line: 1, Namespace: "main", Rule: "deny", Kind: Failure,
		Message: "values-production.yaml in " + abs + ": image.tag is latest"}}
	if diff := cmp.Diff(want, rep.Results); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
