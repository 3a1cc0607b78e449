package netfail_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/netfailtest"
	"github.com/goldenci/golden/netfail"
)

// TestFindMessages covers the messages the real runs of TestRealOutputs
// cannot produce on this machine (a resolver that times out, a TLS
// interception proxy, a git download, urllib3 2's wording, npm's other
// codes), as the tools word them, and look-alikes that are no network
// failure. The real outputs are the main test: see TestRealOutputs.
func TestFindMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, output string
		ok           bool
		cause, host  string
		url          string
	}{
		{name: "go resolver timeout", ok: true, cause: "timeout", host: "proxy.golang.org", url: "https://proxy.golang.org/golang.org/x/text/@v/list",
			output: `go: golang.org/x/text@v0.32.0: Get "https://proxy.golang.org/golang.org/x/text/@v/list": dial tcp: lookup proxy.golang.org on 127.0.0.11:53: read udp 172.17.0.2:41234->127.0.0.11:53: i/o timeout`},
		{name: "go cgo resolver", ok: true, cause: "temporary failure in name resolution", host: "proxy.golang.org",
			output: `go: downloading golang.org/x/text v0.32.0` + "\n" + `main.go:3:8: golang.org/x/text@v0.32.0: Get "https://proxy.golang.org/golang.org/x/text/@v/v0.32.0.zip": dial tcp: lookup proxy.golang.org: Temporary failure in name resolution`},
		{name: "go TLS handshake timeout", ok: true, cause: "timeout", host: "proxy.golang.org",
			output: `go: module golang.org/x/text: Get "https://proxy.golang.org/golang.org/x/text/@v/list": net/http: TLS handshake timeout`},
		{name: "go TLS interception", ok: true, cause: "TLS certificate not trusted", host: "proxy.golang.org",
			output: `go: golang.org/x/text@v0.32.0: Get "https://proxy.golang.org/golang.org/x/text/@v/v0.32.0.mod": tls: failed to verify certificate: x509: certificate signed by unknown authority`},
		{name: "go proxy 502", ok: true, cause: "server error 502 Bad Gateway", host: "proxy.golang.org",
			output: `go: golang.org/x/text@v0.32.0: reading https://proxy.golang.org/golang.org/x/text/@v/v0.32.0.zip: 502 Bad Gateway`},
		{name: "go proxy 429", ok: true, cause: "server error 429 Too Many Requests", host: "proxy.golang.org",
			output: `go: golang.org/x/text@v0.32.0: reading https://proxy.golang.org/golang.org/x/text/@v/v0.32.0.info: 429 Too Many Requests`},
		{name: "go checksum database timeout", ok: true, cause: "timeout", host: "sum.golang.org",
			output: `verifying golang.org/x/text@v0.32.0: golang.org/x/text@v0.32.0: Get "https://sum.golang.org/lookup/golang.org/x/text@v0.32.0": dial tcp 142.250.0.1:443: i/o timeout`},
		{name: "go through a proxy", ok: true, cause: "connection refused", host: "10.0.0.1:3128",
			output: `go: golang.org/x/text@v0.32.0: Get "https://proxy.golang.org/golang.org/x/text/@v/list": proxyconnect tcp: dial tcp 10.0.0.1:3128: connect: connection refused`},
		{name: "go direct, git", ok: true, cause: "could not resolve host", host: "github.com",
			output: "go: github.com/acme/lib@v1.2.0: git ls-remote -q origin in /go/pkg/mod/cache/vcs/0123: exit status 128:\n\tfatal: unable to access 'https://github.com/acme/lib/': Could not resolve host: github.com"},
		{name: "go direct, ssh", ok: true, cause: "name or service not known", host: "github.com",
			output: "\tssh: Could not resolve hostname github.com: Name or service not known\n\tfatal: Could not read from remote repository."},
		{name: "pip urllib3 2", ok: true, cause: "temporary failure in name resolution", host: "files.pythonhosted.org",
			output: `ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Max retries exceeded with url: /packages/ab/cd/requests-2.32.3-py3-none-any.whl (Caused by NameResolutionError("<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f0c2a1b3d10>: Failed to resolve 'files.pythonhosted.org' ([Errno -3] Temporary failure in name resolution)"))`},
		{name: "pip connect timeout", ok: true, cause: "timeout", host: "pypi.org",
			output: "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ConnectTimeoutError(<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>, 'Connection to pypi.org timed out. (connect timeout=15)')': /simple/requests/\n" +
				"ERROR: Could not find a version that satisfies the requirement requests==2.32.3 (from versions: none)\nERROR: No matching distribution found for requests==2.32.3"},
		{name: "pip SSL", ok: true, cause: "TLS certificate not trusted", host: "pypi.org",
			output: `Could not fetch URL https://pypi.org/simple/requests/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/requests/ (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain (_ssl.c:1006)'))) - skipping`},
		{name: "npm EAI_AGAIN", ok: true, cause: "EAI_AGAIN: temporary DNS failure", host: "registry.npmjs.org", url: "https://registry.npmjs.org/left-pad",
			output: "npm error code EAI_AGAIN\nnpm error syscall getaddrinfo\nnpm error errno EAI_AGAIN\nnpm error request to https://registry.npmjs.org/left-pad failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org"},
		{name: "npm ETIMEDOUT", ok: true, cause: "timeout", host: "registry.npmjs.org",
			output: "npm error code ETIMEDOUT\nnpm error errno ETIMEDOUT\nnpm error network request to https://registry.npmjs.org/left-pad failed, reason: connect ETIMEDOUT 104.16.0.35:443"},
		{name: "npm 6", ok: true, cause: "connection reset", host: "registry.npmjs.org",
			output: "npm ERR! code ECONNRESET\nnpm ERR! errno ECONNRESET\nnpm ERR! network request to https://registry.npmjs.org/left-pad failed, reason: socket hang up"},

		// Not network failures.
		{name: "empty", output: ""},
		{name: "go module version does not exist", output: `go: example.com/m@v9.9.9: reading https://proxy.golang.org/example.com/m/@v/v9.9.9.info: 404 Not Found` + "\n\tserver response: not found: example.com/m@v9.9.9: invalid version: unknown revision v9.9.9"},
		{name: "go checksum database: gone", output: `verifying example.com/m@v1.0.0: reading https://sum.golang.org/lookup/example.com/m@v1.0.0: 410 Gone`},
		{name: "go missing requirement", output: "app.go:3:8: no required module provides package example.com/m; to add it:\n\tgo get example.com/m"},
		{name: "go checksum mismatch", output: "verifying example.com/m@v1.0.0: checksum mismatch\n\tdownloaded: h1:abc=\n\tgo.sum:     h1:def=\n\nSECURITY ERROR"},
		{name: "npm package does not exist", output: "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/no-such-package - Not found"},
		{name: "npm 403", output: "npm error code E403\nnpm error 403 403 Forbidden - GET https://registry.npmjs.org/private-pkg"},
		{name: "pip index answered 404", output: "Could not fetch URL https://pypi.org/simple/nope/: 404 Client Error: Not Found for url: https://pypi.org/simple/nope/ - skipping\nERROR: No matching distribution found for nope"},
		{name: "pip retried, then failed otherwise", output: "WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ProtocolError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))': /simple/numpy/\n" +
			"  error: subprocess-exited-with-error\n  × Building wheel for numpy (pyproject.toml) did not run successfully."},
		{name: "npm warned about a retry", output: "npm warn fetch retrying: ECONNRESET\nnpm error code ERESOLVE\nnpm error ERESOLVE unable to resolve dependency tree"},
		{name: "golangci-lint warning", output: `level=warning msg="[linters_context] dial tcp 127.0.0.1:1: connect: connection refused"` + "\n" + `level=error msg="Running error: can't load config: unknown linter"`},
		{name: "a localhost port", output: `panic: Get "http://localhost:8080/x": EOF`},
		{name: "codes are words", output: "TypeError: Key \"rules\": Key \"no-such-rule\": Could not find \"no-such-rule\" in plugin \"@\".\n" +
			"    at throwRuleNotFoundError (/work/main/.tools/node_modules/eslint/lib/config/config.js:100:16)\n    at XECONNREFUSED_HANDLER (x.js:1:1)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, ok := netfail.Find(tc.output)
			if ok != tc.ok {
				t.Fatalf("Find = %+v, %v; want found = %v", f, ok, tc.ok)
			}
			if !ok {
				return
			}
			if f.Cause != tc.cause || f.Host != tc.host {
				t.Errorf("cause %q, host %q; want %q, %q (%+v)", f.Cause, f.Host, tc.cause, tc.host, f)
			}
			if tc.url != "" && f.URL != tc.url {
				t.Errorf("URL %q, want %q", f.URL, tc.url)
			}
		})
	}
}

func TestReason(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		f    netfail.Failure
		want string
	}{
		{netfail.Failure{Cause: "no such host", Host: "proxy.invalid", URL: "https://proxy.invalid/m/@v/list"},
			"could not reach proxy.invalid (no such host) while fetching https://proxy.invalid/m/@v/list"},
		{netfail.Failure{Cause: "connection refused", Host: "127.0.0.1:1"}, "could not reach 127.0.0.1:1 (connection refused)"},
		{netfail.Failure{Cause: "server error 503 Service Unavailable", Host: "registry.example", URL: "https://registry.example/x"},
			"server error 503 Service Unavailable from registry.example while fetching https://registry.example/x"},
		{netfail.Failure{Cause: "timeout"}, "timeout"},
	} {
		if got := tc.f.Reason(); got != tc.want {
			t.Errorf("Reason() = %q, want %q", got, tc.want)
		}
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	f := netfail.Failure{Cause: "connection refused", Host: "127.0.0.1:1", Line: "npm error code ECONNREFUSED"}
	err := netfail.Error("running npm: npm ci exited 1", f, "npm error code ECONNREFUSED\nnpm error syscall connect\n")
	if exitcode.Code(err) != exitcode.Infra || !errors.Is(err, netfail.ErrNetwork) {
		t.Errorf("err %v: exit %d, want %d and ErrNetwork", err, exitcode.Code(err), exitcode.Infra)
	}
	if want := "running npm: npm ci exited 1: network failure: could not reach 127.0.0.1:1 (connection refused):\nnpm error code ECONNREFUSED\nnpm error syscall connect"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	// Without a quote, the failing line is quoted; without what, the
	// message starts with the failure.
	if got, want := netfail.Error("", f, "").Error(), "network failure: could not reach 127.0.0.1:1 (connection refused):\nnpm error code ECONNREFUSED"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

// TestLongLine: the failing line is clipped, on a rune boundary.
func TestLongLine(t *testing.T) {
	t.Parallel()
	line := "npm error network request to https://registry.invalid/x failed, reason: getaddrinfo ENOTFOUND registry.invalid " + strings.Repeat("é", 1000)
	f, ok := netfail.Find(line)
	if !ok || len(f.Line) > netfail.MaxLine || !utf8.ValidString(f.Line) || !strings.HasSuffix(f.Line, "...") {
		t.Errorf("Find = %+v, %v", f, ok)
	}
}

// FuzzFind feeds tool output to Find: it never panics, and what it finds
// is consistent: a cause, a clipped valid line, a reason, an error of
// exit code 3. The seeds are the real outputs of testdata/real and the
// corpus under testdata/fuzz/FuzzFind.
func FuzzFind(f *testing.F) {
	for _, s := range netfailtest.Scenarios() {
		for _, file := range []string{"stderr", "stdout"} {
			data, err := os.ReadFile(filepath.Join(goldenDir(s.Name), file))
			if err != nil {
				f.Fatal(err)
			}
			f.Add(string(data))
		}
	}
	f.Fuzz(func(t *testing.T, output string) {
		fl, ok := netfail.Find(output)
		again, ok2 := netfail.Find(output)
		if ok != ok2 || fl != again {
			t.Fatalf("Find is not deterministic: %+v, %v then %+v, %v", fl, ok, again, ok2)
		}
		reason, nok := netfail.Network(output)
		if nok != ok {
			t.Fatalf("Network = %v, Find = %v", nok, ok)
		}
		if !ok {
			if fl != (netfail.Failure{}) || reason != "" {
				t.Fatalf("not found, but %+v, %q", fl, reason)
			}
			return
		}
		if fl.Cause == "" || fl.Line == "" || len(fl.Line) > netfail.MaxLine || !utf8.ValidString(fl.Line) {
			t.Fatalf("failure %+v", fl)
		}
		if reason == "" || reason != fl.Reason() {
			t.Fatalf("reason %q", reason)
		}
		if err := netfail.Error("fuzz", fl, ""); exitcode.Code(err) != exitcode.Infra || !errors.Is(err, netfail.ErrNetwork) {
			t.Fatalf("error %v", err)
		}
	})
}
