package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

// No test starts a Dagger engine: connect fails, and counts its calls in
// the recorder of the test's context.
func init() {
	connect = func(ctx context.Context, _ ...dagger.ClientOpt) (*dagger.Client, error) {
		if n, ok := ctx.Value(connectCalls{}).(*atomic.Int32); ok {
			n.Add(1)
		}
		return nil, errors.New("no Dagger engine in golden's tests")
	}
}

// connectCalls is the context key of a test's connect counter.
type connectCalls struct{}

// ciRun runs golden in-process like golden() does, with a context that
// counts the attempts to connect to an engine.
func ciRun(t *testing.T, env map[string]string, args ...string) (invocation, int32) {
	t.Helper()
	var calls atomic.Int32
	ctx := context.WithValue(context.Background(), connectCalls{}, &calls)
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, &Env{
		Stdin:  strings.NewReader(""),
		Stdout: &stdout,
		Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC) },
	})
	return invocation{code: code, stdout: stdout.String(), stderr: stderr.String()}, calls.Load()
}

// goService writes a minimal Go service and returns its directory.
func goService(t *testing.T, extra map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "api")
	files := map[string]string{
		"go.mod":     "module example.com/api\n\ngo 1.22\n",
		"main.go":    "package main\n\nfunc main() {}\n",
		"Dockerfile": "FROM scratch\n",
	}
	for k, v := range extra {
		files[k] = v
	}
	testtool.WriteFiles(t, dir, files)
	return dir
}

func TestCIHelp(t *testing.T) {
	t.Parallel()
	got, calls := ciRun(t, nil, "ci", "--help")
	if got.code != exitcode.Passed || calls != 0 {
		t.Fatalf("code %d, connects %d, stderr %q", got.code, calls, got.stderr)
	}
	for _, want := range []string{
		"Usage:\n  golden ci", "Example, a GitHub Actions job", "go run github.com/goldenci/golden/cmd/golden@v1 ci --publish --bump",
		"GOLDEN_REGISTRY_PASSWORD", "GOLDEN_GIT_TOKEN", "-publish", "-skip", "-set", "-netrc", "Exit codes:",
		"-sign-key", "COSIGN_PASSWORD", "sha256-<hex>.sig",
	} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// Bad flags and bad configuration fail with exit 2 before any engine is
// started.
func TestCIUsageErrors(t *testing.T) {
	t.Parallel()
	svc := goService(t, nil)
	badCfg := goService(t, map[string]string{"golden.yaml": "coverage:\n  min: 80\n  thresold: 3\n"})
	empty := t.TempDir()
	cfgFile := filepath.Join(t.TempDir(), "ci.yaml")
	if err := os.WriteFile(cfgFile, []byte("lint:\n  failOn: SEVERE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	keyPEM, _ := testSigningKey(t)
	keyFile := filepath.Join(t.TempDir(), "cosign.key")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	// The signing key's password, and a line of the key: never output.
	canaries := []string{"hunter2-canary", canaryKeyPassword, strings.Split(string(keyPEM), "\n")[2]}
	keyEnv := map[string]string{envKeyPassword: canaryKeyPassword, "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
		"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/api", "GITHUB_REF_NAME": "main"}
	wrongKeyPassword := map[string]string{envKeyPassword: "wrong-" + canaryKeyPassword}
	publish := []string{"--source", svc, "--image", "ghcr.io/acme/api", "--publish"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"stray argument", nil, []string{"--source", svc, "extra"}, `unexpected argument "extra"`},
		{"bad percentage", nil, []string{"--source", svc, "--min-coverage", "120"}, "want a percentage from 0 to 100"},
		{"bad platform", nil, []string{"--source", svc, "--platform", "jenkins"}, "--platform"},
		{"unknown config key", nil, []string{"--source", badCfg}, `golden.yaml:3: unknown key "thresold"`},
		{"no language", nil, []string{"--source", empty}, "go.mod"},
		{"missing source", nil, []string{"--source", filepath.Join(empty, "nope")}, "no such directory"},
		{"bad config file", nil, []string{"--source", svc, "--config", cfgFile}, cfgFile + ":2"},
		{"missing config file", nil, []string{"--source", svc, "--config", filepath.Join(empty, "nope.yaml")}, "no such file"},
		{"publish without image", nil, []string{"--source", svc, "--publish"}, "no image repository to publish to"},
		{"bad image", nil, []string{"--source", svc, "--image", "ghcr.io/acme/api:1.0"}, "--image: image.repository"},
		{"bump without publish", nil, []string{"--source", svc, "--bump"}, "the staging bump needs publish"},
		{"bump without gitops", nil, []string{"--source", svc, "--image", "ghcr.io/acme/api", "--publish", "--bump"}, "no GitOps repository"},
		{"unknown stage", nil, []string{"--source", svc, "--skip", "lint,deploy"}, `cannot skip "deploy"`},
		{"publish without build", nil, []string{"--source", svc, "--image", "ghcr.io/acme/api", "--publish", "--skip", "build"}, "cannot publish without building"},
		{"password without user", map[string]string{"GOLDEN_REGISTRY_PASSWORD": "hunter2-canary"}, []string{"--source", svc, "--image", "ghcr.io/acme/api", "--publish"}, "no registry user"},
		{"patch minimum without base", nil, []string{"--source", svc, "--patch-min", "80"}, "needs a base revision"},
		{"bad build platform", nil, []string{"--source", svc, "--build-platform", "linux"}, "image.platforms"},
		{"bad source date", map[string]string{"SOURCE_DATE_EPOCH": "yesterday"}, []string{"--source", svc}, "SOURCE_DATE_EPOCH"},
		{"bad setting", nil, []string{"--source", svc, "--set", "coverage.min=120"}, "--set coverage.min: coverage.min: 120 is not a percentage"},
		{"unknown setting", nil, []string{"--source", svc, "--set", "scan.dbRepo=x"}, `--set scan.dbRepo: unknown key "dbRepo" in scan`},
		{"password in a setting", nil, []string{"--source", svc, "--set", "env.GOPROXY=https://u:hunter2-canary@proxy.acme.internal"}, "credentials go in a netrc"},
		{"missing netrc", nil, []string{"--source", svc, "--netrc", filepath.Join(empty, "netrc")}, "--netrc"},
		{"trivy db is a file", nil, []string{"--source", svc, "--trivy-db", cfgFile}, "--trivy-db"},
		{"sign key without publish", keyEnv, []string{"--source", svc, "--sign-key", keyFile}, "signing needs publish"},
		{"sign key with a wrong password", wrongKeyPassword, append(publish, "--sign-key", keyFile), "--sign-key " + keyFile + ": unusable key"},
		{"sign key without password", nil, append(publish, "--sign-key", keyFile), "COSIGN_PASSWORD is unset"},
		{"missing sign key", keyEnv, append(publish, "--sign-key", filepath.Join(empty, "cosign.key")), "--sign-key"},
		{"sign key pasted", keyEnv, append(publish, "--sign-key", string(keyPEM)), "never the key itself"},
		{"sign key in an unset variable", keyEnv, append(publish, "--sign-key", "env://COSIGN_KEY"), "the variable COSIGN_KEY is unset"},
		{"sign key with an unpinned tool", keyEnv, append(publish, "--sign-key", keyFile, "--set", "tools.trivy=mirror.acme.internal/aquasec/trivy:0.69.3"), "tools.trivy"},
		{"sign key without a repository", map[string]string{envKeyPassword: canaryKeyPassword}, append(publish, "--sign-key", keyFile), "source repository and commit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := filepath.Join(t.TempDir(), "result.json")
			args := append([]string{"ci", "--result", res, "--platform", "local"}, tc.args...)
			got, calls := ciRun(t, tc.env, args...)
			if got.code != exitcode.Usage {
				t.Errorf("exit code %d, want 2; stderr %q", got.code, got.stderr)
			}
			if calls != 0 {
				t.Errorf("connected to an engine %d times", calls)
			}
			if !strings.Contains(got.stderr, tc.want) {
				t.Errorf("stderr %q, want %q", got.stderr, tc.want)
			}
			testtool.AssertNoCanary(t, "the output", got.stdout+got.stderr, canaries...)
			if b, err := os.ReadFile(res); err == nil {
				testtool.AssertNoCanary(t, "the result", string(b), canaries...)
			}
		})
	}
}

// Without an engine golden ci exits 3 with a hint, and the result and the
// report say why.
func TestCINoEngine(t *testing.T) {
	t.Parallel()
	svc := goService(t, nil)
	out := t.TempDir()
	res := filepath.Join(out, "result.json")
	keyPEM, _ := testSigningKey(t)
	env := map[string]string{"GOLDEN_REGISTRY_PASSWORD": "hunter2-canary", "GOLDEN_REGISTRY_USERNAME": "bot",
		"COSIGN_KEY": string(keyPEM), envKeyPassword: canaryKeyPassword,
		"CI_COMMIT_SHA": "0123456789abcdef0123456789abcdef01234567", "CI_PROJECT_URL": "https://gitlab.com/acme/api", "CI_COMMIT_BRANCH": "main"}
	got, calls := ciRun(t, env, "ci", "--source", svc, "--result", res, "--platform", "gitlab", "--out", out,
		"--image", "ghcr.io/acme/api", "--publish", "--sign-key", "env://COSIGN_KEY")
	if got.code != exitcode.Infra || calls != 1 {
		t.Fatalf("exit code %d, connects %d; stderr %q", got.code, calls, got.stderr)
	}
	for _, want := range []string{"golden ci: connecting to the Dagger engine: no Dagger engine in golden's tests", "dagger CLI", "Docker"} {
		if !strings.Contains(got.stderr, want) {
			t.Errorf("stderr %q lacks %q", got.stderr, want)
		}
	}
	run, err := result.Load(res)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := run.Stage("ci")
	if !ok || st.Status != result.Errored || !strings.Contains(st.Error, "connecting to the Dagger engine") {
		t.Errorf("result stages %+v", run.Stages)
	}
	junit, err := os.ReadFile(filepath.Join(out, "junit.xml"))
	if err != nil || !strings.Contains(string(junit), "connecting to the Dagger engine") {
		t.Errorf("junit.xml: %v\n%s", err, junit)
	}
	saved, err := os.ReadFile(res)
	if err != nil {
		t.Fatal(err)
	}
	testtool.AssertNoCanary(t, "the output, junit.xml or the result", got.stdout+got.stderr+string(junit)+string(saved),
		"hunter2-canary", canaryKeyPassword, strings.Split(string(keyPEM), "\n")[2])
}

func TestCIDefaultResultAndLocalReport(t *testing.T) {
	t.Parallel()
	svc := goService(t, nil)
	res := filepath.Join(t.TempDir(), "golden-result.json")
	got, _ := ciRun(t, map[string]string{"GOLDEN_RESULT": res}, "ci", "--source", svc)
	if got.code != exitcode.Infra {
		t.Fatalf("exit code %d; stderr %q", got.code, got.stderr)
	}
	if _, err := result.Load(res); err != nil {
		t.Errorf("GOLDEN_RESULT not written: %v", err)
	}
	if !strings.Contains(got.stdout, "ci") {
		t.Errorf("no local report on stdout: %q", got.stdout)
	}
}

func TestDetectRevisionFromEnvironment(t *testing.T) {
	t.Parallel()
	outside := t.TempDir() // not a git checkout
	const sha = "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name string
		env  map[string]string
		want revision
	}{
		{"github push", map[string]string{
			"GITHUB_SHA": sha, "GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch",
			"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "acme/api",
		}, revision{Commit: sha, Branch: "main", Repository: "https://github.com/acme/api"}},
		{"github tag", map[string]string{"GITHUB_SHA": sha, "GITHUB_REF_NAME": "v1.2.3", "GITHUB_REF_TYPE": "tag"},
			revision{Commit: sha, Tag: "v1.2.3"}},
		{"github pull request", map[string]string{"GITHUB_SHA": sha, "GITHUB_REF_NAME": "42/merge", "GITHUB_REF_TYPE": "branch", "GITHUB_HEAD_REF": "feature/login"},
			revision{Commit: sha, Branch: "feature/login"}},
		{"gitlab branch", map[string]string{"CI_COMMIT_SHA": sha, "CI_COMMIT_BRANCH": "main", "CI_PROJECT_URL": "https://gitlab.com/acme/api"},
			revision{Commit: sha, Branch: "main", Repository: "https://gitlab.com/acme/api"}},
		{"gitlab tag", map[string]string{"CI_COMMIT_SHA": sha, "CI_COMMIT_TAG": "v2.0.0", "CI_COMMIT_BRANCH": ""},
			revision{Commit: sha, Tag: "v2.0.0"}},
		{"gitlab merge request", map[string]string{"CI_COMMIT_SHA": sha, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "fix/x"},
			revision{Commit: sha, Branch: "fix/x"}},
		{"source date", map[string]string{"CI_COMMIT_SHA": sha, "SOURCE_DATE_EPOCH": "1700000000"},
			revision{Commit: sha, Created: time.Unix(1700000000, 0).UTC()}},
		{"nothing", nil, revision{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := &Env{Getenv: func(k string) string { return tc.env[k] }}
			got, err := detectRevision(e, outside)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("revision %+v, want %+v", got, tc.want)
			}
		})
	}
}

// gitCmd runs the real git in dir with a fixed identity and dates.
func gitCmd(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(testtool.Path(t, "git"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_AUTHOR_DATE=2026-03-04T05:06:07Z",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com", "GIT_COMMITTER_DATE=2026-03-04T05:06:07Z",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestDetectRevisionFromGit(t *testing.T) {
	t.Parallel()
	svc := goService(t, nil)
	gitCmd(t, svc, "init", "-q", "-b", "main")
	gitCmd(t, svc, "add", ".")
	gitCmd(t, svc, "commit", "-q", "-m", "first")
	gitCmd(t, svc, "tag", "v1.2.0")
	gitCmd(t, svc, "tag", "-a", "-m", "release", "v1.10.0")
	gitCmd(t, svc, "tag", "not-a-version")
	gitCmd(t, svc, "remote", "add", "origin", "https://bot:s3cr3t-canary@git.example.com/acme/api.git")
	head := gitCmd(t, svc, "rev-parse", "HEAD")

	e := &Env{Getenv: func(string) string { return "" }}
	sub := filepath.Join(svc, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := detectRevision(e, sub)
	if err != nil {
		t.Fatal(err)
	}
	want := revision{Commit: head, Branch: "main", Tag: "v1.10.0", Repository: "https://git.example.com/acme/api.git",
		Created: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
	if got != want {
		t.Errorf("revision %+v, want %+v", got, want)
	}

	// The environment wins, and the commit time is the checkout's only
	// for its own commit.
	e = &Env{Getenv: func(k string) string {
		return map[string]string{"GITHUB_SHA": "feedface", "GITHUB_REF_NAME": "dev"}[k]
	}}
	got, err = detectRevision(e, svc)
	if err != nil {
		t.Fatal(err)
	}
	if got.Commit != "feedface" || got.Branch != "dev" || got.Tag != "" || !got.Created.IsZero() || got.Repository != want.Repository {
		t.Errorf("revision with GitHub's environment %+v", got)
	}

	// A detached HEAD has no branch.
	gitCmd(t, svc, "checkout", "-q", "--detach")
	got, err = gitRevision(svc)
	if err != nil || got.Branch != "" || got.Commit != head {
		t.Errorf("detached: %+v, %v", got, err)
	}
}

func TestCISettings(t *testing.T) {
	t.Parallel()
	svc := goService(t, map[string]string{"golden.yaml": "language: go\ncoverage:\n  min: 50\n  minPackage: 40\nscan:\n  severity: [CRITICAL]\n  ignoreUnfixed: true\n"})
	f := &ciFlags{set: map[string]bool{"min-coverage": true, "scan-severity": true, "image": true, "build-platform": true, "ignore-unfixed": true}}
	if err := f.minCoverage.Set("80"); err != nil {
		t.Fatal(err)
	}
	f.scanSeverity, f.image, f.buildPlatforms, f.ignoreUnfixed = "high, critical", "ghcr.io/acme/api", "linux/amd64,linux/arm64", false
	f.lintFailOn = "HIGH" // not set: ignored
	f.settings = stringsFlag{"coverage.min=85"}
	sets, err := ciSettings(f)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(svc, nil, sets...)
	if err != nil {
		t.Fatal(err)
	}
	// --set comes after the flags: it wins; a flag can turn a setting off.
	if *cfg.Coverage.Min != 85 || *cfg.Coverage.MinPackage != 40 || strings.Join(cfg.Scan.Severity, ",") != "HIGH,CRITICAL" ||
		cfg.Image.Repository != "ghcr.io/acme/api" || len(cfg.Image.Platforms) != 2 || cfg.Scan.IgnoreUnfixed || cfg.Lint.FailOn == "HIGH" {
		t.Errorf("config after flags: %+v", cfg)
	}
}

// --config replaces the service's golden.yaml; detection and service.yaml
// still apply.
func TestLoadConfigFile(t *testing.T) {
	t.Parallel()
	svc := goService(t, map[string]string{
		".golden.yaml": "service: from-hidden-file\n",
		"service.yaml": "metadata:\n  name: from-service-yaml\n",
	})
	file := filepath.Join(t.TempDir(), "ci.yaml")
	if err := os.WriteFile(file, []byte("coverage:\n  min: 70\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfigFile(svc, file, func(k string) string {
		return map[string]string{"GOLDEN_IMAGE_TRIVY": "mirror.example.com/trivy:0.69.3"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Service != "from-service-yaml" || cfg.Language != config.Go || cfg.Coverage.Min == nil || *cfg.Coverage.Min != 70 ||
		cfg.ToolImage("trivy") != "mirror.example.com/trivy:0.69.3" || cfg.File != config.ConfigFile {
		t.Errorf("config %+v", cfg)
	}
}

func TestUnder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for p, want := range map[string]string{
		filepath.Join(dir, "golden-result.json"): "golden-result.json",
		filepath.Join(dir, "out", "reports"):     "out/reports",
		dir:                                      "",
		filepath.Dir(dir):                        "",
		filepath.Join(t.TempDir(), "x.json"):     "",
	} {
		got, ok := under(dir, p)
		if got != want || ok != (want != "") {
			t.Errorf("under(%q) = %q, %v; want %q", p, got, ok, want)
		}
	}
}
