package gitrepo

import (
	"context"
	"fmt"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/gitserver"
)

// BenchmarkApply measures one Apply (clone, edit one file, commit, push)
// against the HTTP server, on a repository of 2,000 manifests, with the
// whole tree checked out (full) and with only the edited environment
// (sparse, Options.Paths, as golden bump and promote do). bench/bump.sh
// compares golden bump with the git CLI on a larger repository.
func BenchmarkApply(b *testing.B) {
	for _, bc := range []struct {
		name  string
		paths []string
	}{{"full", nil}, {"sparse", []string{"apps/svc-0000"}}} {
		b.Run(bc.name, func(b *testing.B) { benchmarkApply(b, bc.paths) })
	}
}

func benchmarkApply(b *testing.B, paths []string) {
	const files = 2000
	srv := gitserver.New(b, gitserver.Options{Username: canaryUser, Password: canaryToken})
	content := map[string]string{}
	for i := range files {
		content[fmt.Sprintf("apps/svc-%04d/deployment.yaml", i)] = fmt.Sprintf(
			"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-%04d\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n        image: ghcr.io/o/svc-%04d:1.0.0\n", i, i)
	}
	url := srv.CreateRepo(b, "gitops.git", content)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		out, err := Apply(ctx, Options{
			CloneOptions: CloneOptions{URL: url, Auth: Auth{Username: canaryUser, Token: canaryToken}},
			Message:      fmt.Sprintf("bump %d", i),
			Paths:        paths,
			TempDir:      b.TempDir(),
		}, writeFile("apps/svc-0000/deployment.yaml", fmt.Sprintf("image: ghcr.io/o/svc-0000:1.0.%d\n", i+1)))
		if err != nil {
			b.Fatal(err)
		}
		if !out.Pushed {
			b.Fatalf("not pushed: %+v", out)
		}
	}
	b.ReportMetric(files, "files")
}
