package daggermod

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/gitserver"
	"github.com/goldenci/golden/internal/testtool"
	"github.com/goldenci/golden/pipeline"
	"github.com/goldenci/golden/promote/promotetest"
	"github.com/goldenci/golden/result"
)

func TestPromoteCommand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    PromoteCommandOptions
		want []string
	}{
		{
			name: "required only",
			o:    PromoteCommandOptions{Repo: "https://git.example.com/gitops.git", Image: "ghcr.io/acme/api", From: "overlays/staging", To: "overlays/production"},
			want: []string{"golden", "promote", "--repo=https://git.example.com/gitops.git", "--image=ghcr.io/acme/api",
				"--from=overlays/staging", "--to=overlays/production"},
		},
		{
			name: "everything",
			o: PromoteCommandOptions{Golden: "/usr/local/bin/golden", Repo: "r", Base: "main", Branch: "promote-1.2.0",
				Image: "i", From: "a", To: "b", ToImage: "ghcr.io/acme/prod/api", Bump: "minor", Constraint: ">= 1.0, < 2.0",
				AllowDowngrade: true, Actor: "octocat", DryRun: true, Result: "/out/golden-result.json"},
			want: []string{"/usr/local/bin/golden", "promote", "--repo=r", "--image=i", "--from=a", "--to=b",
				"--base=main", "--branch=promote-1.2.0", "--to-image=ghcr.io/acme/prod/api", "--bump=minor",
				"--constraint=>= 1.0, < 2.0", "--actor=octocat", "--result=/out/golden-result.json", "--allow-downgrade", "--dry-run"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := PromoteCommand(tt.o); !slices.Equal(got, tt.want) {
				t.Errorf("PromoteCommand =\n  %q\nwant\n  %q", got, tt.want)
			}
		})
	}
}

func TestWithConfig(t *testing.T) {
	t.Parallel()
	cfg := config.Default(config.Go)
	cfg.Image.Repository = "ghcr.io/acme/api"
	cfg.GitOps.Repo = "https://git.example.com/acme/gitops.git"
	cfg.GitOps.Branch = "main"
	cfg.GitOps.Environments = map[string]config.Environment{
		"staging":    {Path: "overlays/staging"},
		"production": {Path: "overlays/production", Image: "ghcr.io/acme/prod/api"},
	}
	got := withConfig(PromoteCommandOptions{From: "staging", To: "production", Bump: "minor"}, cfg)
	want := PromoteCommandOptions{Repo: "https://git.example.com/acme/gitops.git", Base: "main", Image: "ghcr.io/acme/api",
		From: "overlays/staging", To: "overlays/production", ToImage: "ghcr.io/acme/prod/api", Bump: "minor"}
	if got != want {
		t.Errorf("withConfig =\n  %+v\nwant\n  %+v", got, want)
	}
	// Arguments beat the configuration; paths are kept.
	explicit := PromoteCommandOptions{Repo: "file:///srv/gitops.git", Base: "release", Image: "registry.example.com/api",
		From: "envs/qa", To: "production", ToImage: "registry.example.com/prod/api", Version: "1.0.0"}
	got = withConfig(explicit, cfg)
	want = explicit
	want.To = "overlays/production"
	if got != want {
		t.Errorf("withConfig =\n  %+v\nwant\n  %+v", got, want)
	}
}

// Credentials of the fixture's git server and registry: canaries that must
// never show in an output.
const (
	gitUser     = "golden-bot"
	gitToken    = "canary-git-token-d41c9e07"
	regUser     = "golden-pusher"
	regPassword = "canary-registry-pw-5ab2f3e1"
	// exampleImage is the image of examples/gitops.
	exampleImage = "registry.example.com/acme/go-service"
)

var (
	buildOnce   sync.Once
	goldenDir   string
	goldenPath  string
	goldenBuild error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if goldenDir != "" {
		_ = os.RemoveAll(goldenDir)
	}
	os.Exit(code)
}

// goldenBinary builds golden from this repository with the command line
// Promote builds it with in its container, once per test binary.
func goldenBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "golden-daggermod-")
		if err != nil {
			goldenBuild = err
			return
		}
		goldenDir = dir
		goldenPath = filepath.Join(dir, "golden")
		argv := pipeline.GoldenBuildCommand(goldenPath)
		cmd := exec.Command(argv[0], argv[1:]...)
		// The container builds with CGO_ENABLED=0; the default here shares
		// the build cache with the other tests.
		cmd.Dir = testtool.Root()
		if out, err := cmd.CombinedOutput(); err != nil {
			goldenBuild = errors.New(strings.Join(argv, " ") + ": " + err.Error() + "\n" + string(out))
		}
	})
	if goldenBuild != nil {
		t.Fatal(goldenBuild)
	}
	return goldenPath
}

// run runs a golden command line (argv[0] is replaced by the binary) in
// a clean environment holding the credentials, as the container does,
// and returns its exit code and outputs.
func run(t *testing.T, argv []string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(goldenBinary(t), argv[1:]...)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + t.TempDir(),
		"GOLDEN_GIT_USERNAME=" + gitUser,
		"GOLDEN_GIT_TOKEN=" + gitToken,
		"GOLDEN_REGISTRY_USERNAME=" + regUser,
		"GOLDEN_REGISTRY_PASSWORD=" + regPassword,
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	for _, s := range []string{stdout.String(), stderr.String()} {
		if strings.Contains(s, gitToken) || strings.Contains(s, regPassword) {
			t.Errorf("%s printed a secret:\n%s", strings.Join(argv[:2], " "), s)
		}
	}
	return code, stdout.String(), stderr.String()
}

// TestPromoteCommandRunsGoldenPromote runs the exact command lines the
// promote module function runs in its container on the host, against a
// real git server and registry that both require credentials: the staging
// bump (package pipeline's BumpCommand), a dry run, the promotion, its
// re-run, and a refused downgrade, whose outcome promoteOutcome classifies.
func TestPromoteCommandRunsGoldenPromote(t *testing.T) {
	t.Parallel()
	srv := gitserver.New(t, gitserver.Options{Username: gitUser, Password: gitToken})
	repo := srv.CreateRepo(t, "gitops.git", promotetest.ExampleFiles(t))
	reg := promotetest.NewRegistry(t, regUser, regPassword)
	staging, prod := reg.Repo("acme/go-service"), reg.Repo("acme/go-service-prod")
	digest := reg.PushIndex(t, "acme/go-service", "sha-0123456789ab")
	out := t.TempDir()
	resultFile := filepath.Join(out, ResultFile)

	bump := pipeline.BumpCommand(pipeline.BumpCommandOptions{Repo: repo, Path: "overlays/staging", Image: exampleImage,
		Tag: "sha-0123456789ab", Digest: digest, SourceCommit: "0123456789abcdef0123456789abcdef01234567"})
	// The manifests name the image registry.example.com/...; the fixture's
	// registry is another host.
	bump = append(bump, "--new-name="+staging)
	if code, stdout, stderr := run(t, bump); code != 0 {
		t.Fatalf("golden bump: exit %d\n%s%s", code, stdout, stderr)
	}
	bumped := gitserver.Head(t, srv.Path("gitops.git"), "main")

	cmd := PromoteCommandOptions{Repo: repo, Image: exampleImage, From: "overlays/staging", To: "overlays/production",
		ToImage: prod, Version: "1.0.0", Actor: "octocat", Result: resultFile}

	dry := cmd
	dry.DryRun = true
	code, stdout, stderr := run(t, PromoteCommand(dry))
	if code != 0 {
		t.Fatalf("dry run: exit %d\n%s%s", code, stdout, stderr)
	}
	if got, err := promoteOutcome(code, stdout, stderr, ""); err != nil || !strings.Contains(got, "dry run") {
		t.Errorf("dry run outcome: %q, %v", got, err)
	}
	if head := gitserver.Head(t, srv.Path("gitops.git"), "main"); head != bumped {
		t.Errorf("the dry run pushed %s", head)
	}

	code, stdout, stderr = run(t, PromoteCommand(cmd))
	if code != 0 {
		t.Fatalf("promote: exit %d\n%s%s", code, stdout, stderr)
	}
	if d := reg.Digest(t, "acme/go-service-prod:1.0.0"); d != digest {
		t.Errorf("prod 1.0.0 = %q, want %s", d, digest)
	}
	r, err := result.Load(resultFile)
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := r.Stage("promote"); !ok || st.Status != result.Passed {
		t.Errorf("promote stage = %+v", st)
	}
	if r.Outputs["version"] != "1.0.0" || r.Outputs["digest"] != digest || r.Outputs["image"] != prod+":1.0.0@"+digest {
		t.Errorf("outputs = %v", r.Outputs)
	}
	data, err := os.ReadFile(resultFile)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(gitToken)) || bytes.Contains(data, []byte(regPassword)) {
		t.Error("the result file holds a secret")
	}
	got, err := promoteOutcome(code, stdout, stderr, string(data))
	if err != nil || !strings.Contains(got, "promoted: promote go-service 1.0.0 from overlays/staging to overlays/production") {
		t.Errorf("outcome: %q, %v", got, err)
	}

	// A re-run changes nothing.
	code, stdout, _ = run(t, PromoteCommand(cmd))
	if code != 0 || !strings.Contains(stdout, "already promoted") {
		t.Errorf("re-run: exit %d\n%s", code, stdout)
	}

	// A downgrade is refused (exit 1): a gate error carrying the stage's
	// error.
	down := cmd
	down.Version = "0.9.0"
	code, stdout, stderr = run(t, PromoteCommand(down))
	data, err = os.ReadFile(resultFile)
	if err != nil {
		t.Fatal(err)
	}
	_, err = promoteOutcome(code, stdout, stderr, string(data))
	if code != exitcode.Failed || exitcode.Code(err) != exitcode.Failed || !strings.Contains(err.Error(), "0.9.0") {
		t.Errorf("downgrade: exit %d, outcome %v", code, err)
	}

	// An unknown environment is bad input (exit 2).
	bad := cmd
	bad.From = "overlays/qa"
	code, stdout, stderr = run(t, PromoteCommand(bad))
	data, _ = os.ReadFile(resultFile)
	if _, err := promoteOutcome(code, stdout, stderr, string(data)); code != exitcode.Usage || exitcode.Code(err) != exitcode.Usage {
		t.Errorf("unknown environment: exit %d, outcome %v", code, err)
	}
}

func TestPromoteOutcome(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	recorded := func(st result.Stage) string {
		s, err := encodeRun(stageRun(now, nil, st))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name     string
		code     int
		stderr   string
		recorded string
		wantCode int
		wantMsg  string
	}{
		{name: "policy", code: 1, recorded: recorded(result.Stage{Name: "promote", Status: result.Failed, Error: "version 0.9.0 is lower than 1.0.0"}),
			wantCode: exitcode.Failed, wantMsg: "promote: version 0.9.0 is lower than 1.0.0"},
		{name: "input without result", code: 2, stderr: "golden promote: --image is required\n\n", wantCode: exitcode.Usage, wantMsg: "promote: golden promote: --image is required"},
		{name: "infrastructure", code: 3, recorded: recorded(result.Stage{Name: "promote", Status: result.Errored, Error: "cloning: connection refused"}),
			wantCode: exitcode.Infra, wantMsg: "promote: cloning: connection refused"},
		{name: "crash", code: 137, wantCode: exitcode.Infra, wantMsg: "promote: golden promote exited 137"},
		{name: "unreadable result", code: 2, recorded: "{", stderr: "bad\n", wantCode: exitcode.Usage, wantMsg: "promote: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := promoteOutcome(tt.code, "", tt.stderr, tt.recorded)
			if err == nil || err.Error() != tt.wantMsg || exitcode.Code(err) != tt.wantCode {
				t.Errorf("err = %v (exit %d), want %q (exit %d)", err, exitcode.Code(err), tt.wantMsg, tt.wantCode)
			}
		})
	}
}

func TestStageRun(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	cov := &result.Coverage{Percent: 82.14, Statements: 100, Covered: 82}
	r := stageRun(now, cov,
		result.Stage{Name: "test", Status: result.Passed},
		result.Stage{Name: "coverage", Status: result.Failed, Error: "coverage 82.1% < 90%"})
	s, err := encodeRun(r)
	if err != nil {
		t.Fatal(err)
	}
	back, err := result.Read(strings.NewReader(s), ResultFile)
	if err != nil {
		t.Fatal(err)
	}
	if back.Status() != result.Failed || len(back.Stages) != 2 || back.Outputs["coverage"] != "82.1" || back.Coverage.Covered != 82 {
		t.Errorf("run read back: %+v", back)
	}
}
