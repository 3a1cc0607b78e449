package pipeline

import (
	"strings"
	"testing"

	"dagger.io/dagger"
	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/exitcode"
)

func TestRegistryHost(t *testing.T) {
	t.Parallel()
	for repo, want := range map[string]string{
		"ghcr.io/acme/api":                   "ghcr.io",
		"registry.example.com:5000/team/api": "registry.example.com:5000",
		"localhost/api":                      "localhost",
		"localhost:5000/api":                 "localhost:5000",
		"acme/api":                           "docker.io",
		"api":                                "docker.io",
		"docker.io/library/nginx":            "docker.io",
	} {
		if got := registryHost(repo); got != want {
			t.Errorf("registryHost(%q) = %q, want %q", repo, got, want)
		}
	}
}

func TestDigestOf(t *testing.T) {
	t.Parallel()
	d := "sha256:" + strings.Repeat("ab", 32)
	for addr, want := range map[string]string{
		"ghcr.io/acme/api:sha-0123@" + d:         d,
		"localhost:5000/api:1.2.3@" + d:          d,
		"ghcr.io/acme/api:main":                  "",
		"ghcr.io/acme/api@sha256:abc":            "",
		"ghcr.io/acme/api@" + strings.ToUpper(d): "",
		"":                                       "",
	} {
		got, err := digestOf(addr)
		if want == "" {
			if err == nil || exitcode.Code(err) != exitcode.Infra {
				t.Errorf("digestOf(%q) = %q, %v; want an infrastructure error", addr, got, err)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("digestOf(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
}

func TestImageRepository(t *testing.T) {
	t.Parallel()
	for repo, want := range map[string]string{
		"ghcr.io/acme/api":     "",
		" ghcr.io/acme/api ":   "",
		"":                     "no image repository to publish to",
		"ghcr.io/acme/api:1.0": `image.repository "ghcr.io/acme/api:1.0"`,
		"Ghcr.io/ACME/api":     `image.repository "Ghcr.io/ACME/api"`,
	} {
		got, err := imageRepository(repo)
		if want == "" {
			if err != nil || got != strings.TrimSpace(repo) {
				t.Errorf("imageRepository(%q) = %q, %v", repo, got, err)
			}
			continue
		}
		if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), want) {
			t.Errorf("imageRepository(%q): err %v, want %q", repo, err, want)
		}
	}
}

func TestBuildArgs(t *testing.T) {
	t.Parallel()
	got := buildArgs(map[string]string{"VERSION": "1.2.3", "APP": "api", "EMPTY": ""})
	want := []dagger.BuildArg{{Name: "APP", Value: "api"}, {Name: "EMPTY", Value: ""}, {Name: "VERSION", Value: "1.2.3"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("build args (-want +got):\n%s", diff)
	}
	if buildArgs(nil) != nil {
		t.Error("no build args should be nil")
	}
}
