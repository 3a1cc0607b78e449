package gitops

import (
	"bytes"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

// fuzzFiles are the file names FuzzUpdateBytes picks from: they select the
// kind under Auto.
var fuzzFiles = []string{"kustomization.yaml", "values.yaml", "deploy.yaml"}

// FuzzUpdateBytes rewrites arbitrary YAML with arbitrary images: it must
// never panic, every error must be an input error (exit 2; anything else
// is a bug), a result must parse and hold the intended data (finish checks
// that), and applying the same image again must change nothing.
// The committed corpus is testdata/fuzz/FuzzUpdateBytes.
func FuzzUpdateBytes(f *testing.F) {
	f.Add([]byte("images:\n- name: app\n  newTag: v1\n"), uint8(0), "app:v2")
	f.Add([]byte("images: [{name: app, digest: "+digestB+"}]\n"), uint8(0), "app=reg/app:v2@"+digestA)
	f.Add([]byte("image:\n  repository: app\n  tag: \"1.0\"\n"), uint8(1), "app@"+digestA)
	f.Add([]byte(deployment), uint8(2), "ghcr.io/acme/web:2")
	f.Add([]byte("kind: Pod\nspec: {containers: [{image: 'app:1'}]}\n---\nkind: Job\n...\n"), uint8(2), "app=*:2")
	f.Fuzz(func(t *testing.T, data []byte, kind uint8, image string) {
		img, err := ParseImage(image)
		if err != nil {
			return
		}
		name := fuzzFiles[int(kind)%len(fuzzFiles)]
		out, changes, err := UpdateBytes(name, data, img, Options{})
		if err != nil {
			if code := exitcode.Code(err); code != exitcode.Usage {
				t.Fatalf("error with exit code %d (want 2): %v", code, err)
			}
			return
		}
		if len(changes) == 0 && !bytes.Equal(out, data) {
			t.Fatalf("no changes but the text changed:\n%q\n%q", data, out)
		}
		if _, err := decodeAll(out); err != nil {
			t.Fatalf("output does not parse: %v\n%q", err, out)
		}
		again, changes2, err := UpdateBytes(name, out, img, Options{})
		if err != nil {
			t.Fatalf("second update: %v\ninput:  %q\noutput: %q", err, data, out)
		}
		if len(changes2) != 0 || !bytes.Equal(again, out) {
			t.Fatalf("second update changed %v\ninput:  %q\nfirst:  %q\nsecond: %q", changes2, data, out, again)
		}
	})
}

// FuzzParseImageRef checks the image reference parsers: no panic, and
// what parses round-trips.
// The committed corpus is testdata/fuzz/FuzzParseImageRef.
func FuzzParseImageRef(f *testing.F) {
	for _, s := range []string{"app", "localhost:5000/app:1.0", "ghcr.io/o/a:v2@" + digestA, "app=*:v2", "a@sha256:x", ":", "@", "="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		repo, tag, digest, err := ParseImageRef(s)
		if err == nil {
			if got := joinRef(repo, tag, digest); got != s {
				t.Fatalf("ParseImageRef(%q) = %q, %q, %q; joined %q", s, repo, tag, digest, got)
			}
			if ValidateRepository(repo) != nil {
				t.Fatalf("ParseImageRef(%q): invalid repository %q accepted", s, repo)
			}
		} else if exitcode.Code(err) != exitcode.Usage {
			t.Fatalf("ParseImageRef(%q): exit code %d", s, exitcode.Code(err))
		}
		img, err := ParseImage(s)
		if err != nil {
			return
		}
		if back, err := ParseImage(img.String()); err != nil || back != img {
			t.Fatalf("ParseImage(%q) = %+v, but its String %q parses to %+v, %v", s, img, img.String(), back, err)
		}
	})
}
