package gitops

import (
	"errors"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
)

const (
	digestA = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"
	digestB = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

func TestParseImageRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in                string
		repo, tag, digest string
		err               string
	}{
		{in: "app", repo: "app"},
		{in: "app:1.0", repo: "app", tag: "1.0"},
		{in: "localhost:5000/app", repo: "localhost:5000/app"},
		{in: "localhost:5000/app:1.0", repo: "localhost:5000/app", tag: "1.0"},
		{in: "ghcr.io/org/app@" + digestA, repo: "ghcr.io/org/app", digest: digestA},
		{in: "ghcr.io/org/app:v2@" + digestA, repo: "ghcr.io/org/app", tag: "v2", digest: digestA},
		{in: "registry.example.com:443/a/b/c:latest", repo: "registry.example.com:443/a/b/c", tag: "latest"},
		{in: "Registry.Example.com/app:V_1", repo: "Registry.Example.com/app", tag: "V_1"},
		{in: "", err: "empty image name"},
		{in: ":1.0", err: "empty image name"},
		{in: "App:1.0", err: `bad image name "App"`},
		{in: "app:", err: `bad tag ""`},
		{in: "app:-x", err: `bad tag "-x"`},
		{in: "app:" + strings.Repeat("a", 129), err: "bad tag"},
		{in: "app@", err: `bad digest ""`},
		{in: "app@sha256:abc", err: `bad digest "sha256:abc"`},
		{in: "app@" + strings.ToUpper(digestA), err: "bad digest"},
		{in: "app@md5:" + strings.Repeat("0", 32), err: "bad digest"},
		{in: "app:1.0@" + digestA + "@" + digestB, err: "bad digest"},
		{in: "app name:1", err: "bad image name"},
		{in: "app//x", err: "bad image name"},
		{in: "/app", err: "bad image name"},
	}
	for _, tt := range tests {
		repo, tag, digest, err := ParseImageRef(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseImageRef(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			if !errors.Is(err, ErrInvalidImage) || exitcode.Code(err) != exitcode.Usage {
				t.Errorf("ParseImageRef(%q) error %v: not ErrInvalidImage with exit 2", tt.in, err)
			}
			continue
		}
		if err != nil || repo != tt.repo || tag != tt.tag || digest != tt.digest {
			t.Errorf("ParseImageRef(%q) = %q, %q, %q, %v; want %q, %q, %q", tt.in, repo, tag, digest, err, tt.repo, tt.tag, tt.digest)
		}
	}
}

func TestParseImage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Image
		err  string
	}{
		{in: "app:v2", want: Image{Name: "app", Tag: "v2"}},
		{in: "app@" + digestA, want: Image{Name: "app", Digest: digestA}},
		{in: "app:v2@" + digestA, want: Image{Name: "app", Tag: "v2", Digest: digestA}},
		{in: "app=ghcr.io/org/app", want: Image{Name: "app", NewName: "ghcr.io/org/app"}},
		{in: "app=localhost:5000/app:v2@" + digestA, want: Image{Name: "app", NewName: "localhost:5000/app", Tag: "v2", Digest: digestA}},
		{in: "app=*:v2", want: Image{Name: "app", NewName: "*", Tag: "v2"}},
		{in: "app:*", want: Image{Name: "app", Tag: "*"}},
		{in: "app", err: "sets no new name, tag or digest"},
		{in: "app=", err: "sets no new name, tag or digest"},
		{in: "=x:1", err: "empty image name"},
		{in: "app:v2=x", err: "bad image name"},
		{in: "app=X", err: "new name"},
		{in: "app:bad tag", err: "bad tag"},
	}
	for _, tt := range tests {
		got, err := ParseImage(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || exitcode.Code(err) != exitcode.Usage {
				t.Errorf("ParseImage(%q) error = %v, want %q (exit 2)", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseImage(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if back, err := ParseImage(got.String()); err != nil || back != got {
			t.Errorf("ParseImage(%q.String() = %q) = %+v, %v", tt.in, got.String(), back, err)
		}
	}
}

func TestImageRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		img  Image
		want string
	}{
		{Image{Name: "app", Tag: "v1"}, "app:v1"},
		{Image{Name: "app", NewName: "reg/app", Tag: "v1", Digest: digestA}, "reg/app:v1@" + digestA},
		{Image{Name: "app", NewName: Preserve, Tag: Preserve, Digest: digestA}, "app@" + digestA},
	}
	for _, tt := range tests {
		if got := tt.img.Ref(); got != tt.want {
			t.Errorf("%+v.Ref() = %q, want %q", tt.img, got, tt.want)
		}
	}
}

func TestSplitRefMatchesKustomize(t *testing.T) {
	t.Parallel()
	// The cases of kustomize's image.Split (api/internal/image).
	tests := []struct{ in, name, tag, digest string }{
		{"nginx", "nginx", "", ""},
		{"nginx:1.0", "nginx", "1.0", ""},
		{"nginx@sha256:abc", "nginx", "", "sha256:abc"},
		{"nginx:1.0@sha256:abc", "nginx", "1.0", "sha256:abc"},
		{"localhost:5000/nginx", "localhost:5000/nginx", "", ""},
		{"localhost:5000/nginx:1.0", "localhost:5000/nginx", "1.0", ""},
		{"localhost:5000/nginx@sha256:abc", "localhost:5000/nginx", "", "sha256:abc"},
		{"a.b/c/d:e", "a.b/c/d", "e", ""},
	}
	for _, tt := range tests {
		n, tg, d := splitRef(tt.in)
		if n != tt.name || tg != tt.tag || d != tt.digest {
			t.Errorf("splitRef(%q) = %q, %q, %q; want %q, %q, %q", tt.in, n, tg, d, tt.name, tt.tag, tt.digest)
		}
	}
}

func TestPlainSafe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s         string
		flow      bool
		colonOK   bool
		wantPlain bool
	}{
		{s: "v1.2.3", wantPlain: true},
		{s: "1.2.3", wantPlain: true},
		{s: "app:v2", wantPlain: true},
		{s: digestA, wantPlain: true},
		{s: "1.0"}, {s: "10"}, {s: "1e3"}, {s: "0x1F"}, {s: "1_000"}, {s: "+1"}, {s: ".5"},
		{s: "yes"}, {s: "On"}, {s: "n"}, {s: "null"}, {s: "~"}, {s: "true"},
		{s: "2024-01-02"}, {s: ""}, {s: "a b"}, {s: "-x"}, {s: "*"}, {s: "a:"}, {s: "inf"}, {s: "NaN"},
		{s: "app:v2", flow: true},
		{s: "app:v2", flow: true, colonOK: true, wantPlain: true},
		{s: "app", flow: true, wantPlain: true},
	}
	for _, tt := range tests {
		if got := plainSafe(tt.s, tt.flow, tt.colonOK); got != tt.wantPlain {
			t.Errorf("plainSafe(%q, flow=%v, colonOK=%v) = %v", tt.s, tt.flow, tt.colonOK, got)
		}
	}
}
