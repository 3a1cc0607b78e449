package gitops

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goldenci/golden/internal/testsupport/testtool"
	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// TestKustomizeAgrees runs the real kustomize edit set image on the
// original of every golden case marked "kustomize" and checks that its
// kustomization holds the same data as ours. kustomize rewrites the whole
// file (sorting the images list and each entry's fields, dropping
// comments, adding apiVersion and kind); gitops edits in place, so the
// comparison is of the data, with the images list sorted by name.
func TestKustomizeAgrees(t *testing.T) {
	t.Parallel()
	kustomize := testtool.Path(t, "kustomize")
	forCases(t, "marked kustomize", func(c goldenCase) bool { return c.Kustomize }, func(t *testing.T, dir string, c goldenCase) {
		work := t.TempDir()
		copyDir(t, filepath.Join(dir, "original"), work)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		name := kustomizationIn(t, work)
		before := kustomizeData(t, filepath.Join(work, name))
		spec := editSetImage(c.Image)
		cmd := exec.CommandContext(ctx, kustomize, "edit", "set", "image", spec)
		cmd.Dir = filepath.Join(work, c.Path)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("kustomize edit set image %s: %v\n%s", spec, err, out)
		}
		theirs := kustomizeData(t, filepath.Join(work, name))
		ours := kustomizeData(t, filepath.Join(dir, "expected", name))
		if diff := diffKustomize(t, c.Image, before, theirs, ours); diff != "" {
			t.Errorf("data differs from kustomize's (-kustomize +gitops):\n%s", diff)
		}
	})
}

// editSetImage returns the kustomize edit set image argument that asks
// for what Update does with img. kustomize replaces the entry with what
// it is given, so what img does not name is given as "*" (keep): the
// new name when img has none, the tag and the digest when img gives
// neither.
func editSetImage(img Image) string {
	if img.NewName == "" {
		img.NewName = Preserve
	}
	if img.Tag == "" && img.Digest == "" {
		img.Tag, img.Digest = Preserve, Preserve
	}
	return img.String()
}

// diffKustomize compares the data kustomize edit set image wrote
// (theirs) with gitops's (ours), both from before. kustomize adds
// apiVersion and kind, and always drops tagSuffix: gitops keeps it where
// it still applies, an entry whose newTag and digest stay or end empty,
// which is checked here and then left out.
func diffKustomize(t *testing.T, img Image, before, theirs, ours map[string]any) string {
	t.Helper()
	for _, k := range []string{"apiVersion", "kind"} {
		if _, ok := ours[k]; !ok {
			delete(theirs, k)
		}
	}
	old := imageEntry(before, img.Name)
	if e := imageEntry(ours, img.Name); e != nil && e[tagSuffix] != "" {
		unchanged := e["newTag"] == old["newTag"] && e["digest"] == old["digest"]
		if e[tagSuffix] != old[tagSuffix] || !unchanged && (e["newTag"] != "" || e["digest"] != "") {
			t.Errorf("tagSuffix %q kept next to a new tag or digest: before %v, after %v", e[tagSuffix], old, e)
		}
		delete(e, tagSuffix)
	}
	return cmp.Diff(theirs, ours)
}

// imageEntry returns the images entry named name of kustomizeData.
func imageEntry(m map[string]any, name string) map[string]string {
	imgs, _ := m["images"].([]map[string]string)
	for _, e := range imgs {
		if e["name"] == name {
			return e
		}
	}
	return nil
}

// TestKustomizeBuildRenders runs the real kustomize build on the updated
// directory of every golden case that says what it renders: every
// container must run that image, the one that would be deployed.
func TestKustomizeBuildRenders(t *testing.T) {
	t.Parallel()
	kustomize := testtool.Path(t, "kustomize")
	forCases(t, "that says what it renders", func(c goldenCase) bool { return c.Renders != "" }, func(t *testing.T, dir string, c goldenCase) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		built, err := exec.CommandContext(ctx, kustomize, "build", filepath.Join(dir, "expected", c.Path)).Output()
		if err != nil {
			t.Fatalf("kustomize build: %v", err)
		}
		imgs := containerImages(t, built)
		if len(imgs) == 0 {
			t.Fatalf("kustomize build rendered no container:\n%s", built)
		}
		for field, img := range imgs {
			if img != c.Renders {
				t.Errorf("%s runs %s, want %s", field, img, c.Renders)
			}
		}
	})
}

func kustomizationIn(t *testing.T, dir string) string {
	t.Helper()
	for _, name := range KustomizationFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return name
		}
	}
	t.Fatalf("no kustomization in %s", dir)
	return ""
}

// kustomizeData decodes a kustomization, with its images list sorted by
// name and each entry's empty fields dropped (kustomize reads "" as unset),
// and a newName equal to the name too (it renders the same).
func kustomizeData(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if m == nil {
		m = map[string]any{}
	}
	imgs, _ := m["images"].([]any)
	var norm []map[string]string
	for _, it := range imgs {
		e := map[string]string{}
		for k, v := range it.(map[string]any) {
			if s, _ := v.(string); s != "" {
				e[k] = s
			}
		}
		if e["newName"] == e["name"] {
			delete(e, "newName")
		}
		norm = append(norm, e)
	}
	slices.SortFunc(norm, func(a, b map[string]string) int { return strings.Compare(a["name"], b["name"]) })
	if norm != nil {
		m["images"] = norm
	}
	return m
}

// TestKustomizeAgreesRandom is a differential test: random kustomizations
// in many styles (indentation, comments, quoting, flow and block, CRLF)
// and random images, rewritten by gitops and by the real kustomize, must
// hold the same data. The seed is fixed so a failure reproduces.
func TestKustomizeAgreesRandom(t *testing.T) {
	t.Parallel()
	kustomize := testtool.Path(t, "kustomize")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 100 {
		text, img := randomKustomization(rng)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			ours, _, err := UpdateBytes("kustomization.yaml", []byte(text), img, Options{})
			if err != nil {
				t.Fatalf("UpdateBytes(%s): %v\n%s", img, err, text)
			}
			checkOnlyImageLines(t, text, string(ours))
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"kustomization.yaml": text, "ours.yaml": string(ours)})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			before := kustomizeData(t, filepath.Join(dir, "kustomization.yaml"))
			spec := editSetImage(img)
			cmd := exec.CommandContext(ctx, kustomize, "edit", "set", "image", spec)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("kustomize edit set image %s: %v\n%s", spec, err, out)
			}
			theirs := kustomizeData(t, filepath.Join(dir, "kustomization.yaml"))
			mine := kustomizeData(t, filepath.Join(dir, "ours.yaml"))
			if diff := diffKustomize(t, img, before, theirs, mine); diff != "" {
				t.Errorf("image %s on\n%s\ngitops wrote\n%s\ndata differs from kustomize's (-kustomize +gitops):\n%s", img, text, ours, diff)
			}
		})
	}
}

// randomKustomization builds a kustomization in a random style and an
// image to set in it.
func randomKustomization(rng *rand.Rand) (string, Image) {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	names := []string{"api", "ghcr.io/acme/web", "localhost:5000/cart", "zeta"}
	quote := func(s string) string {
		switch rng.IntN(3) {
		case 0:
			return "'" + s + "'"
		case 1:
			return `"` + s + `"`
		}
		if plainSafe(s, false, false) {
			return s
		}
		return `"` + s + `"`
	}
	comment := func() string {
		if rng.IntN(3) == 0 {
			return "  # " + pick("pinned", "bumped by CI", "x: y")
		}
		return ""
	}
	var entries [][]pair
	for _, n := range names {
		if rng.IntN(2) == 0 {
			continue
		}
		e := []pair{{"name", n}}
		if rng.IntN(2) == 0 {
			e = append(e, pair{"newName", "registry.acme.io/" + strings.ReplaceAll(n, ":", "-")})
		}
		if rng.IntN(2) == 0 {
			e = append(e, pair{"newTag", pick("v1", "1.0", "10", "2024.01.02")})
		}
		if rng.IntN(3) == 0 {
			e = append(e, pair{"digest", digestB})
		}
		if rng.IntN(6) == 0 {
			e = append(e, pair{"tagSuffix", "-debug"})
		}
		rng.Shuffle(len(e), func(i, j int) { e[i], e[j] = e[j], e[i] })
		entries = append(entries, e)
	}
	br := pick("\n", "\n", "\r\n")
	var b strings.Builder
	line := func(s string) { b.WriteString(s + br) }
	if rng.IntN(2) == 0 {
		line("# kustomization")
	}
	line("resources:")
	ind := pick("", "  ", "    ")
	line(ind + "- deployment.yaml" + comment())
	switch {
	case len(entries) == 0 && rng.IntN(2) == 0:
		// no images key
	case rng.IntN(4) == 0: // flow
		var items []string
		for _, e := range entries {
			var ps []string
			for _, p := range e {
				ps = append(ps, p.key+": "+quote(p.value))
			}
			items = append(items, "{"+strings.Join(ps, ", ")+"}")
		}
		line("images: [" + strings.Join(items, ", ") + "]" + comment())
	case len(entries) == 0:
		line("images:" + comment())
	default:
		line("images:" + comment())
		for _, e := range entries {
			if rng.IntN(3) == 0 {
				line(ind + "# entry")
			}
			for k, p := range e {
				prefix := ind + "  "
				if k == 0 {
					prefix = ind + "- "
				}
				line(prefix + p.key + ": " + quote(p.value) + comment())
			}
		}
	}
	if rng.IntN(2) == 0 {
		line("namespace: shop" + comment())
	}
	img := Image{Name: names[rng.IntN(len(names))]}
	for img.NewName == "" && img.Tag == "" && img.Digest == "" {
		img.NewName = pick("", "", "*", "registry.acme.io/other", img.Name)
		img.Tag = pick("", "*", "v2", "1.0", "11")
		img.Digest = pick("", "", "*", digestA)
	}
	return b.String(), img
}

// TestImageTransformerAgrees is a differential test of the manifests
// semantics against kustomize's image transformer: random workloads are
// rewritten by gitops, and built by the real kustomize build with an
// images entry for the same image; every container image must come out
// the same.
func TestImageTransformerAgrees(t *testing.T) {
	t.Parallel()
	kustomize := testtool.Path(t, "kustomize")
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 60 {
		text, img := randomManifests(rng)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			t.Parallel()
			ours, _, err := UpdateBytes("all.yaml", []byte(text), img, Options{})
			if errors.Is(err, ErrImageNotFound) {
				ours = []byte(text) // kustomize leaves everything as it is
			} else if err != nil {
				t.Fatalf("UpdateBytes(%s): %v\n%s", img, err, text)
			}
			entry := "- name: " + img.Name + "\n"
			for _, f := range []struct{ k, v string }{{"newName", img.NewName}, {"newTag", img.Tag}, {"digest", img.Digest}} {
				if f.v != "" {
					entry += "  " + f.k + ": " + strconv.Quote(f.v) + "\n"
				}
			}
			dir := t.TempDir()
			writeFiles(t, dir, map[string]string{"all.yaml": text, "kustomization.yaml": "resources:\n- all.yaml\nimages:\n" + entry})
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, kustomize, "build", dir)
			built, err := cmd.Output()
			if err != nil {
				t.Fatalf("kustomize build: %v", err)
			}
			if diff := cmp.Diff(containerImages(t, built), containerImages(t, ours)); diff != "" {
				t.Errorf("image %s on\n%s\n(-kustomize build +gitops):\n%s", img, text, diff)
			}
		})
	}
}

// containerImages maps "Kind/name field" to each container image.
func containerImages(t *testing.T, data []byte) map[string]string {
	t.Helper()
	d, err := parseDoc("out.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, f := range d.imageFields() {
		m[f.object+" "+f.field] = f.node.Value
	}
	return m
}

func randomManifests(rng *rand.Rand) (string, Image) {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	names := []string{"ghcr.io/acme/web", "localhost:5000/app", "busybox"}
	image := func() string {
		ref := pick(names...)
		if rng.IntN(5) == 0 {
			ref += "-other"
		}
		switch rng.IntN(4) {
		case 1:
			ref += ":" + pick("1.0", "v2", "latest")
		case 2:
			ref += "@" + digestB
		case 3:
			ref += ":1.0@" + digestB
		}
		return ref
	}
	text := fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: %s
      containers:
      - name: a
        image: %s
      - name: b
        image: '%s'
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: job
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: c
            image: "%s"
---
apiVersion: v1
kind: Pod
metadata:
  name: pod
spec:
  containers: [{name: d, image: %s}]
`, image(), image(), image(), image(), image())
	img := Image{Name: pick(names...)}
	for img.NewName == "" && img.Tag == "" && img.Digest == "" {
		img.NewName = pick("", "", "registry.acme.io/new")
		img.Tag = pick("", "v3", "2.0")
		img.Digest = pick("", "", digestA)
	}
	return text, img
}

// checkOnlyImageLines checks that the lines an update removed or changed
// are image lines: an images entry's newName, newTag, digest or tagSuffix,
// the images key, or a line that only moved up behind a dash.
func checkOnlyImageLines(t *testing.T, before, after string) {
	t.Helper()
	removed, added := lineDiff(strings.SplitAfter(before, "\n"), strings.SplitAfter(after, "\n"))
	trim := func(l string) string { return strings.TrimLeft(strings.TrimSpace(l), "- ") }
	moved := map[string]bool{}
	for _, l := range added {
		moved[trim(l)] = true
	}
	for _, l := range removed {
		ok := moved[trim(l)]
		for _, k := range []string{"newName:", "newTag:", "digest:", "tagSuffix:", "images:"} {
			ok = ok || strings.Contains(l, k)
		}
		if !ok {
			t.Errorf("the update removed or changed line %q:\n%s\n->\n%s", l, before, after)
		}
	}
}

// lineDiff returns the lines of a not in a longest common subsequence of
// a and b, and those of b not in it.
func lineDiff(a, b []string) (removed, added []string) {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			i, j = i+1, j+1
		case lcs[i+1][j] >= lcs[i][j+1]:
			removed = append(removed, a[i])
			i++
		default:
			added = append(added, b[j])
			j++
		}
	}
	return append(removed, a[i:]...), append(added, b[j:]...)
}
