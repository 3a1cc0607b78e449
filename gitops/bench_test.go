package gitops

import (
	"fmt"
	"strings"
	"testing"
)

// largeManifests returns n Deployments in one multi-document file, each
// with an init container and two containers, one of them ghcr.io/acme/web.
func largeManifests(n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `---
# deployment %[1]d
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-%[1]d
  labels: {app: web, shard: "%[1]d"}
spec:
  replicas: 3
  template:
    spec:
      initContainers:
        - name: migrate
          image: "ghcr.io/acme/web:1.0.0"
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0 # bumped by CI
          args: [--port, "8080"]
        - name: proxy
          image: ghcr.io/acme/proxy:2.1
`, i)
	}
	return []byte(b.String())
}

// BenchmarkUpdateBytesLarge rewrites 2000 image fields in a 1000-document
// file (about 0.5 MB).
func BenchmarkUpdateBytesLarge(b *testing.B) {
	data := largeManifests(1000)
	img := Image{Name: "ghcr.io/acme/web", Tag: "1.1.0", Digest: digestA}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_, changes, err := UpdateBytes("all.yaml", data, img, Options{})
		if err != nil || len(changes) != 2000 {
			b.Fatalf("%d changes, %v", len(changes), err)
		}
	}
}

// BenchmarkUpdateBytesLargeNoop reads the same file when it is up to date.
func BenchmarkUpdateBytesLargeNoop(b *testing.B) {
	data := largeManifests(1000)
	img := Image{Name: "ghcr.io/acme/web", Tag: "1.0.0"}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_, changes, err := UpdateBytes("all.yaml", data, img, Options{})
		if err != nil || len(changes) != 0 {
			b.Fatalf("%d changes, %v", len(changes), err)
		}
	}
}

// BenchmarkCurrentImageLarge reads an image from the large file.
func BenchmarkCurrentImageLarge(b *testing.B) {
	data := largeManifests(1000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := CurrentImageBytes("all.yaml", data, "ghcr.io/acme/proxy", Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
