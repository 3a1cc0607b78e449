package registry

import (
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/goldenci/golden/exitcode"
)

// Canaries: these strings must never appear in an error or in printed Options.
const (
	canaryUser     = "golden-user-canary-5d1c"
	canaryPassword = "golden-password-canary-9f3e7a"
)

// basicAuth puts HTTP basic authentication in front of a registry, as a
// registry behind a simple proxy does: a 401 with a Basic challenge for
// every request without the right credentials.
func basicAuth(user, password string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			u, p, ok := r.BasicAuth()
			if !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="golden-test"`)
				regError(w, http.StatusUnauthorized, "UNAUTHORIZED", "authentication required")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// leaks lists the secrets found in s.
func leaks(s string, secrets ...string) []string {
	var found []string
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			found = append(found, secret)
		}
	}
	return found
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	staging := newTestRegistry(t, true, basicAuth(canaryUser, canaryPassword))
	prod := newTestRegistry(t, true, basicAuth("prod-user", "prod-password"))
	auth := remote.WithAuth(&authn.Basic{Username: canaryUser, Password: canaryPassword})
	digest := push(t, staging.ref("app:candidate"), sharedIndex(t, types.OCIImageIndex), auth)
	src := staging.ref("app@" + digest)
	good := Options{Credentials: map[string]Credential{
		staging.host: {Username: canaryUser, Password: canaryPassword},
		prod.host:    {Username: "prod-user", Password: "prod-password"},
	}}
	ctx := t.Context()

	t.Run("right credentials, one per registry", func(t *testing.T) {
		if _, err := Copy(ctx, src, staging.ref("prod/app"), good); err != nil {
			t.Fatalf("Copy within the registry: %v", err)
		}
		if _, err := Copy(ctx, src, prod.ref("app"), good); err != nil {
			t.Fatalf("Copy between registries: %v", err)
		}
		if err := Tag(ctx, prod.ref("app"), "1.0.0", digest, good); err != nil {
			t.Fatal(err)
		}
		if d, err := Resolve(ctx, prod.ref("app:1.0.0"), good); err != nil || d != digest {
			t.Fatalf("Resolve = %q, %v", d, err)
		}
		if tags, err := ListTags(ctx, prod.ref("app"), good); err != nil || len(tags) != 1 {
			t.Fatalf("ListTags = %q, %v", tags, err)
		}
	})

	t.Run("keychain fallback", func(t *testing.T) {
		kc := staticKeychain{staging.host: &authn.Basic{Username: canaryUser, Password: canaryPassword}}
		if _, err := Resolve(ctx, src, Options{Keychain: kc}); err != nil {
			t.Fatalf("Resolve with a keychain: %v", err)
		}
	})

	encoded := base64.StdEncoding.EncodeToString([]byte(canaryUser + ":" + "wrong-" + canaryPassword))
	refused := map[string]Options{
		"wrong password":                   {Credentials: map[string]Credential{staging.host: {Username: canaryUser, Password: "wrong-" + canaryPassword}}},
		"no credentials":                   {},
		"credentials for another registry": {Credentials: map[string]Credential{prod.host: {Username: canaryUser, Password: canaryPassword}}},
	}
	for name, opts := range refused {
		t.Run(name, func(t *testing.T) {
			calls := map[string]error{}
			_, calls["Copy"] = Copy(ctx, src, staging.ref("prod/other"), opts)
			_, calls["Resolve"] = Resolve(ctx, src, opts)
			_, calls["ListTags"] = ListTags(ctx, staging.ref("app"), opts)
			_, _, calls["TagDigest"] = TagDigest(ctx, staging.ref("app"), "candidate", opts)
			calls["Tag"] = Tag(ctx, staging.ref("app"), "x", digest, opts)
			for fn, err := range calls {
				if exitcode.Code(err) != exitcode.Usage {
					t.Errorf("%s: exit %d, want 2: %v", fn, exitcode.Code(err), err)
					continue
				}
				if l := leaks(err.Error(), canaryPassword, canaryUser, encoded); len(l) > 0 {
					t.Errorf("%s: error leaks %q: %v", fn, l, err)
				}
				if !strings.Contains(err.Error(), "refused access") || !strings.Contains(err.Error(), staging.host) {
					t.Errorf("%s: error %q does not say which registry refused access", fn, err)
				}
			}
		})
	}

	t.Run("printing options", func(t *testing.T) {
		s := fmt.Sprintf("%v %+v %#v %s %v", good, good, good, good.Credentials[staging.host], &good)
		if l := leaks(s, canaryPassword); len(l) > 0 {
			t.Errorf("printed Options leak the password: %s", s)
		}
	})

	t.Run("bad credentials key", func(t *testing.T) {
		opts := Options{Credentials: map[string]Credential{"https://" + staging.host + "/x": {Username: canaryUser, Password: canaryPassword}}}
		_, err := Resolve(ctx, src, opts)
		if exitcode.Code(err) != exitcode.Usage {
			t.Fatalf("exit %d, want 2: %v", exitcode.Code(err), err)
		}
		if l := leaks(err.Error(), canaryPassword); len(l) > 0 {
			t.Errorf("error leaks the password: %v", err)
		}
	})
}

type staticKeychain map[string]authn.Authenticator

func (k staticKeychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if a, ok := k[r.RegistryStr()]; ok {
		return a, nil
	}
	return authn.Anonymous, nil
}

func TestInfrastructureErrors(t *testing.T) {
	t.Parallel()
	// A closed port: nothing listens there any more.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	// A registry that fails with 503 (go-containerregistry retries it a few
	// times, with back-off, before giving up).
	broken := newTestRegistry(t, false, func(http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			regError(w, http.StatusServiceUnavailable, "UNAVAILABLE", "down for maintenance")
		})
	})
	d := "sha256:" + strings.Repeat("d", 64)
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	live := newTestRegistry(t, false, nil)

	tests := []struct {
		name    string
		call    func() error
		mention string
	}{
		{"Copy from a closed port", func() error {
			_, err := Copy(t.Context(), closed+"/app@"+d, closed+"/prod", Options{})
			return err
		}, "unreachable"},
		{"Resolve on a closed port", func() error { _, err := Resolve(t.Context(), closed+"/app:1", Options{}); return err }, closed},
		{"ListTags on a closed port", func() error { _, err := ListTags(t.Context(), closed+"/app", Options{}); return err }, closed},
		{"TagDigest on a closed port", func() error { _, _, err := TagDigest(t.Context(), closed+"/app", "1", Options{}); return err }, closed},
		{"Copy from a registry answering 503", func() error {
			_, err := Copy(t.Context(), broken.ref("app@"+d), broken.ref("prod"), Options{})
			return err
		}, "503"},
		{"canceled context", func() error { _, err := Resolve(canceled, live.ref("app:1"), Options{}); return err }, "canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call()
			if exitcode.Code(err) != exitcode.Infra {
				t.Fatalf("exit %d, want 3: %v", exitcode.Code(err), err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

// recorder is a custom transport that records the User-Agent of every
// request and dials every address at the test registry.
type recorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	uas  []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.uas = append(r.uas, req.Header.Get("User-Agent"))
	r.mu.Unlock()
	return r.base.RoundTrip(req)
}

func TestTransportUserAgentInsecure(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t, false, nil)
	d := push(t, reg.ref("app:1"), randomImage(t, 1))
	// "registry.test:5000" is not a loopback name, so it is HTTPS unless
	// Insecure; the transport dials the test registry whatever the host.
	dialer := &net.Dialer{}
	rec := &recorder{base: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, reg.host)
		},
	}}
	opts := Options{Transport: rec, Insecure: true}
	got, err := Resolve(t.Context(), "registry.test:5000/app:1", opts)
	if err != nil {
		t.Fatalf("Resolve over plain HTTP with Insecure: %v", err)
	}
	if got != d {
		t.Fatalf("Resolve = %s, want %s", got, d)
	}
	rec.mu.Lock()
	uas := rec.uas
	rec.mu.Unlock()
	if len(uas) == 0 {
		t.Fatal("the custom transport saw no request")
	}
	for _, ua := range uas {
		if !strings.HasPrefix(ua, DefaultUserAgent+" ") {
			t.Errorf("User-Agent %q, want it to start with %q", ua, DefaultUserAgent)
		}
	}

	opts.Insecure = false
	_, err = Resolve(t.Context(), "registry.test:5000/app:1", opts)
	if exitcode.Code(err) != exitcode.Infra {
		t.Fatalf("Resolve over HTTPS against a plain HTTP registry: exit %d, want 3: %v", exitcode.Code(err), err)
	}

	reg.c.mu.Lock()
	reg.c.userAgents = nil
	reg.c.mu.Unlock()
	if _, err := Resolve(t.Context(), reg.ref("app:1"), Options{UserAgent: "golden-promote/1.0"}); err != nil {
		t.Fatal(err)
	}
	reg.c.mu.Lock()
	defer reg.c.mu.Unlock()
	if len(reg.c.userAgents) == 0 {
		t.Fatal("the registry saw no request")
	}
	for ua := range reg.c.userAgents {
		if !strings.HasPrefix(ua, "golden-promote/1.0 ") {
			t.Errorf("the registry saw User-Agent %q, want the custom one", ua)
		}
	}
}
