// Package netfail decides whether a tool's output says that the tool
// failed because it could not reach the network: a module proxy, a package
// index, a registry or a server that does not answer, a name that does not
// resolve, a timeout, a TLS handshake that fails, or a server error (5xx,
// 429) of a registry. It is the one place golden makes that call, for every
// tool it runs: the go command (go test, go build, go mod download,
// module verification against the checksum database), golangci-lint (which
// quotes the go command), pip, npm and npx, and git or curl as the go
// command runs them. Such a failure is infrastructure (exit 3), never a
// failed gate or bad input: see ErrNetwork and Error.
//
// Find reads the output line by line and recognises the messages these
// tools really print (package netfail's tests hold captured examples):
//
//	go:    dial tcp 127.0.0.1:1: connect: connection refused
//	       dial tcp: lookup proxy.example on 10.0.0.53:53: no such host
//	       reading https://proxy.example/m/@v/list: 503 Service Unavailable
//	       verifying module: m@v1.0.0: ... dial tcp ...: i/o timeout
//	pip:   WARNING: Retrying (...) after connection broken by 'NewConnectionError(...:
//	       Failed to establish a new connection: [Errno -2] Name or service not known')'
//	       followed by "No matching distribution found"
//	npm:   npm error code ENOTFOUND / ECONNREFUSED / EAI_AGAIN / ETIMEDOUT / E503
//	       npm error network request to https://registry.example/x failed, reason: ...
//
// A warning (a line that starts with "WARNING:" or "npm warn") counts only
// when the tool then failed to resolve a requirement ("No matching
// distribution found", "Could not find a version that satisfies"): pip
// warns about every retry, and a retry that succeeded is no failure. An
// HTTP 404 or 410 is not a network failure: the server answered that what
// was asked for does not exist, which is the input's problem.
//
// Callers pass only what the tool itself printed about its own work (the go
// command's build and setup output, pip's and npm's messages), never the
// output of the user's tests or code, which may well mention refused
// connections without golden's infrastructure being at fault.
package netfail

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/text"
)

// ErrNetwork is wrapped by every error Error returns, so that callers can
// tell a network failure apart with errors.Is.
var ErrNetwork = errors.New("network failure")

// Failure is a network failure found in a tool's output.
type Failure struct {
	// Cause is what went wrong, in a few words: "connection refused",
	// "no such host", "timeout", "server error 503 Service Unavailable".
	Cause string
	// Host is the host (or host:port) the tool could not reach, when the
	// output names it.
	Host string
	// URL is what the tool was fetching, when the output names it.
	URL string
	// Line is the line of the output that says so, trimmed and at most
	// MaxLine bytes long.
	Line string
}

// MaxLine bounds Failure.Line.
const MaxLine = 400

// Reason says what failed in one line: "could not reach proxy.example (no
// such host) while fetching https://proxy.example/m/@v/list", "server error
// 503 Service Unavailable from registry.example while fetching URL".
func (f Failure) Reason() string {
	var b strings.Builder
	switch {
	case f.Host != "" && strings.HasPrefix(f.Cause, serverErrorCause):
		// The server was reached, and failed.
		fmt.Fprintf(&b, "%s from %s", f.Cause, f.Host)
	case f.Host != "":
		fmt.Fprintf(&b, "could not reach %s (%s)", f.Host, f.Cause)
	default:
		b.WriteString(f.Cause)
	}
	if f.URL != "" {
		fmt.Fprintf(&b, " while fetching %s", f.URL)
	}
	return b.String()
}

// Network reports whether output says that the tool could not reach the
// network, and why (Failure.Reason).
func Network(output string) (reason string, ok bool) {
	f, ok := Find(output)
	if !ok {
		return "", false
	}
	return f.Reason(), true
}

// Error is the infrastructure error (exit 3) of a network failure: what
// failed (for example "test: go test exited 1"), ErrNetwork and the
// failure's reason, then quote (the end of the tool's output) on the
// following lines, or the failure's line when quote is empty.
func Error(what string, f Failure, quote string) error {
	quote = strings.TrimSpace(quote)
	if quote == "" {
		quote = f.Line
	}
	msg := f.Reason()
	if quote != "" {
		msg += ":\n" + quote
	}
	if what == "" {
		return exitcode.InfraError(fmt.Errorf("%w: %s", ErrNetwork, msg))
	}
	return exitcode.InfraError(fmt.Errorf("%s: %w: %s", what, ErrNetwork, msg))
}

// cause is one kind of message: any of its phrases (lower case, matched
// whatever the case) or of its codes (error codes and exception names,
// matched as whole words and case) on a line means the named cause. Codes
// are words so that "throwRuleNotFoundError" in a stack trace is not
// ENOTFOUND.
type cause struct {
	name    string
	phrases []string
	codes   *regexp.Regexp
}

// words matches any of the words, whole.
func words(w ...string) *regexp.Regexp {
	return regexp.MustCompile(`\b(?:` + strings.Join(w, "|") + `)\b`)
}

// causes are in order of precedence: when a line has several markers
// (pip's "Failed to establish a new connection: [Errno 111] Connection
// refused"), the first cause that matches names it.
var causes = []cause{
	{"no such host", []string{"no such host"}, nil},
	{"name or service not known", []string{"name or service not known"}, nil},
	{"temporary failure in name resolution", []string{"temporary failure in name resolution"}, nil},
	{"host name not known", []string{"nodename nor servname provided"}, nil},
	{"DNS server misbehaving", []string{"server misbehaving"}, nil},
	{"ENOTFOUND: host not found", nil, words("ENOTFOUND")},
	{"EAI_AGAIN: temporary DNS failure", nil, words("EAI_AGAIN")},
	{"could not resolve host", []string{"could not resolve host", "failed to resolve '"}, words("NameResolutionError")},
	{"connection refused", []string{"connection refused"}, words("ECONNREFUSED")},
	{"connection reset", []string{"connection reset"}, words("ECONNRESET")},
	{"network unreachable", []string{"network is unreachable"}, words("ENETUNREACH")},
	{"no route to host", []string{"no route to host"}, words("EHOSTUNREACH")},
	{"timeout", []string{
		"i/o timeout", "tls handshake timeout", "client.timeout exceeded", "connection timed out",
		"read timed out", "connect timeout=", "operation timed out",
	}, words("ETIMEDOUT", "ESOCKETTIMEDOUT", "ConnectTimeoutError", "ReadTimeoutError")},
	{"TLS certificate not trusted", []string{
		"x509: certificate", "tls: failed to verify certificate", "unable to get local issuer certificate",
	}, words("CERTIFICATE_VERIFY_FAILED", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?")},
	{"proxy failure", []string{"proxyconnect tcp", "cannot connect to proxy"}, words("ProxyError")},
	{generic, []string{
		"failed to establish a new connection", "failed to connect to", "max retries exceeded with url", "could not fetch url",
	}, words("NewConnectionError")},
	{"request failed", []string{"npm error network", "npm err! network"}, nil},
}

// matches reports whether a line (and its lower-case form) has the cause.
func (c cause) matches(line, lower string) bool {
	return containsAny(lower, c.phrases) || (c.codes != nil && c.codes.MatchString(line))
}

// generic is the cause of a message that says a connection failed without
// saying why.
const generic = "could not connect"

// serverErrorCause starts the cause of a server's 5xx or 429 answer.
const serverErrorCause = "server error"

// serverError matches a registry's 5xx or 429 answer as the go command
// ("reading https://proxy/m/@v/list: 503 Service Unavailable"), npm ("npm
// error code E503", "npm error 503 Service Unavailable - GET URL") and pip
// ("too many 503 error responses") report it.
var serverError = regexp.MustCompile(`(?:reading \S+: |returned error: |npm (?:error|ERR!) (?:code E)?|too many )(5\d\d|429)\b(?: ([A-Z][a-z]+(?: [A-Z][a-z]+)*))?`)

// clientError is an answer that what was asked for does not exist or is
// not allowed (404, 410, 401, 403): the server was reached.
var clientError = regexp.MustCompile(`(?i)\b(?:40[0-9] (?:client error|not found|forbidden|unauthorized)|410 gone|too many 4\d\d error)`)

// resolution is what makes a warning a failure: the tool then failed to
// resolve a requirement.
var resolution = []string{"no matching distribution found", "could not find a version that satisfies"}

// Hosts and URLs in the messages, most specific first.
var (
	hostPatterns = []*regexp.Regexp{
		regexp.MustCompile(`lookup ([^\s:;,'"\\]+)(?: on |: )`),          // go
		regexp.MustCompile(`dial tcp ([^\s;,'"\\]+):(?: |$)`),            // go: dial tcp 127.0.0.1:1: connect
		regexp.MustCompile(`getaddrinfo E[A-Z_]+ ([^\s:;,'"\\]+)`),       // npm
		regexp.MustCompile(`connect E[A-Z]+ ([^\s;,'"\\]+)`),             // npm: connect ECONNREFUSED 127.0.0.1:1
		regexp.MustCompile(`\b[Hh]ost(?:name)?[=:] ?'?([^\s:;,'"\\)]+)`), // urllib3 host='x', curl "Could not resolve host: x"
		regexp.MustCompile(`Failed to resolve '([^\s'"\\]+)'`),           // urllib3 2
		regexp.MustCompile(`Could not resolve hostname ([^\s:;,'"\\]+)`), // ssh
		regexp.MustCompile(`Failed to connect to ([^\s:;,'"\\]+)`),       // curl
		regexp.MustCompile(`Connection to ([^\s:;,'"\\]+) timed out`),    // urllib3
	}
	urlPattern = regexp.MustCompile(`https?://[^\s"'\\<>()\[\]{},;]+`)
	// indexPattern is pip's "Looking in indexes: URL" (it prints it when
	// the index is not PyPI's default).
	indexPattern = regexp.MustCompile(`Looking in indexes: (https?://[^\s,]+)`)
	// pipPath is the path pip's retry warning names: "...')': /simple/x/".
	pipPath = regexp.MustCompile(`'\)': (/\S*)`)
)

// Find looks for a network failure in output and describes the first one.
// When that line does not name the host or the URL, the other lines that
// report the failure do (npm says "code ECONNREFUSED" first and the URL
// later; pip names its index apart). It never panics, whatever the input.
func Find(output string) (Failure, bool) {
	lines := strings.Split(output, "\n")
	var pending *Failure // a warning that waits for a resolution failure
	for i, raw := range lines {
		line, lower, ok := prepare(raw)
		if !ok {
			continue
		}
		if pending != nil && containsAny(lower, resolution) {
			return complete(*pending, lines, output), true
		}
		f, ok := match(line, lower)
		if !ok {
			continue
		}
		if isWarning(lower) {
			if pending == nil {
				pending = &f
			}
			continue
		}
		return complete(f, lines[i+1:], output), true
	}
	return Failure{}, false
}

// prepare trims a line and returns it with its lower-case form; ok is false
// for a blank line.
func prepare(raw string) (line, lower string, ok bool) {
	line = strings.TrimSpace(raw)
	if line == "" {
		return "", "", false
	}
	return line, strings.ToLower(line), true
}

// match describes line when it names a network failure.
func match(line, lower string) (Failure, bool) {
	f := Failure{}
	for _, c := range causes {
		if c.matches(line, lower) {
			f.Cause = c.name
			break
		}
	}
	if f.Cause == "" {
		m := serverError.FindStringSubmatch(line)
		if m == nil {
			return Failure{}, false
		}
		f.Cause = strings.TrimSpace(serverErrorCause + " " + m[1] + " " + m[2])
	}
	if f.Cause == generic && clientError.MatchString(line) {
		return Failure{}, false
	}
	for _, re := range hostPatterns {
		if m := re.FindStringSubmatch(line); m != nil && m[1] != "" {
			f.Host = strings.TrimRight(m[1], ".")
			break
		}
	}
	if u := urlPattern.FindString(line); u != "" {
		f.URL = strings.TrimRight(u, ".:")
		// The name says more than the address it resolved to, unless the
		// address is a proxy's.
		if pu, err := url.Parse(f.URL); err == nil && (f.Host == "" || (isIP(f.Host) && !isIP(pu.Host) && !strings.Contains(lower, "proxyconnect"))) {
			f.Host = pu.Host
		}
	} else if m := pipPath.FindStringSubmatch(line); m != nil {
		f.URL = m[1]
	}
	f.Line = text.Clip(line, MaxLine)
	return f, true
}

// complete fills what the failing line did not say from the lines after
// it that report the failure too, and from the index pip says it looks in.
func complete(f Failure, rest []string, output string) Failure {
	for _, raw := range rest {
		if f.Host != "" && f.URL != "" && !strings.HasPrefix(f.URL, "/") && !strings.HasPrefix(f.Cause, serverErrorCause) {
			return f
		}
		line, lower, ok := prepare(raw)
		if !ok {
			continue
		}
		g, ok := match(line, lower)
		if !ok {
			continue
		}
		if f.Host == "" {
			f.Host = g.Host
		}
		if strings.HasPrefix(g.Cause, f.Cause+" ") {
			// "server error 503" then "server error 503 Service Unavailable".
			f.Cause = g.Cause
		}
		if f.URL == "" || (strings.HasPrefix(f.URL, "/") && !strings.HasPrefix(g.URL, "/") && g.URL != "") {
			f.URL = g.URL
		}
	}
	if f.Host != "" {
		return f
	}
	if m := indexPattern.FindStringSubmatch(output); m != nil {
		if u, err := url.Parse(m[1]); err == nil && u.Host != "" {
			f.Host = u.Host
			if strings.HasPrefix(f.URL, "/") {
				f.URL = u.Scheme + "://" + u.Host + f.URL
			}
		}
	}
	return f
}

// isIP reports whether host (with or without a port) is an IP address.
func isIP(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return net.ParseIP(strings.Trim(host, "[]")) != nil
}

// isWarning reports whether a line is a tool's warning, which is no
// failure on its own.
func isWarning(lower string) bool {
	return strings.HasPrefix(lower, "warning:") || strings.HasPrefix(lower, "npm warn") || strings.HasPrefix(lower, "level=warning")
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
