package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

func TestEngineFromEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name          string
		env           map[string]string
		wantCode      int    // of the error; 0: none
		where         string // want in where()
		progress      string // want in progress(2m)
		network, addr string // the probe; "" for none
	}{
		{"nothing", nil, 0, "a new Dagger engine",
			"connecting to a new Dagger engine that the dagger CLI 0.21.9 (downloaded when missing) starts in a container runtime such as Docker, waiting up to 2m0s", "", ""},
		{"cli", map[string]string{envCLIBin: "/opt/dagger"}, 0, "a new Dagger engine",
			"the dagger CLI /opt/dagger (from _EXPERIMENTAL_DAGGER_CLI_BIN) starts", "", ""},
		{"tcp runner", map[string]string{envRunnerHost: "tcp://10.0.0.5:1234"}, 0,
			"the Dagger engine at tcp://10.0.0.5:1234 (from _EXPERIMENTAL_DAGGER_RUNNER_HOST)",
			"golden ci: connecting to the Dagger engine at tcp://10.0.0.5:1234 (from _EXPERIMENTAL_DAGGER_RUNNER_HOST) with the dagger CLI", "tcp", "10.0.0.5:1234"},
		{"tcp runner without port", map[string]string{envRunnerHost: "tcp://engine"}, 0, "tcp://engine", "tcp://engine", "", ""},
		{"unix runner", map[string]string{envRunnerHost: "unix:///run/dagger/engine.sock"}, 0,
			"the Dagger engine at unix:///run/dagger/engine.sock", "unix:///run/dagger/engine.sock", "unix", "/run/dagger/engine.sock"},
		{"container runner", map[string]string{envRunnerHost: "docker-container://dagger-engine"}, 0,
			"the Dagger engine at docker-container://dagger-engine", "docker-container://dagger-engine", "", ""},
		{"session", map[string]string{envSessionPort: "41234", envSessionToken: "tok", envRunnerHost: "tcp://ignored:1"}, 0,
			"the Dagger session at 127.0.0.1:41234 (from DAGGER_SESSION_PORT)",
			"golden ci: connecting to the Dagger session at 127.0.0.1:41234 (from DAGGER_SESSION_PORT), waiting up to 2m0s", "tcp", "127.0.0.1:41234"},
		{"session without token", map[string]string{envSessionPort: "41234"}, exitcode.Usage, "", "", "", ""},
		{"bad session port", map[string]string{envSessionPort: "port", envSessionToken: "tok"}, exitcode.Usage, "", "", "", ""},
		{"session port out of range", map[string]string{envSessionPort: "70000", envSessionToken: "tok"}, exitcode.Usage, "", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			target, err := engineFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantCode != 0 {
				if exitcode.Code(err) != tc.wantCode {
					t.Fatalf("error %v, want exit code %d", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := target.where(); !strings.Contains(got, tc.where) {
				t.Errorf("where() = %q, want %q", got, tc.where)
			}
			if got := target.progress(2 * time.Minute); !strings.Contains(got, tc.progress) {
				t.Errorf("progress() = %q, want %q", got, tc.progress)
			}
			network, addr, ok := target.probeAddr()
			if network != tc.network || addr != tc.addr || ok != (tc.network != "") {
				t.Errorf("probeAddr() = %q, %q, %v; want %q, %q", network, addr, ok, tc.network, tc.addr)
			}
		})
	}
}

// The errors of a failed connection: all exit 3; only an engine that is
// not configured gets the hint about the dagger CLI and Docker.
func TestEngineConnectError(t *testing.T) {
	t.Parallel()
	runner := engineTarget{runnerHost: "tcp://127.0.0.1:9"}
	none := engineTarget{}
	live := context.Background()
	signalled, stop := context.WithCancelCause(live)
	stop(interruptError{syscall.SIGTERM})
	expired, cancel := context.WithTimeoutCause(live, -time.Second, errNoAnswer)
	defer cancel()
	boom := errors.New("boom")
	for _, tc := range []struct {
		name         string
		target       engineTarget
		ctx, cctx    context.Context
		want, reject []string
	}{
		{"interrupted", runner, signalled, signalled, []string{
			"connecting to the Dagger engine at tcp://127.0.0.1:9 (from _EXPERIMENTAL_DAGGER_RUNNER_HOST): interrupted by SIGTERM"}, []string{"dagger CLI"}},
		{"interrupted, none configured", none, signalled, signalled, []string{"connecting to the Dagger engine: interrupted by SIGTERM"}, nil},
		{"no answer", runner, live, expired, []string{
			"the Dagger engine at tcp://127.0.0.1:9 (from _EXPERIMENTAL_DAGGER_RUNNER_HOST) cannot be reached: no answer within 1m0s (--engine-timeout, $GOLDEN_ENGINE_TIMEOUT)"},
			[]string{"dagger CLI", "Docker"}},
		{"no answer, none configured", none, live, expired, []string{"no answer within 1m0s", "dagger CLI", "Docker"}, nil},
		{"failed", runner, live, live, []string{"connecting to the Dagger engine at tcp://127.0.0.1:9 (from _EXPERIMENTAL_DAGGER_RUNNER_HOST): boom"}, []string{"dagger CLI", "Docker"}},
		{"failed, none configured", none, live, live, []string{"connecting to the Dagger engine: boom", "dagger CLI", "Docker"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.target.connectError(tc.ctx, tc.cctx, time.Minute, boom)
			if exitcode.Code(err) != exitcode.Infra {
				t.Errorf("exit code %d, want 3", exitcode.Code(err))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			for _, r := range tc.reject {
				if strings.Contains(err.Error(), r) {
					t.Errorf("error %q has %q", err, r)
				}
			}
		})
	}
}

// --engine-timeout and $GOLDEN_ENGINE_TIMEOUT: a bad value is exit 2
// before any engine; the flag beats the variable.
func TestCIEngineTimeoutFlag(t *testing.T) {
	t.Parallel()
	svc := goService(t, nil)
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		code  int
		calls int32
		want  string
	}{
		{"bad variable", map[string]string{envEngineTimeout: "soon"}, nil, exitcode.Usage, 0, `GOLDEN_ENGINE_TIMEOUT "soon": want a duration`},
		{"negative variable", map[string]string{envEngineTimeout: "-1s"}, nil, exitcode.Usage, 0, "GOLDEN_ENGINE_TIMEOUT"},
		{"negative flag", nil, []string{"--engine-timeout", "-1s"}, exitcode.Usage, 0, "--engine-timeout -1s"},
		{"bad flag", nil, []string{"--engine-timeout", "soon"}, exitcode.Usage, 0, "engine-timeout"},
		{"flag beats a bad variable", map[string]string{envEngineTimeout: "soon"}, []string{"--engine-timeout", "5s"}, exitcode.Infra, 1, "waiting up to 5s"},
		{"variable", map[string]string{envEngineTimeout: "90s"}, nil, exitcode.Infra, 1, "waiting up to 1m30s"},
		{"no limit", nil, []string{"--engine-timeout", "0"}, exitcode.Infra, 1, "Docker\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"ci", "--source", svc, "--result", filepath.Join(t.TempDir(), "r.json"), "--platform", "local"}, tc.args...)
			got, calls := ciRun(t, tc.env, args...)
			if got.code != tc.code || calls != tc.calls {
				t.Fatalf("exit code %d, connects %d; want %d, %d; stderr %q", got.code, calls, tc.code, tc.calls, got.stderr)
			}
			if !strings.Contains(got.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", got.stderr, tc.want)
			}
		})
	}
}

// A configured address that refuses golden fails before golden connects,
// with the address, and the result records it.
func TestCIUnreachableEngine(t *testing.T) {
	t.Parallel()
	svc := goService(t, nil)
	port := strconv.Itoa(testtool.FreePort(t))
	sock := filepath.Join(t.TempDir(), "none.sock")
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"tcp", map[string]string{envRunnerHost: "tcp://127.0.0.1:" + port},
			"the Dagger engine at tcp://127.0.0.1:" + port + " (from _EXPERIMENTAL_DAGGER_RUNNER_HOST) cannot be reached: dial tcp 127.0.0.1:" + port},
		{"unix", map[string]string{envRunnerHost: "unix://" + sock},
			"the Dagger engine at unix://" + sock + " (from _EXPERIMENTAL_DAGGER_RUNNER_HOST) cannot be reached: dial unix " + sock},
		{"session", map[string]string{envSessionPort: port, envSessionToken: "tok"},
			"the Dagger session at 127.0.0.1:" + port + " (from DAGGER_SESSION_PORT) cannot be reached"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := filepath.Join(t.TempDir(), "result.json")
			got, calls := ciRun(t, tc.env, "ci", "--source", svc, "--result", res, "--platform", "local")
			if got.code != exitcode.Infra || calls != 0 {
				t.Fatalf("exit code %d, connects %d; stderr %q", got.code, calls, got.stderr)
			}
			if !strings.Contains(got.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", got.stderr, tc.want)
			}
			run, err := result.Load(res)
			if err != nil {
				t.Fatal(err)
			}
			st, ok := run.Stage("ci")
			if !ok || st.Status != result.Errored || !strings.Contains(st.Error, tc.want) {
				t.Fatalf("result stages %+v", run.Stages)
			}
			for _, wrong := range []string{"dagger CLI", "Docker"} {
				if strings.Contains(st.Error, wrong) {
					t.Errorf("error %q talks about %s", st.Error, wrong)
				}
			}
		})
	}
}

// The first signal cancels golden's context with the signal as the cause;
// a second one, or the deadline, exits.
func TestStopOnSignals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		signals []syscall.Signal
		want    string
	}{
		{"second signal", []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}, "SIGTERM received again"},
		{"deadline", []syscall.Signal{syscall.SIGTERM}, "still running"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sigs := make(chan os.Signal, 2)
			ctx, cancel := context.WithCancelCause(context.Background())
			var stderr testtool.SyncBuffer
			exited := make(chan struct{})
			go stopOnSignals(sigs, cancel, &stderr, 10*time.Millisecond, func() { close(exited) })
			sigs <- tc.signals[0]
			<-ctx.Done()
			var ie interruptError
			if cause := context.Cause(ctx); !errors.As(cause, &ie) || cause.Error() != "interrupted by "+signalName(tc.signals[0]) {
				t.Errorf("cause %v", cause)
			}
			for _, s := range tc.signals[1:] {
				sigs <- s
			}
			<-exited
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestTailBuffer(t *testing.T) {
	t.Parallel()
	b := &tailBuffer{max: 5}
	for _, s := range []string{"abc", "defg", "h"} {
		if n, err := b.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := b.String(); got != "defgh" {
		t.Errorf("tail %q, want %q", got, "defgh")
	}
}

// golden ci --help says where the engine comes from, the timeout and what
// a signal does.
func TestCIHelpEngine(t *testing.T) {
	t.Parallel()
	got, calls := ciRun(t, nil, "ci", "--help")
	if got.code != exitcode.Passed || calls != 0 {
		t.Fatalf("code %d, connects %d, stderr %q", got.code, calls, got.stderr)
	}
	for _, want := range []string{"-engine-timeout DURATION", "$GOLDEN_ENGINE_TIMEOUT", envRunnerHost, envSessionPort, envCLIBin, "SIGTERM"} {
		if !strings.Contains(got.stdout, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// TestSessionEnv: the dagger session golden starts gets no secret golden
// reads from its environment, nor a PEM key.
func TestSessionEnv(t *testing.T) {
	t.Parallel()
	got := sessionEnv([]string{
		"PATH=/usr/bin", "GOLDEN_GIT_TOKEN=canary-tok", "GOLDEN_REGISTRY_PASSWORD=canary-pw", "COSIGN_PASSWORD=canary-key-pw",
		"GOLDEN_GIT_SSH_KEY=x", "COSIGN_KEY=-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabc", "GOLDEN_GIT_TOKEN_FILE=/run/secrets/t",
		"DAGGER_CLOUD_TOKEN=kept",
	})
	want := []string{"PATH=/usr/bin", "GOLDEN_GIT_TOKEN_FILE=/run/secrets/t", "DAGGER_CLOUD_TOKEN=kept"}
	if !slices.Equal(got, want) {
		t.Errorf("sessionEnv = %q, want %q", got, want)
	}
}
