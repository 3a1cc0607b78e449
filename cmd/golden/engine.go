package main

// golden ci's connection to its Dagger engine.
//
// golden finds the engine where the Dagger SDK does:
//
//   - DAGGER_SESSION_PORT (with DAGGER_SESSION_TOKEN): golden runs inside a
//     Dagger session (dagger run, a Dagger function) and joins it;
//   - otherwise golden starts "dagger session": the dagger CLI named by
//     _EXPERIMENTAL_DAGGER_CLI_BIN, else the CLI of the SDK's version, which
//     the SDK's downloader fetches into the user cache when it is missing.
//     The session connects to _EXPERIMENTAL_DAGGER_RUNNER_HOST when it is
//     set, else starts an engine in a container runtime such as Docker.
//
// golden starts the session itself, rather than through dagger.Connect,
// because the SDK's session waits up to 5 minutes for an engine whatever
// its context says, and is left running when its parent exits. golden's
// session is in its own process group: a signal, the connect timeout or a
// failure stops it (stdin closed, then SIGKILL to the group), and an
// address that is configured is dialled first, so that an unreachable
// engine is named at once.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"dagger.io/dagger"
	"dagger.io/dagger/engineconn"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitrepo"
)

// The environment variables that say where the engine is.
const (
	envSessionPort   = "DAGGER_SESSION_PORT"
	envSessionToken  = "DAGGER_SESSION_TOKEN"
	envRunnerHost    = "_EXPERIMENTAL_DAGGER_RUNNER_HOST"
	envCLIBin        = "_EXPERIMENTAL_DAGGER_CLI_BIN"
	envEngineTimeout = "GOLDEN_ENGINE_TIMEOUT"
)

const (
	// defaultEngineTimeout bounds the connection to the engine: long
	// enough for a first run that downloads the dagger CLI and pulls the
	// engine's image, short enough that an engine that does not answer
	// fails the job rather than hanging it. An address that refuses
	// connections fails at once.
	defaultEngineTimeout = 2 * time.Minute
	// sessionStopGrace is how long a session that golden stops (signal,
	// timeout, failure) has to end after its stdin is closed, before its
	// process group is killed.
	sessionStopGrace = 2 * time.Second
	// sessionCloseWait is how long a session that golden closes at the end
	// of a run has to end (the engine may still export caches), as the
	// SDK allows.
	sessionCloseWait = 5 * time.Minute
)

// engineTarget is where golden ci's engine is, from the environment.
type engineTarget struct {
	sessionPort  int    // DAGGER_SESSION_PORT; 0: golden starts a session
	sessionToken string // DAGGER_SESSION_TOKEN
	runnerHost   string // _EXPERIMENTAL_DAGGER_RUNNER_HOST: the engine the session connects to
	cli          string // _EXPERIMENTAL_DAGGER_CLI_BIN: the dagger CLI to start the session with
}

// engineFromEnv reads the engine's target from the environment.
func engineFromEnv(getenv func(string) string) (engineTarget, error) {
	t := engineTarget{
		runnerHost: strings.TrimSpace(getenv(envRunnerHost)),
		cli:        strings.TrimSpace(getenv(envCLIBin)),
	}
	if p := strings.TrimSpace(getenv(envSessionPort)); p != "" {
		port, err := strconv.Atoi(p)
		if err != nil || port <= 0 || port > 65535 {
			return t, exitcode.Inputf("%s %q: want a port number", envSessionPort, p)
		}
		t.sessionPort = port
		t.sessionToken = getenv(envSessionToken)
		if t.sessionToken == "" {
			return t, exitcode.Inputf("%s is set but %s is not: both come from the Dagger session golden runs in", envSessionPort, envSessionToken)
		}
	}
	return t, nil
}

// configured reports whether the environment names an engine, rather
// than leaving the dagger CLI to start one.
func (t engineTarget) configured() bool { return t.sessionPort != 0 || t.runnerHost != "" }

// where names the engine: its address and where the address comes from.
func (t engineTarget) where() string {
	switch {
	case t.sessionPort != 0:
		return fmt.Sprintf("the Dagger session at 127.0.0.1:%d (from %s)", t.sessionPort, envSessionPort)
	case t.runnerHost != "":
		return fmt.Sprintf("the Dagger engine at %s (from %s)", t.runnerHost, envRunnerHost)
	}
	return "a new Dagger engine"
}

// cliName names the dagger CLI that starts the session.
func (t engineTarget) cliName() string {
	if t.cli != "" {
		return fmt.Sprintf("the dagger CLI %s (from %s)", t.cli, envCLIBin)
	}
	return fmt.Sprintf("the dagger CLI %s (downloaded when missing)", engineconn.CLIVersion)
}

// progress is the line golden prints while it connects.
func (t engineTarget) progress(timeout time.Duration) string {
	var b strings.Builder
	switch {
	case t.sessionPort != 0:
		fmt.Fprintf(&b, "golden ci: connecting to %s", t.where())
	case t.runnerHost != "":
		fmt.Fprintf(&b, "golden ci: connecting to %s with %s", t.where(), t.cliName())
	default:
		fmt.Fprintf(&b, "golden ci: connecting to a new Dagger engine that %s starts in a container runtime such as Docker", t.cliName())
	}
	if timeout > 0 {
		fmt.Fprintf(&b, ", waiting up to %v", timeout)
	}
	return b.String()
}

// probeAddr is the address golden dials before it connects, when the
// target names one it can dial: the session's port, or a tcp or unix
// runner host. Other runner hosts (docker-container://, kube-pod://, ...)
// are the dagger CLI's to reach.
func (t engineTarget) probeAddr() (network, address string, ok bool) {
	if t.sessionPort != 0 {
		return "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(t.sessionPort)), true
	}
	u, err := url.Parse(t.runnerHost)
	if t.runnerHost == "" || err != nil {
		return "", "", false
	}
	switch u.Scheme {
	case "tcp":
		if u.Port() != "" {
			return "tcp", u.Host, true
		}
	case "unix":
		if p := u.Host + u.Path; p != "" {
			return "unix", p, true
		}
	}
	return "", "", false
}

// errNoAnswer is the cause of the end of the connect timeout.
var errNoAnswer = errors.New("no answer")

// connectError is the error of a failed connection: interrupted when ctx
// ended (a signal), unreachable when the timeout ended, else err, with a
// hint when no engine is configured. All are exit 3.
func (t engineTarget) connectError(ctx, cctx context.Context, timeout time.Duration, err error) error {
	const prefix = "connecting to the Dagger engine"
	switch {
	case ctx.Err() != nil && t.configured():
		return exitcode.InfraError(fmt.Errorf("connecting to %s: %w", t.where(), context.Cause(ctx)))
	case ctx.Err() != nil:
		return exitcode.InfraError(fmt.Errorf("%s: %w", prefix, context.Cause(ctx)))
	case cctx.Err() != nil && t.configured():
		return exitcode.InfraError(fmt.Errorf("%s cannot be reached: %w within %v (--engine-timeout, $%s)",
			t.where(), errNoAnswer, timeout, envEngineTimeout))
	case cctx.Err() != nil:
		return exitcode.InfraError(fmt.Errorf("%s: %w within %v (--engine-timeout, $%s; a first run pulls the engine's image)\n%s",
			prefix, errNoAnswer, timeout, envEngineTimeout, t.hint()))
	case t.configured():
		return exitcode.InfraError(fmt.Errorf("connecting to %s: %w", t.where(), err))
	}
	return exitcode.InfraError(fmt.Errorf("%s: %w\n%s", prefix, err, t.hint()))
}

// unreachable is the error of a configured address that refused golden.
func (t engineTarget) unreachable(err error) error {
	return exitcode.InfraError(fmt.Errorf("%s cannot be reached: %w", t.where(), err))
}

// hint says how golden ci gets an engine when none is configured.
func (t engineTarget) hint() string {
	return "golden ci runs its stages on a Dagger engine: with none configured (" + envRunnerHost + ", " + envSessionPort +
		") it starts one with " + t.cliName() + " in a container runtime such as Docker, which must be running"
}

// engineTimeoutDefault is --engine-timeout's default: $GOLDEN_ENGINE_TIMEOUT,
// else defaultEngineTimeout. A bad value is returned as an error, for
// golden ci to report unless the flag is given.
func engineTimeoutDefault(getenv func(string) string) (time.Duration, error) {
	s := strings.TrimSpace(getenv(envEngineTimeout))
	if s == "" {
		return defaultEngineTimeout, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return defaultEngineTimeout, exitcode.Inputf("%s %q: want a duration such as 90s or 5m (0: no limit)", envEngineTimeout, s)
	}
	return d, nil
}

// connectContext is the context of the connection: ctx, ended by the
// timeout (0: none) with errNoAnswer as the cause.
func connectContext(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout == 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, timeout, errNoAnswer)
}

// openEngine connects golden ci to its Dagger engine. It prints where it
// connects to, and gives up after timeout (0: no limit) or when ctx ends.
// The engine answers a query before openEngine returns. The session that
// golden starts lives until closeEngine is called or ctx ends.
func openEngine(ctx context.Context, e *Env, timeout time.Duration) (client *dagger.Client, closeEngine func(), err error) {
	t, err := engineFromEnv(e.Getenv)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintln(e.Stderr, t.progress(timeout))
	cctx, cancel := connectContext(ctx, timeout)
	defer cancel()
	fail := func(err error) error { return t.connectError(ctx, cctx, timeout, err) }

	if network, address, ok := t.probeAddr(); ok {
		var d net.Dialer
		c, err := d.DialContext(cctx, network, address)
		if err != nil {
			if ctx.Err() != nil || cctx.Err() != nil {
				return nil, nil, fail(err)
			}
			return nil, nil, t.unreachable(err)
		}
		_ = c.Close()
	}

	life, stop := context.WithCancel(ctx)
	conn := &engineConn{getenv: e.Getenv}
	// connect only wraps conn in a client; the session starts after it,
	// so that tests, which replace connect, never start one.
	client, err = connect(life, dagger.WithConn(conn), dagger.WithLogOutput(e.Stderr))
	if err != nil {
		stop()
		return nil, nil, fail(err)
	}
	abort := func() { // a failed connection: the session is stopped now
		conn.stop()
		stop()
	}
	if t.sessionPort != 0 {
		conn.join(t.sessionPort, t.sessionToken)
	} else if err := conn.startSession(life, cctx, t, e.Stderr); err != nil {
		abort()
		return nil, nil, fail(err)
	}
	v, err := client.Version(cctx)
	if err != nil {
		abort()
		return nil, nil, fail(fmt.Errorf("querying the engine's version: %w", err))
	}
	closeEngine = func() {
		_ = client.Close()
		stop()
	}
	fmt.Fprintf(e.Stderr, "golden ci: connected to Dagger engine %s\n", v)
	return client, closeEngine, nil
}

// engineConn is the connection of golden's Dagger client: to the session
// golden runs in, or to the dagger session process golden started.
type engineConn struct {
	getenv  func(string) string
	mu      sync.Mutex
	http    *http.Client // nil until joined or started
	session *session     // the session process golden started, if any
}

func (c *engineConn) Host() string { return "dagger" }

func (c *engineConn) Do(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	hc := c.http
	c.mu.Unlock()
	if hc == nil {
		return nil, errors.New("the Dagger session has not started")
	}
	return hc.Do(r)
}

// Close ends the session golden started, letting it finish its work.
func (c *engineConn) Close() error {
	if s := c.started(); s != nil {
		s.close()
	}
	return nil
}

// stop ends the session golden started now.
func (c *engineConn) stop() {
	if s := c.started(); s != nil {
		s.stop()
	}
}

func (c *engineConn) started() *session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// join connects to the session on 127.0.0.1:port.
func (c *engineConn) join(port int, token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.http = sessionHTTPClient(port, token, c.getenv)
}

// startSession starts "dagger session" with the target's CLI and waits,
// until wait ends, for the port and token it prints. The session ends
// when life does.
func (c *engineConn) startSession(life, wait context.Context, t engineTarget, log io.Writer) error {
	bin, err := daggerCLI(wait, t, log)
	if err != nil {
		return err
	}
	if wait.Err() != nil {
		return context.Cause(wait)
	}
	s, err := startSessionProcess(life, bin, log)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.session = s
	c.mu.Unlock()
	p, err := s.params(wait)
	if err != nil {
		s.stop()
		return err
	}
	c.join(p.Port, p.SessionToken)
	return nil
}

// daggerCLI is the dagger CLI to start the session with: the target's, or
// the SDK's version, downloaded into the user cache when missing.
func daggerCLI(ctx context.Context, t engineTarget, log io.Writer) (string, error) {
	if t.cli != "" {
		bin := t.cli
		if rest, ok := strings.CutPrefix(bin, "~/"); ok {
			if home, err := os.UserHomeDir(); err == nil {
				bin = filepath.Join(home, rest)
			}
		}
		p, err := exec.LookPath(bin)
		if err != nil {
			return "", fmt.Errorf("%s=%s: %w", envCLIBin, t.cli, err)
		}
		return p, nil
	}
	bin, err := engineconn.CLIDownloader{Ref: engineconn.CLIVersion, Release: true, LogOutput: log, CleanupOld: true}.Download(ctx)
	if err != nil {
		hint := "install it and set " + envCLIBin + " to its path"
		if p, lerr := exec.LookPath("dagger"); lerr == nil {
			hint = fmt.Sprintf("to use the dagger CLI at %s, set %s=%s", p, envCLIBin, p)
		}
		return "", fmt.Errorf("downloading the dagger CLI %s: %w; %s", engineconn.CLIVersion, err, hint)
	}
	return bin, nil
}

// session is a "dagger session" process that golden started, in its own
// process group. Closing its stdin asks it to end.
type session struct {
	cmd      *exec.Cmd
	stdin    io.Closer
	stdout   <-chan paramsResult
	stderr   *tailBuffer
	stderrOK chan struct{} // closed when stderr is drained
	exited   chan struct{} // closed when the process has ended
	waitErr  error
	stopOnce sync.Once
}

type paramsResult struct {
	params engineconn.ConnectParams
	err    error
}

// secretEnv are the variables golden reads secrets from (the GitOps
// credentials, the registry password, the signing key's password): they
// are golden's own, read where used, and the dagger session it starts
// does not get them.
var secretEnv = []string{
	gitrepo.EnvPassword, gitrepo.EnvToken, gitrepo.EnvSSHKey, gitrepo.EnvSSHPassphrase,
	envRegistryPassword, envKeyPassword,
}

// sessionEnv is environ without secretEnv and without any variable that
// holds a PEM key (a signing key given as --sign-key env://NAME).
func sessionEnv(environ []string) []string {
	out := make([]string, 0, len(environ))
	for _, kv := range environ {
		name, value, _ := strings.Cut(kv, "=")
		if slices.Contains(secretEnv, name) || strings.Contains(value, "-----BEGIN") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// startSessionProcess starts bin's "dagger session", its stderr copied to
// log; it is stopped when life ends.
func startSessionProcess(life context.Context, bin string, log io.Writer) (*session, error) {
	cmd := exec.Command(bin, "session", "--label", "dagger.io/sdk.name:go", "--label", "dagger.io/sdk.version:"+sdkVersion())
	cmd.Env = sessionEnv(os.Environ())
	ownProcessGroup(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("starting %s session: %w", bin, err)
	}
	// os.Pipe rather than cmd.StdoutPipe: the process's own children may
	// hold the pipes after it ends, and must not delay golden's Wait.
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("starting %s session: %w", bin, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("starting %s session: %w", bin, err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return nil, fmt.Errorf("starting %s session: %w", bin, err)
	}
	stdout := make(chan paramsResult, 1)
	s := &session{cmd: cmd, stdin: stdin, stdout: stdout, stderr: &tailBuffer{max: 4 << 10},
		stderrOK: make(chan struct{}), exited: make(chan struct{})}
	liveSessions.add(s)
	go func() {
		s.waitErr = cmd.Wait()
		liveSessions.remove(s)
		close(s.exited)
	}()
	go func() {
		_, _ = io.Copy(io.MultiWriter(log, s.stderr), errR)
		errR.Close()
		close(s.stderrOK)
	}()
	go func() {
		// The session prints its port and token as one line of JSON.
		br := bufio.NewReader(outR)
		var r paramsResult
		line, err := br.ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, &r.params)
		}
		r.err = err
		stdout <- r
		_, _ = io.Copy(io.Discard, br)
		outR.Close()
	}()
	go func() {
		select {
		case <-life.Done():
			s.stop()
		case <-s.exited:
		}
	}()
	return s, nil
}

// params waits, until ctx ends, for the port and token the session prints.
func (s *session) params(ctx context.Context) (engineconn.ConnectParams, error) {
	name := filepath.Base(s.cmd.Path) + " session"
	select {
	case r := <-s.stdout:
		if r.err == nil {
			return r.params, nil
		}
		if errors.Is(r.err, io.EOF) { // it closed its stdout: it is ending
			select {
			case <-s.exited:
				return r.params, s.exitError(name)
			case <-ctx.Done():
				return r.params, context.Cause(ctx)
			}
		}
		return r.params, fmt.Errorf("reading the port of %s: %w", name, r.err)
	case <-s.exited:
		return engineconn.ConnectParams{}, s.exitError(name)
	case <-ctx.Done():
		return engineconn.ConnectParams{}, context.Cause(ctx)
	}
}

// exitError says how the session ended, with the end of its stderr.
func (s *session) exitError(name string) error {
	select {
	case <-s.stderrOK:
	case <-time.After(time.Second): // a child of the session holds stderr
	}
	err := s.waitErr
	if err == nil {
		err = errors.New("exit status 0")
	}
	if tail := strings.TrimSpace(s.stderr.String()); tail != "" {
		return fmt.Errorf("%s ended before it connected: %w: %s", name, err, tail)
	}
	return fmt.Errorf("%s ended before it connected: %w", name, err)
}

// stop ends the session now: its stdin is closed, and its process group
// killed unless it ended within sessionStopGrace. It returns once the
// process has ended.
func (s *session) stop() {
	s.stopOnce.Do(func() {
		_ = s.stdin.Close()
		select {
		case <-s.exited:
		case <-time.After(sessionStopGrace):
		}
		killProcessGroup(s.cmd.Process)
	})
	<-s.exited
}

// close ends the session at the end of a run: its stdin is closed and it
// has sessionCloseWait to end before it is stopped.
func (s *session) close() {
	_ = s.stdin.Close()
	select {
	case <-s.exited:
	case <-time.After(sessionCloseWait):
		s.stop()
	}
}

// liveSessions are the session processes running, for killEngineSessions.
var liveSessions sessionSet

type sessionSet struct {
	mu sync.Mutex
	m  map[*session]struct{}
}

func (l *sessionSet) add(s *session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[*session]struct{}{}
	}
	l.m[s] = struct{}{}
}

func (l *sessionSet) remove(s *session) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.m, s)
}

// killEngineSessions kills the process groups of the sessions golden
// started, when golden must exit at once.
func killEngineSessions() {
	liveSessions.mu.Lock()
	defer liveSessions.mu.Unlock()
	for s := range liveSessions.m {
		killProcessGroup(s.cmd.Process)
	}
}

// sessionHTTPClient talks to the session on 127.0.0.1:port with its token,
// passing on the trace context of the environment (dagger run sets it),
// as the SDK does.
func sessionHTTPClient(port int, token string, getenv func(string) string) *http.Client {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	transport := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
	}
	trace := map[string]string{}
	for _, k := range []string{"TRACEPARENT", "TRACESTATE", "BAGGAGE"} {
		if v := getenv(k); v != "" {
			trace[strings.ToLower(k)] = v
		}
	}
	return &http.Client{Transport: roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		r = r.Clone(r.Context())
		r.SetBasicAuth(token, "")
		for k, v := range trace {
			if r.Header.Get(k) == "" {
				r.Header.Set(k, v)
			}
		}
		return transport.RoundTrip(r)
	})}
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// sdkVersion is the Dagger SDK's version in golden's build, which the
// session's label reports like the SDK's own sessions do.
func sdkVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == "dagger.io/dagger" {
				return strings.TrimPrefix(dep.Version, "v")
			}
		}
	}
	return "n/a"
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
