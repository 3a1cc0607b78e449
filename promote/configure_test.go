package promote

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/gitops"
)

func TestConfigure(t *testing.T) {
	t.Parallel()
	cfg := config.Default(config.Go)
	cfg.Image.Repository = "ghcr.io/acme/api"
	cfg.GitOps.Repo = "https://git.example.com/acme/gitops.git"
	cfg.GitOps.Branch = "main"
	cfg.GitOps.Environments = map[string]config.Environment{
		"staging":    {Path: "overlays/staging"},
		"production": {Path: "overlays/production", Image: "ghcr.io/acme/prod/api"},
	}
	for _, tc := range []struct {
		name     string
		in, want Options
	}{
		{"names from the configuration",
			Options{From: "staging", To: "production", Bump: "minor"},
			Options{Repo: Repo{URL: "https://git.example.com/acme/gitops.git", Base: "main"}, Image: "ghcr.io/acme/api",
				From: "overlays/staging", To: "overlays/production", ToImage: "ghcr.io/acme/prod/api", Bump: "minor"}},
		{"options beat the configuration; paths are kept",
			Options{Repo: Repo{URL: "file:///srv/gitops.git", Base: "release"}, Image: "registry.example.com/api",
				From: "envs/qa", To: "production", ToImage: "registry.example.com/prod/api", Version: "1.0.0"},
			Options{Repo: Repo{URL: "file:///srv/gitops.git", Base: "release"}, Image: "registry.example.com/api",
				From: "envs/qa", To: "overlays/production", ToImage: "registry.example.com/prod/api", Version: "1.0.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.in
			got.Configure(cfg)
			if d := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(Repo{}, "Now")); d != "" {
				t.Errorf("Configure (-want +got):\n%s", d)
			}
		})
	}
	nothing := Options{From: "staging"}
	nothing.Configure(nil)
	if nothing.From != "staging" || nothing.URL != "" {
		t.Errorf("Configure(nil) changed %+v", nothing)
	}
}

func TestBumpConfigure(t *testing.T) {
	t.Parallel()
	cfg := config.Default(config.Go)
	cfg.Image.Repository = "ghcr.io/acme/api"
	cfg.GitOps.Repo, cfg.GitOps.Branch = "https://git.example.com/acme/gitops.git", "main"
	cfg.GitOps.Environments = map[string]config.Environment{"staging": {Path: "overlays/staging"}}
	for _, tc := range []struct {
		name     string
		in, want BumpOptions
	}{
		{"names from the configuration",
			BumpOptions{Path: "staging", Image: gitops.Image{Tag: "1.2.3"}},
			BumpOptions{Repo: Repo{URL: "https://git.example.com/acme/gitops.git", Base: "main"}, Path: "overlays/staging",
				Image: gitops.Image{Name: "ghcr.io/acme/api", Tag: "1.2.3"}}},
		{"options beat the configuration; paths are kept",
			BumpOptions{Repo: Repo{URL: "file:///srv/gitops.git", Base: "release"}, Path: "envs/qa", Image: gitops.Image{Name: "api", Tag: "1"}},
			BumpOptions{Repo: Repo{URL: "file:///srv/gitops.git", Base: "release"}, Path: "envs/qa", Image: gitops.Image{Name: "api", Tag: "1"}}},
	} {
		got := tc.in
		got.Configure(cfg)
		if d := cmp.Diff(tc.want, got, cmpopts.IgnoreFields(Repo{}, "Now")); d != "" {
			t.Errorf("%s: Configure (-want +got):\n%s", tc.name, d)
		}
	}
}
