package tools

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/go-version"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

func TestVersionsParse(t *testing.T) {
	t.Parallel()
	if _, err := parseEnv(versionsEnv); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{
		"TRIVY_VERSION", "GOLANGCI_LINT_VERSION", "ESLINT_VERSION", "KUSTOMIZE_VERSION",
		"RUFF_VERSION", "PYTEST_VERSION", "PYTEST_COV_VERSION",
	} {
		if Version(k) == "" {
			t.Errorf("versions.env has no %s", k)
		}
	}
}

func TestParseEnvRejectsBadLine(t *testing.T) {
	t.Parallel()
	if _, err := parseEnv("A=1\nbroken\n"); err == nil || err.Error() != `versions.env:2: want KEY=VALUE, got "broken"` {
		t.Errorf("err = %v", err)
	}
}

// pinnedRE is an image pinned by tag and digest: NAME:TAG@sha256:<64 hex>.
var pinnedRE = regexp.MustCompile(`^([a-z0-9]+(?:[._/-][a-z0-9]+)*):([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})@sha256:[0-9a-f]{64}$`)

func TestImagesArePinnedByTagAndDigest(t *testing.T) {
	t.Parallel()
	imgs := Images()
	var keys []string
	for k := range imgs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if got, want := strings.Join(keys, ","), "base,go,golangci-lint,node,python,trivy"; got != want {
		t.Errorf("image keys = %s, want %s", got, want)
	}
	for key, ref := range imgs {
		if !pinnedRE.MatchString(ref) {
			t.Errorf("image %q = %q: want NAME:TAG@sha256:<64 hex digits>", key, ref)
		}
		if Image(key) != ref {
			t.Errorf("Image(%q) = %q, Images()[%q] = %q", key, Image(key), key, ref)
		}
	}
	if Image("nope") != "" {
		t.Errorf("Image(nope) = %q, want empty", Image("nope"))
	}
	// Images returns a copy.
	imgs["go"] = "changed"
	if Images()["go"] == "changed" {
		t.Error("Images shares its map")
	}
}

// TestImageTagsMatchVersions guards the images against drifting from the
// versions the host tests run.
func TestImageTagsMatchVersions(t *testing.T) {
	t.Parallel()
	tag := func(key string) string {
		m := pinnedRE.FindStringSubmatch(Image(key))
		if m == nil {
			t.Fatalf("image %q is not pinned: %q", key, Image(key))
		}
		return m[2]
	}
	if got, want := tag("trivy"), strings.TrimPrefix(Version("TRIVY_VERSION"), "v"); got != want {
		t.Errorf("trivy image tag %s, TRIVY_VERSION %s", got, want)
	}
	// The Go image carries at least the Go release of golden's own go.mod
	// (the pipeline builds golden from source for golden bump).
	gomod, err := os.ReadFile(filepath.Join(testtool.Root(), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+\.\d+)$`).FindSubmatch(gomod)
	if goLine == nil {
		t.Fatal("go.mod has no go 1.x.y line")
	}
	imageGo, _, _ := strings.Cut(tag("go"), "-")
	iv, err := version.NewVersion(imageGo)
	if err != nil {
		t.Fatalf("go image tag %s: %v", tag("go"), err)
	}
	if mv := version.Must(version.NewVersion(string(goLine[1]))); iv.LessThan(mv) {
		t.Errorf("go image has Go %s, older than go.mod's go %s", iv, mv)
	}
	// The golangci-lint image is newer than GOLANGCI_LINT_VERSION on
	// purpose (see versions.env): it must stay a v2 release.
	if got := tag("golangci-lint"); !strings.HasPrefix(got, "v2.") {
		t.Errorf("golangci-lint image tag %s: want a v2 release", got)
	}
}

// TestShellSourcesTheSameValues sources versions.env with bash, as
// .ci/install-tools does, and checks that the shell sees what Go sees.
func TestShellSourcesTheSameValues(t *testing.T) {
	t.Parallel()
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	want := Versions()
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	script := `set -euo pipefail; . ./versions.env; for k in "$@"; do printf '%s=%s\n' "$k" "${!k}"; done`
	out, err := exec.Command(bash, append([]string{"-c", script, "bash"}, keys...)...).Output()
	if err != nil {
		t.Fatalf("sourcing versions.env: %v", err)
	}
	got, err := parseEnv(string(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s: shell sees %q, Go sees %q", k, got[k], want[k])
		}
	}
}

// TestExampleDockerfileUsesThePinnedImages: the Go example's Dockerfile
// builds on GO_IMAGE and runs on BASE_IMAGE, the images golden's native
// build uses, so that the two ways to build the example agree.
func TestExampleDockerfileUsesThePinnedImages(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("..", "examples", "go-service", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var froms []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "FROM" {
			ref := f[1]
			if strings.HasPrefix(ref, "--platform=") && len(f) >= 3 {
				ref = f[2]
			}
			froms = append(froms, ref)
		}
	}
	if want := []string{Image("go"), Image("base")}; !slices.Equal(froms, want) {
		t.Errorf("examples/go-service/Dockerfile builds FROM %v, want %v (GO_IMAGE, BASE_IMAGE)", froms, want)
	}
}
