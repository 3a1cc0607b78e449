package registry

import (
	"bytes"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/goldenci/golden/exitcode"
)

// artifacts are the shapes Copy must handle.
func artifacts() []struct {
	name string
	make func(t testing.TB) remote.Taggable
} {
	return []struct {
		name string
		make func(t testing.TB) remote.Taggable
	}{
		{"single image", func(t testing.TB) remote.Taggable { return randomImage(t, 3) }},
		{"OCI index", func(t testing.TB) remote.Taggable {
			idx, err := random.Index(1024, 2, 3)
			if err != nil {
				t.Fatal(err)
			}
			return idx
		}},
		{"Docker manifest list sharing layers", func(t testing.TB) remote.Taggable { return sharedIndex(t, types.DockerManifestList) }},
		{"OCI index sharing layers", func(t testing.TB) remote.Taggable { return sharedIndex(t, types.OCIImageIndex) }},
		{"nested index", func(t testing.TB) remote.Taggable { return nestedIndex(t) }},
	}
}

// checkCopy checks that dst holds exactly the bytes of src, recursively,
// and that every blob is readable from dst's repository.
func checkCopy(t *testing.T, src, dst name.Digest) {
	t.Helper()
	s, err := remote.Get(src)
	if err != nil {
		t.Fatal(err)
	}
	d, err := remote.Get(dst)
	if err != nil {
		t.Fatalf("target %s: %v", dst, err)
	}
	if d.Digest != s.Digest || !bytes.Equal(d.Manifest, s.Manifest) || d.MediaType != s.MediaType {
		t.Fatalf("target manifest differs: %s %s vs source %s %s", d.Digest, d.MediaType, s.Digest, s.MediaType)
	}
	if d.MediaType.IsIndex() {
		idx, err := d.ImageIndex()
		if err != nil {
			t.Fatal(err)
		}
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		for _, child := range im.Manifests {
			checkCopy(t, src.Context().Digest(child.Digest.String()), dst.Context().Digest(child.Digest.String()))
		}
		if err := validate.Index(idx); err != nil {
			t.Fatalf("target index does not validate: %v", err)
		}
		return
	}
	img, err := d.Image()
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Fatalf("target image does not validate: %v", err)
	}
}

func TestCopySameRegistryMountsLayers(t *testing.T) {
	t.Parallel()
	for _, a := range artifacts() {
		for _, scopedBlobs := range []bool{false, true} {
			t.Run(a.name+map[bool]string{false: "", true: " (blobs scoped per repository)"}[scopedBlobs], func(t *testing.T) {
				t.Parallel()
				reg := newTestRegistry(t, scopedBlobs, nil)
				artifact := a.make(t)
				want := walk(t, artifact)
				digest := push(t, reg.ref("staging/app:candidate"), artifact)
				reg.c.reset()

				src := reg.ref("staging/app@" + digest)
				got, err := Copy(t.Context(), src, reg.ref("prod/app"), Options{})
				if err != nil {
					t.Fatalf("Copy: %v", err)
				}
				if got != digest {
					t.Fatalf("Copy returned %s, want the source digest %s", got, digest)
				}
				c := reg.c.snapshot()
				t.Log(fmtCounts(c))
				if c.blobBytesIn != 0 || c.blobBytesOut != 0 || c.blobGets != 0 || c.uploads != 0 {
					t.Errorf("layer bytes moved within one registry: %s", fmtCounts(c))
				}
				if scopedBlobs && c.mounts != len(want.blobs) {
					t.Errorf("mounted %d blobs, want every one of the %d distinct blobs mounted", c.mounts, len(want.blobs))
				}
				if c.manifestPuts != want.manifests {
					t.Errorf("wrote %d manifests, want %d", c.manifestPuts, want.manifests)
				}
				checkCopy(t, mustDigest(t, src), mustDigest(t, reg.ref("prod/app@"+digest)))
			})
		}
	}
}

func TestCopyBetweenRegistriesMovesEachBlobOnce(t *testing.T) {
	t.Parallel()
	for _, a := range artifacts() {
		t.Run(a.name, func(t *testing.T) {
			t.Parallel()
			staging := newTestRegistry(t, true, nil)
			prod := newTestRegistry(t, true, nil)
			artifact := a.make(t)
			want := walk(t, artifact)
			digest := push(t, staging.ref("team/app:candidate"), artifact)
			staging.c.reset()

			src := staging.ref("team/app@" + digest)
			got, err := Copy(t.Context(), src, prod.ref("team/app"), Options{})
			if err != nil {
				t.Fatalf("Copy: %v", err)
			}
			if got != digest {
				t.Fatalf("Copy returned %s, want %s", got, digest)
			}
			s, p := staging.c.snapshot(), prod.c.snapshot()
			t.Logf("staging: %s", fmtCounts(s))
			t.Logf("prod:    %s", fmtCounts(p))
			if p.blobBytesIn != want.blobBytes() || p.uploads != len(want.blobs) {
				t.Errorf("prod received %d blob bytes in %d uploads, want each distinct blob once: %d bytes in %d uploads",
					p.blobBytesIn, p.uploads, want.blobBytes(), len(want.blobs))
			}
			if s.blobBytesOut != want.blobBytes() || s.blobGets != len(want.blobs) {
				t.Errorf("staging served %d blob bytes in %d GETs, want each distinct blob once: %d bytes in %d GETs",
					s.blobBytesOut, s.blobGets, want.blobBytes(), len(want.blobs))
			}
			if p.manifestPuts != want.manifests {
				t.Errorf("prod got %d manifest PUTs, want %d", p.manifestPuts, want.manifests)
			}
			checkCopy(t, mustDigest(t, src), mustDigest(t, prod.ref("team/app@"+digest)))
		})
	}
}

func TestCopyTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	staging := newTestRegistry(t, true, nil)
	prod := newTestRegistry(t, true, nil)
	digest := push(t, staging.ref("app:candidate"), sharedIndex(t, types.OCIImageIndex))
	src := staging.ref("app@" + digest)
	for _, dst := range []string{prod.ref("app"), staging.ref("prod/app")} {
		if _, err := Copy(t.Context(), src, dst, Options{}); err != nil {
			t.Fatalf("first Copy to %s: %v", dst, err)
		}
		staging.c.reset()
		prod.c.reset()
		got, err := Copy(t.Context(), src, dst, Options{})
		if err != nil {
			t.Fatalf("second Copy to %s: %v", dst, err)
		}
		if got != digest {
			t.Fatalf("second Copy returned %s, want %s", got, digest)
		}
		for _, reg := range []*testRegistry{staging, prod} {
			c := reg.c.snapshot()
			if c.manifestPuts != 0 || c.uploads != 0 || c.mounts != 0 || c.blobGets != 0 || c.blobBytesIn != 0 {
				t.Errorf("second Copy to %s wrote to %s: %s", dst, reg.host, fmtCounts(c))
			}
			for _, r := range c.requests {
				manifestHead := strings.HasPrefix(r, "HEAD ") && strings.Contains(r, "/manifests/")
				if r != "GET /v2/" && !manifestHead {
					t.Errorf("second Copy to %s: unexpected request %q (want only the ping and one HEAD)", dst, r)
				}
			}
		}
	}
}

func TestCopyCompletesAfterFailingHalfWay(t *testing.T) {
	t.Parallel()
	var failIndex atomic.Bool
	failIndex.Store(true)
	// prod refuses the index manifest (but not its children) while failIndex is set.
	refuseIndex := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if failIndex.Load() && r.Method == http.MethodPut && types.MediaType(r.Header.Get("Content-Type")).IsIndex() {
				regError(w, http.StatusBadRequest, "MANIFEST_INVALID", "injected failure")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
	staging := newTestRegistry(t, true, nil)
	prod := newTestRegistry(t, true, refuseIndex)
	idx := sharedIndex(t, types.OCIImageIndex)
	want := walk(t, idx)
	digest := push(t, staging.ref("app:candidate"), idx)
	src := staging.ref("app@" + digest)

	if _, err := Copy(t.Context(), src, prod.ref("app"), Options{}); err == nil {
		t.Fatal("Copy succeeded although prod refused the index")
	}
	if c := prod.c.snapshot(); c.blobBytesIn != want.blobBytes() {
		t.Fatalf("first Copy uploaded %d blob bytes, want all %d before the index failed", c.blobBytesIn, want.blobBytes())
	}

	failIndex.Store(false)
	staging.c.reset()
	prod.c.reset()
	if _, err := Copy(t.Context(), src, prod.ref("app"), Options{}); err != nil {
		t.Fatalf("re-run: %v", err)
	}
	s, p := staging.c.snapshot(), prod.c.snapshot()
	if p.blobBytesIn != 0 || p.uploads != 0 || s.blobGets != 0 {
		t.Errorf("re-run moved blobs again: staging %s; prod %s", fmtCounts(s), fmtCounts(p))
	}
	if p.manifestPuts != 1 {
		t.Errorf("re-run wrote %d manifests, want only the missing index", p.manifestPuts)
	}
	checkCopy(t, mustDigest(t, src), mustDigest(t, prod.ref("app@"+digest)))
}

func TestCopyChildOfIndex(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t, true, nil)
	idx := sharedIndex(t, types.OCIImageIndex)
	push(t, reg.ref("app:multi"), idx)
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	child := im.Manifests[1].Digest.String()
	got, err := Copy(t.Context(), reg.ref("app@"+child), reg.ref("arm64/app"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got != child {
		t.Fatalf("got %s, want %s", got, child)
	}
	checkCopy(t, mustDigest(t, reg.ref("app@"+child)), mustDigest(t, reg.ref("arm64/app@"+child)))
}

func TestCopyErrors(t *testing.T) {
	t.Parallel()
	reg := newTestRegistry(t, false, nil)
	digest := push(t, reg.ref("app:1"), randomImage(t, 1))
	missing := "sha256:" + strings.Repeat("0", 64)
	tests := []struct {
		name     string
		src, dst string
		code     int
		mention  string
	}{
		{"source is a tag", reg.ref("app:1"), reg.ref("prod"), exitcode.Usage, reg.ref("app:1")},
		{"source digest malformed", reg.ref("app@sha256:abc"), reg.ref("prod"), exitcode.Usage, "sha256:abc"},
		{"source repository malformed", reg.host + "/App Bad@" + digest, reg.ref("prod"), exitcode.Usage, "App Bad"},
		{"destination has a tag", reg.ref("app@" + digest), reg.ref("prod:latest"), exitcode.Usage, reg.ref("prod:latest")},
		{"destination has a digest", reg.ref("app@" + digest), reg.ref("prod@" + digest), exitcode.Usage, "prod@"},
		{"destination malformed", reg.ref("app@" + digest), reg.host + "/UPPER", exitcode.Usage, "UPPER"},
		{"digest not in source", reg.ref("app@" + missing), reg.ref("prod"), exitcode.Usage, missing},
		{"source repository unknown", reg.ref("nope@" + digest), reg.ref("prod"), exitcode.Usage, "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Copy(t.Context(), tt.src, tt.dst, Options{})
			if err == nil {
				t.Fatal("Copy succeeded")
			}
			if got := exitcode.Code(err); got != tt.code {
				t.Errorf("exit code %d, want %d: %v", got, tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not name %q", err, tt.mention)
			}
		})
	}
	_, err := Copy(t.Context(), reg.ref("app@"+missing), reg.ref("prod"), Options{})
	if !IsNotFound(err) {
		t.Errorf("IsNotFound(%v) = false for a missing digest", err)
	}
}

func mustDigest(t testing.TB, s string) name.Digest {
	t.Helper()
	d, err := name.NewDigest(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Compile-time check that the helpers cover both artifact kinds.
var (
	_ remote.Taggable = v1.Image(nil)
	_ remote.Taggable = v1.ImageIndex(nil)
)
