package promote

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/testsupport/cosigntest"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
)

const canaryKeyPassword = "canary-promote-key-pw-61f0"

// TestPromoteVerifiesTheSource: with a verify key, an unsigned image and
// an image whose gates failed are refused (exit 1) with nothing copied,
// tagged or committed; a signed image whose gates passed is promoted, its
// signature and attestations travel with it, and the real cosign verifies
// it in the production repository.
func TestPromoteVerifiesTheSource(t *testing.T) {
	t.Parallel()
	f := newFixture(t, nil)
	cs := cosigntest.New(t, f.reg.Host, canaryRegUser, canaryRegPass, canaryKeyPassword)
	keyPEM, err := os.ReadFile(cs.Path("cosign.key"))
	if err != nil {
		t.Fatal(err)
	}
	pubPEM, err := os.ReadFile(cs.Path("cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	key, err := attest.ParsePrivateKey(keyPEM, []byte(canaryKeyPassword))
	if err != nil {
		t.Fatal(err)
	}
	ropts := attest.Options{Registry: registry.Options{Credentials: map[string]registry.Credential{
		f.reg.Host: {Username: canaryRegUser, Password: canaryRegPass}}}}
	src := f.reg.Repo("acme/go-service")
	f.reg.PushIndex(t, "acme/go-service-prod", "1.0.0")
	sign := func(digest string, status result.Status, stages ...string) {
		t.Helper()
		if _, err := attest.Sign(testContext(t), src, digest, key, ropts); err != nil {
			t.Fatal(err)
		}
		run := &result.Run{}
		for _, st := range stages {
			run.SetStage(result.Stage{Name: st, Status: status})
		}
		gates, err := attest.GatesPredicate(run, "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := attest.Attest(testContext(t), src, digest, key, []attest.Predicate{gates}, ropts); err != nil {
			t.Fatal(err)
		}
	}
	promote := func(tag, digest string) (*Result, error) {
		t.Helper()
		o := f.options("acme/go-service-prod")
		o.Version, o.VerifyKey = tag, pubPEM
		return Promote(testContext(t), o)
	}

	for _, tc := range []struct {
		name   string
		status result.Status // "" for unsigned
		stages []string
	}{
		{"unsigned", "", nil},
		{"failed", result.Failed, []string{"lint", "test", "scan"}},
		{"lint-and-test-skipped", result.Passed, []string{"build", "scan"}}, // the modules' publish alone
	} {
		digest := f.reg.PushIndex(t, "acme/go-service", "rc-"+tc.name)
		if tc.status != "" {
			sign(digest, tc.status, tc.stages...)
		}
		f.stage(t, "acme/go-service", "rc-"+tc.name, digest)
		head, tags := f.head(t), f.reg.Tags(t, "acme/go-service-prod")
		_, err := promote("1.1.0", digest)
		if exitcode.Code(err) != exitcode.Failed || !errors.Is(err, attest.ErrNotVerified) {
			t.Errorf("%s: exit %d: %v; want not verified (exit 1)", tc.name, exitcode.Code(err), err)
		}
		if f.head(t) != head || !slices.Equal(f.reg.Tags(t, "acme/go-service-prod"), tags) {
			t.Errorf("%s: something moved: head %s, tags %v", tc.name, f.head(t), f.reg.Tags(t, "acme/go-service-prod"))
		}
		if _, err := registry.Resolve(testContext(t), f.reg.Repo("acme/go-service-prod")+"@"+digest, ropts.Registry); err == nil {
			t.Errorf("%s: the digest was copied", tc.name)
		}
	}

	digest := f.reg.PushIndex(t, "acme/go-service", "rc-good")
	sign(digest, result.Passed, "lint", "test", "scan", "build")
	f.stage(t, "acme/go-service", "rc-good", digest)
	res, err := promote("1.2.0", digest)
	if err != nil {
		t.Fatal(err)
	}
	if res.Verified == nil || !res.Verified.Verified || len(res.Attachments) < 2 || !res.Pushed || !res.Tagged {
		t.Errorf("result: verified %+v, attachments %v, pushed %v, tagged %v", res.Verified, res.Attachments, res.Pushed, res.Tagged)
	}
	prod := f.reg.Repo("acme/go-service-prod") + "@" + digest
	pub := filepath.Join(cs.Path(""), "cosign.pub")
	if out, err := cs.Verify(t, pub, prod); err != nil {
		t.Errorf("cosign verify %s: %v\n%s", prod, err, out)
	}
	if out, err := cs.VerifyAttestation(t, pub, attest.GatesPredicateType, prod, ""); err != nil {
		t.Errorf("cosign verify-attestation %s: %v\n%s", prod, err, out)
	}
}
