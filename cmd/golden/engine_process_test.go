//go:build unix

package main

// These tests run real processes: stand-in "dagger" executables (shell
// scripts that start and hold child processes; they do not imitate the
// engine) and the golden binary built from this source. They contact only
// 127.0.0.1.

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/goldenci/golden/result"
)

// signalBound is how soon golden must end after SIGINT or SIGTERM.
const signalBound = 5 * time.Second

// writeScript writes an executable shell script and returns its path.
func writeScript(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// holdingStandIn writes a stand-in dagger CLI that ignores its stdin and
// holds a child process: it writes the child's pid to sleep.pid, then its
// own to session.pid, and waits.
func holdingStandIn(t *testing.T, dir string) string {
	t.Helper()
	return writeScript(t, dir, "dagger", `sleep 1000 &
echo $! > "`+dir+`/sleep.pid.tmp" && mv "`+dir+`/sleep.pid.tmp" "`+dir+`/sleep.pid"
echo $$ > "`+dir+`/session.pid.tmp" && mv "`+dir+`/session.pid.tmp" "`+dir+`/session.pid"
wait
`)
}

// readPids reads the pids that holdingStandIn wrote; ok is false until
// it has written both.
func readPids(dir string) (pids []int, ok bool) {
	for _, name := range []string{"session.pid", "sleep.pid"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, false
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, false
		}
		pids = append(pids, pid)
	}
	return pids, true
}

// processGone reports whether pid has ended: it no longer exists, or is
// a zombie that nobody reaped (PID 1 of a container may not).
func processGone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if errors.Is(err, fs.ErrNotExist) {
		_, statErr := os.Stat("/proc/self/stat")
		if statErr == nil {
			return true
		}
		return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) // no /proc
	}
	if err != nil {
		return false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(fields) > 0 && (fields[0] == "Z" || fields[0] == "X")
}

// assertGoneBy fails the test unless every pid has ended by deadline.
func assertGoneBy(t *testing.T, deadline time.Time, pids []int) {
	t.Helper()
	for _, pid := range pids {
		for !processGone(pid) {
			if time.Now().After(deadline) {
				t.Errorf("process %d still runs", pid)
				_ = syscall.Kill(pid, syscall.SIGKILL)
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// blackhole listens on 127.0.0.1, accepts connections and never answers;
// accepted receives each connection.
func blackhole(t *testing.T) (port int, accepted <-chan struct{}) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan struct{}, 16)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port, ch
}

// The session protocol: golden starts "dagger session" in its own process
// group, reads the port and token it prints, sends them (and the trace
// context) with each request, and ends it by closing its stdin.
func TestSessionProcessConnects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	type seen struct{ auth, trace string }
	requests := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, _, _ := r.BasicAuth()
		requests <- seen{auth, r.Header.Get("traceparent")}
		_, _ = w.Write([]byte(`{"data":{"version":"v0.0.0-test"}}`))
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	cli := writeScript(t, dir, "dagger", `echo "$@" > "`+dir+`/args"
echo '{"port":`+strconv.Itoa(port)+`,"session_token":"s3ss10n"}'
cat > /dev/null
echo $(ps -o pgid= -p $$) $$ > "`+dir+`/ended"
`)
	const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	conn := &engineConn{getenv: func(k string) string { return map[string]string{"TRACEPARENT": traceparent}[k] }}
	var log testtool.SyncBuffer
	if err := conn.startSession(context.Background(), context.Background(), engineTarget{cli: cli}, &log); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://dagger/query", strings.NewReader(`{"query":"{version}"}`))
	resp, err := conn.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := <-requests; got.auth != "s3ss10n" || got.trace != traceparent {
		t.Errorf("auth %q, traceparent %q", got.auth, got.trace)
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if !strings.HasPrefix(string(args), "session --label dagger.io/sdk.name:go --label dagger.io/sdk.version:") {
		t.Errorf("args %q", args)
	}
	ended, err := os.ReadFile(filepath.Join(dir, "ended"))
	if err != nil {
		t.Fatalf("the session did not end when its stdin closed: %v", err)
	}
	if f := strings.Fields(string(ended)); len(f) != 2 || f[0] != f[1] {
		t.Errorf("the session's process group and pid: %q, want its own group", ended)
	}
}

// A session that ends before it connects: its exit status and stderr
// are the error.
func TestSessionProcessEnds(t *testing.T) {
	t.Parallel()
	cli := writeScript(t, t.TempDir(), "dagger", "echo 'no container runtime found' >&2\nexit 3\n")
	conn := &engineConn{getenv: func(string) string { return "" }}
	var log testtool.SyncBuffer
	err := conn.startSession(context.Background(), context.Background(), engineTarget{cli: cli}, &log)
	if err == nil || !strings.Contains(err.Error(), "dagger session ended before it connected: exit status 3: no container runtime found") {
		t.Errorf("error %v", err)
	}
	if !strings.Contains(log.String(), "no container runtime found") {
		t.Errorf("the session's stderr did not reach the log: %q", log.String())
	}
}

// A session that does not connect is stopped, with its children, when
// golden stops waiting.
func TestSessionProcessStopped(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cli := holdingStandIn(t, dir)
	wait, stop := context.WithCancelCause(context.Background())
	errStop := errors.New("stopped waiting")
	var pids []int
	go func() {
		for {
			if p, ok := readPids(dir); ok {
				pids = p
				stop(errStop)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	conn := &engineConn{getenv: func(string) string { return "" }}
	var log testtool.SyncBuffer
	err := conn.startSession(context.Background(), wait, engineTarget{cli: cli}, &log)
	if !errors.Is(err, errStop) {
		t.Fatalf("error %v, want %v", err, errStop)
	}
	assertGoneBy(t, time.Now().Add(signalBound), pids)
}

// goldenProcess is golden ci running as a child process.
type goldenProcess struct {
	cmd    *exec.Cmd
	stderr *testtool.SyncBuffer
	done   chan struct{}
	result string // its --result file
}

// startGolden starts bin ci on svc with the environment of this test
// without its Dagger, golden and proxy variables, plus env. HOME and the
// caches are temporary and every proxy is a closed port of 127.0.0.1, so
// that nothing is downloaded.
func startGolden(t *testing.T, bin, svc string, env map[string]string, args ...string) *goldenProcess {
	t.Helper()
	tmp := t.TempDir()
	var environ []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "DAGGER_"), strings.HasPrefix(k, "_EXPERIMENTAL_DAGGER_"), strings.HasPrefix(k, "GOLDEN_"),
			strings.HasSuffix(strings.ToLower(k), "_proxy"), k == "HOME", k == "XDG_CACHE_HOME", k == "TRACEPARENT":
			continue
		}
		environ = append(environ, kv)
	}
	proxy := "http://127.0.0.1:" + strconv.Itoa(testtool.FreePort(t))
	environ = append(environ, "HOME="+tmp, "XDG_CACHE_HOME="+filepath.Join(tmp, "cache"),
		"HTTPS_PROXY="+proxy, "HTTP_PROXY="+proxy, "https_proxy="+proxy, "http_proxy="+proxy)
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	g := &goldenProcess{stderr: &testtool.SyncBuffer{}, done: make(chan struct{}), result: filepath.Join(tmp, "result.json")}
	g.cmd = exec.Command(bin, append([]string{"ci", "--source", svc, "--result", g.result, "--platform", "local"}, args...)...)
	g.cmd.Env = environ
	g.cmd.Stderr = g.stderr
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = g.cmd.Wait()
		close(g.done)
	}()
	t.Cleanup(func() {
		_ = g.cmd.Process.Kill()
		<-g.done
	})
	return g
}

// exitBy waits until deadline for golden to exit and returns its exit code.
func (g *goldenProcess) exitBy(t *testing.T, deadline time.Time) int {
	t.Helper()
	select {
	case <-g.done:
		return g.cmd.ProcessState.ExitCode()
	case <-time.After(time.Until(deadline)):
		t.Fatalf("golden ci still runs; stderr:\n%s", g.stderr)
	}
	return -1
}

// stageError is the error of the stage "ci" in golden's result.
func (g *goldenProcess) stageError(t *testing.T) string {
	t.Helper()
	run, err := result.Load(g.result)
	if err != nil {
		t.Fatal(err)
	}
	st, ok := run.Stage("ci")
	if !ok || st.Status != result.Errored {
		t.Fatalf("result stages %+v", run.Stages)
	}
	return st.Error
}

// until waits until ready returns true, failing the test when golden
// exits first.
func (g *goldenProcess) until(t *testing.T, ready func() bool) {
	t.Helper()
	for !ready() {
		select {
		case <-g.done:
			t.Fatalf("golden ci exited with %d before it was ready; stderr:\n%s", g.cmd.ProcessState.ExitCode(), g.stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// TestCIEngineProcess runs the golden binary against engines that cannot
// be reached, do not answer, or are interrupted by a signal.
func TestCIEngineProcess(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "golden")
	build := exec.Command(testtool.LookPath(t, "go"), "build", "-o", bin, "./cmd/golden")
	build.Dir = testtool.Root()
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/golden: %v\n%s", err, out)
	}
	svc := filepath.Join(t.TempDir(), "go-service")
	if err := os.CopyFS(svc, os.DirFS(filepath.Join(testtool.Root(), "examples", "go-service"))); err != nil {
		t.Fatal(err)
	}

	// A configured address that refuses connections: exit 3 at once,
	// naming it; no dagger session is started, no CLI is talked about.
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		port := strconv.Itoa(testtool.FreePort(t))
		for _, tc := range []struct {
			name string
			env  map[string]string
			want string
		}{
			{"tcp", map[string]string{envRunnerHost: "tcp://127.0.0.1:" + port},
				"the Dagger engine at tcp://127.0.0.1:" + port + " (from _EXPERIMENTAL_DAGGER_RUNNER_HOST) cannot be reached: dial tcp 127.0.0.1:" + port + ": connect: connection refused"},
			{"unix", map[string]string{envRunnerHost: "unix:///nonexistent/golden-test/engine.sock"},
				"the Dagger engine at unix:///nonexistent/golden-test/engine.sock (from _EXPERIMENTAL_DAGGER_RUNNER_HOST) cannot be reached: dial unix /nonexistent/golden-test/engine.sock: connect: no such file or directory"},
			{"session", map[string]string{envSessionPort: port, envSessionToken: "tok"},
				"the Dagger session at 127.0.0.1:" + port + " (from DAGGER_SESSION_PORT) cannot be reached: dial tcp 127.0.0.1:" + port + ": connect: connection refused"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				tc.env[envCLIBin] = writeScript(t, dir, "dagger", "touch '"+dir+"/started'\nexit 1\n")
				const timeout = 30 * time.Second
				g := startGolden(t, bin, svc, tc.env, "--engine-timeout", timeout.String())
				if code := g.exitBy(t, time.Now().Add(timeout)); code != exitcode.Infra {
					t.Errorf("exit code %d, want 3; stderr:\n%s", code, g.stderr)
				}
				stderr := g.stderr.String()
				if !strings.Contains(stderr, "golden ci: connecting to ") {
					t.Errorf("no progress line in stderr:\n%s", stderr)
				}
				if !strings.Contains(stderr, "golden ci: "+tc.want+"\n") {
					t.Errorf("stderr lacks %q:\n%s", tc.want, stderr)
				}
				if msg := g.stageError(t); strings.Contains(msg, "dagger CLI") || strings.Contains(msg, "Docker") {
					t.Errorf("the error talks about the dagger CLI or Docker: %q", msg)
				}
				if _, err := os.Stat(filepath.Join(dir, "started")); err == nil {
					t.Error("golden started a dagger session for an unreachable engine")
				}
			})
		}
	})

	// An engine that accepts connections and never answers: exit 3 when
	// --engine-timeout ends, naming it, and the session is stopped.
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		for _, kind := range []string{"session", "runner host"} {
			t.Run(kind, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				port, _ := blackhole(t)
				addr := "127.0.0.1:" + strconv.Itoa(port)
				env := map[string]string{envSessionPort: strconv.Itoa(port), envSessionToken: "tok"}
				want := "the Dagger session at " + addr + " (from DAGGER_SESSION_PORT) cannot be reached: no answer within 1s"
				if kind == "runner host" {
					env = map[string]string{envRunnerHost: "tcp://" + addr, envCLIBin: holdingStandIn(t, dir)}
					want = "the Dagger engine at tcp://" + addr + " (from _EXPERIMENTAL_DAGGER_RUNNER_HOST) cannot be reached: no answer within 1s"
				}
				g := startGolden(t, bin, svc, env, "--engine-timeout", "1s")
				deadline := time.Now().Add(time.Second + sessionStopGrace + signalBound)
				if code := g.exitBy(t, deadline); code != exitcode.Infra {
					t.Errorf("exit code %d, want 3; stderr:\n%s", code, g.stderr)
				}
				if !strings.Contains(g.stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, g.stderr)
				}
				if kind == "runner host" {
					pids, ok := readPids(dir)
					if !ok {
						t.Fatal("the stand-in session did not start")
					}
					assertGoneBy(t, deadline, pids)
				}
			})
		}
	})

	// SIGINT and SIGTERM while golden waits for the engine: exit 3 within
	// 5 s, the session golden started and its child gone, the result
	// saying why. A second signal exits at once.
	t.Run("signal", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			name    string
			kind    string // "cli": golden's own session, "session": DAGGER_SESSION_PORT
			signals []syscall.Signal
		}{
			{"SIGTERM cli", "cli", []syscall.Signal{syscall.SIGTERM}},
			{"SIGINT cli", "cli", []syscall.Signal{syscall.SIGINT}},
			{"SIGTERM session", "session", []syscall.Signal{syscall.SIGTERM}},
			{"SIGINT session", "session", []syscall.Signal{syscall.SIGINT}},
			{"second signal", "cli", []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				port, accepted := blackhole(t)
				addr := "127.0.0.1:" + strconv.Itoa(port)
				var g *goldenProcess
				var pids []int
				if tc.kind == "cli" {
					g = startGolden(t, bin, svc, map[string]string{envRunnerHost: "tcp://" + addr, envCLIBin: holdingStandIn(t, dir)})
					g.until(t, func() bool {
						var ok bool
						pids, ok = readPids(dir)
						return ok
					})
				} else {
					g = startGolden(t, bin, svc, map[string]string{envSessionPort: strconv.Itoa(port), envSessionToken: "tok"})
					n := 0
					g.until(t, func() bool { // the probe's connection, then the query's
						select {
						case <-accepted:
							n++
						default:
						}
						return n == 2
					})
				}
				deadline := time.Now().Add(signalBound)
				for _, s := range tc.signals {
					if err := g.cmd.Process.Signal(s); err != nil {
						t.Fatal(err)
					}
				}
				if code := g.exitBy(t, deadline); code != exitcode.Infra {
					t.Errorf("exit code %d, want 3; stderr:\n%s", code, g.stderr)
				}
				assertGoneBy(t, deadline, pids)
				if len(tc.signals) > 1 {
					return // exited at once: no result
				}
				want := "interrupted by " + signalName(tc.signals[0])
				if !strings.Contains(g.stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, g.stderr)
				}
				if msg := g.stageError(t); !strings.Contains(msg, want) {
					t.Errorf("result error %q lacks %q", msg, want)
				}
			})
		}
	})
}
