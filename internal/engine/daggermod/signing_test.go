package daggermod

import (
	"strings"
	"testing"

	"dagger.io/dagger"

	"github.com/goldenci/golden/exitcode"
)

// TestSigning: the signing key and its password stay secrets until
// publish signs; a password without a key is bad usage.
func TestSigning(t *testing.T) {
	t.Parallel()
	key, pw := &dagger.Secret{}, &dagger.Secret{}
	rev := Revision{Repository: "https://github.com/acme/api", Commit: "0123456789abcdef0123456789abcdef01234567"}
	if s, err := (&Session{rev: rev}).signing(); s != nil || err != nil {
		t.Errorf("no key: %+v, %v", s, err)
	}
	s, err := (&Session{rev: rev, signKey: key, signKeyPassword: pw}).signing()
	if err != nil || s == nil || s.KeySecret != key || s.KeyPassword != pw || s.Key != nil {
		t.Errorf("key and password: %+v, %v", s, err)
	}
	if s, err := (&Session{rev: rev, signKey: key}).signing(); err != nil || s == nil || s.KeyPassword != nil {
		t.Errorf("key without password: %+v, %v", s, err)
	}
	for _, tc := range []struct {
		name string
		s    *Session
		want string
	}{
		{"password without key", &Session{rev: rev, signKeyPassword: pw}, "without a signing key"},
		{"no repository", &Session{rev: Revision{Commit: rev.Commit}, signKey: key}, "--repository and --commit"},
		{"no commit", &Session{rev: Revision{Repository: rev.Repository}, signKey: key}, "--repository and --commit"},
	} {
		_, err := tc.s.signing()
		if exitcode.Code(err) != exitcode.Usage || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
