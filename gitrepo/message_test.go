package gitrepo

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

func TestFormatMessage(t *testing.T) {
	t.Parallel()
	img := Trailer{Key: "Golden-Image", Value: "ghcr.io/o/web:1.1.0"}
	for _, tc := range []struct {
		name     string
		msg      string
		trailers []Trailer
		want     string
		err      string
	}{
		{"subject only", "bump web", nil, "bump web\n", ""},
		{"subject and trailers", "bump web", []Trailer{img, {Key: "Golden-Digest", Value: " sha256:ab "}},
			"bump web\n\nGolden-Image: ghcr.io/o/web:1.1.0\nGolden-Digest: sha256:ab\n", ""},
		{"body and CRLF", "bump web\r\n\r\nwhy\r\n\r\n", []Trailer{img}, "bump web\n\nwhy\n\nGolden-Image: ghcr.io/o/web:1.1.0\n", ""},
		{"existing trailer paragraph", "bump web\n\nSigned-off-by: A <a@x>", []Trailer{img},
			"bump web\n\nSigned-off-by: A <a@x>\nGolden-Image: ghcr.io/o/web:1.1.0\n", ""},
		{"empty", " \n", nil, "", "empty commit message"},
		{"bad key", "m", []Trailer{{Key: "Golden Image", Value: "x"}}, "", `trailer 1: invalid key "Golden Image": want letters, digits and dashes`},
		{"empty value", "m", []Trailer{img, {Key: "K", Value: " "}}, "", "trailer 2 (K): empty value"},
		{"multi-line value", "m", []Trailer{{Key: "K", Value: "a\nb"}}, "", "trailer 1 (K): value spans lines"},
	} {
		got, err := FormatMessage(tc.msg, tc.trailers)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || exitcode.Code(err) != exitcode.Usage {
				t.Errorf("%s: err = %v (exit %d), want %q (exit 2)", tc.name, err, exitcode.Code(err), tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: FormatMessage = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestParseTrailers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		msg  string
		want []Trailer
	}{
		{"bump\n\nGolden-Image: a\nGolden-Digest: sha256:b\n", []Trailer{{"Golden-Image", "a"}, {"Golden-Digest", "sha256:b"}}},
		{"bump\n\nbody\n\nKey: long\n  continued\n", []Trailer{{"Key", "long continued"}}},
		{"bump\r\n\r\nA: 1\r\n", []Trailer{{"A", "1"}}},
		{"Key: subject only", nil},
		{"bump\n\nnot: a trailer\nplain line\n", nil},
		{"bump\n\nbody only\n", nil},
		{"", nil},
		{"\n\nA: 1", nil},
	} {
		if got := ParseTrailers(tc.msg); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseTrailers(%q) = %v, want %v", tc.msg, got, tc.want)
		}
	}
}

func FuzzParseTrailers(f *testing.F) {
	f.Add("bump\n\nGolden-Image: a\nGolden-Digest: sha256:b\n")
	f.Add("bump\n\nKey: long\n  continued\n")
	f.Add("s\n\n\n\nA:\n")
	f.Fuzz(func(t *testing.T, msg string) {
		trailers := ParseTrailers(msg)
		for _, tr := range trailers {
			if !trailerKeyRE.MatchString(tr.Key) || strings.ContainsAny(tr.Value, "\n") {
				t.Fatalf("bad trailer %q from %q", tr, msg)
			}
		}
		// Trailers with values survive a round trip.
		for _, tr := range trailers {
			if strings.TrimSpace(tr.Value) == "" || strings.ContainsAny(tr.Value, "\r") {
				return
			}
		}
		if len(trailers) == 0 {
			return
		}
		out, err := FormatMessage("subject", trailers)
		if err != nil {
			t.Fatalf("FormatMessage(%v): %v", trailers, err)
		}
		if back := ParseTrailers(out); !reflect.DeepEqual(back, trailers) {
			t.Fatalf("round trip of %v gave %v", trailers, back)
		}
	})
}

func FuzzFormatMessage(f *testing.F) {
	f.Add("bump web\n\nbody", "Golden-Image", "ghcr.io/o/web:1")
	f.Add("s\n\nA: 1", "B", "2")
	f.Add("x\n\n y", "K", "v")
	f.Fuzz(func(t *testing.T, msg, key, value string) {
		out, err := FormatMessage(msg, []Trailer{{Key: key, Value: value}})
		if err != nil {
			if exitcode.Code(err) != exitcode.Usage {
				t.Fatalf("error of class %d: %v", exitcode.Code(err), err)
			}
			return
		}
		if !strings.HasSuffix(out, "\n") || strings.Contains(out, "\r\n") {
			t.Fatalf("FormatMessage = %q", out)
		}
		tr := ParseTrailers(out)
		want := Trailer{Key: key, Value: strings.TrimSpace(value)}
		if len(tr) == 0 || tr[len(tr)-1] != want {
			t.Fatalf("ParseTrailers(%q) = %v, want it to end with %v", out, tr, want)
		}
	})
}

func TestAuthFromEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	keyFile := filepath.Join(dir, "key")
	if err := os.WriteFile(tokenFile, []byte(canaryToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte("-----BEGIN KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		want Auth
		err  string
	}{
		{"nothing", nil, Auth{}, ""},
		{"token", map[string]string{EnvToken: canaryToken}, Auth{Token: canaryToken}, ""},
		{"token file", map[string]string{EnvToken + "_FILE": tokenFile, EnvUsername: "gitlab-ci-token"},
			Auth{Token: canaryToken, Username: "gitlab-ci-token"}, ""},
		{"basic", map[string]string{EnvUsername: "u", EnvPassword: canaryPassword}, Auth{Username: "u", Password: canaryPassword}, ""},
		{"ssh", map[string]string{EnvSSHKey + "_FILE": keyFile, EnvSSHPassphrase: canaryPassword, EnvKnownHosts: "/k"},
			Auth{SSHKey: []byte("-----BEGIN KEY-----"), SSHKeyPassphrase: canaryPassword, KnownHostsFile: "/k"}, ""},
		{"both forms", map[string]string{EnvToken: canaryToken, EnvToken + "_FILE": tokenFile}, Auth{},
			"both GOLDEN_GIT_TOKEN and GOLDEN_GIT_TOKEN_FILE are set: set one"},
		{"token and password", map[string]string{EnvToken: canaryToken, EnvPassword: canaryPassword}, Auth{},
			"both GOLDEN_GIT_TOKEN and GOLDEN_GIT_PASSWORD are set: set one"},
		{"missing file", map[string]string{EnvPassword + "_FILE": filepath.Join(dir, "nope")}, Auth{},
			"reading GOLDEN_GIT_PASSWORD_FILE: open " + filepath.Join(dir, "nope") + ": no such file or directory"},
	} {
		got, err := AuthFromEnv(func(k string) string { return tc.env[k] })
		if tc.err != "" {
			if err == nil || err.Error() != tc.err || exitcode.Code(err) != exitcode.Usage {
				t.Errorf("%s: err = %v, want %q (exit 2)", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: AuthFromEnv = %#v, %v; want %#v", tc.name, got, err, tc.want)
		}
	}
}

func TestAuthNeverPrintsSecrets(t *testing.T) {
	t.Parallel()
	o := Options{CloneOptions: CloneOptions{URL: "https://h/r.git", Auth: Auth{
		Username: "u", Password: canaryPassword, Token: canaryToken,
		SSHKey: []byte("KEY " + canaryToken), SSHKeyPassphrase: canaryPassword,
	}}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(verb, o)
		assertNoSecret(t, "fmt "+verb, s)
		if verb != "%s" && !strings.Contains(s, "token ***") {
			t.Errorf("%s of Options = %s", verb, s)
		}
	}
}
