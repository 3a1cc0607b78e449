package report

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goldenci/golden/result"
)

// Canary secrets: a plain one, one made of the characters every output
// format escapes differently, and a two-line one.
const (
	canary      = "GOLDEN-CANARY-7f3a9c1e"
	specialCary = `sp3c:al,C%<&>"'!`
	multiLine   = "first-line-canary-11\nsecond-line-canary-22\n"
)

var canarySecrets = []string{canary, specialCary, multiLine}

// leakForms are the ways a secret could show up in an output: raw, and as
// XML, JSON, GitHub command and Markdown encode it.
func leakForms(t *testing.T) []string {
	t.Helper()
	var forms []string
	for _, s := range []string{canary, specialCary, "first-line-canary-11", "second-line-canary-22"} {
		var x bytes.Buffer
		if err := xml.EscapeText(&x, []byte(s)); err != nil {
			t.Fatal(err)
		}
		j, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		prop := strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
		forms = append(forms, s, x.String(), strings.Trim(string(j), `"`), prop, mdEscaper.Replace(s))
	}
	return forms
}

// injectCanaries appends the canaries to every plain string of v (not to
// statuses, severities or kinds, which are typed), map keys included.
func injectCanaries(v reflect.Value) {
	const suffix = " " + canary + " " + specialCary + " second-line-canary-22"
	stringType := reflect.TypeFor[string]()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			injectCanaries(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				injectCanaries(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			injectCanaries(v.Index(i))
		}
	case reflect.Map:
		m := map[string]string{}
		for k, val := range v.Interface().(map[string]string) {
			m["k"+strings.ReplaceAll(k+suffix, " ", "-")] = val + suffix
		}
		v.Set(reflect.ValueOf(m))
	case reflect.String:
		if v.Type() == stringType && v.CanSet() {
			v.SetString(v.String() + suffix)
		}
	}
}

func canaryRun(t *testing.T) *result.Run {
	run := fixture(t)
	injectCanaries(reflect.ValueOf(run))
	run.SetOutput("leak", canary+" "+specialCary+"\nsecond-line-canary-22")
	// Make sure the injection reached what the renderers print.
	if !strings.Contains(run.Stages[1].Tests[1].Output, canary) || !strings.Contains(run.Coverage.Files[0].Path, canary) ||
		!strings.Contains(run.Image.Tags[0], canary) || !strings.Contains(run.Stages[0].Findings[0].Message, canary) {
		t.Fatal("canaries were not injected")
	}
	return run
}

// checkNoLeak fails when out holds a secret in any form.
func checkNoLeak(t *testing.T, name string, out []byte) {
	t.Helper()
	if len(out) == 0 {
		t.Errorf("%s: empty output", name)
	}
	for _, form := range leakForms(t) {
		if bytes.Contains(out, []byte(form)) {
			t.Errorf("%s leaks a secret as %q:\n%s", name, form, out)
		}
	}
}

// Secrets appear in no output at all, except the ::add-mask:: commands
// that come before anything else.
func TestMaskingCanaries(t *testing.T) {
	t.Parallel()
	opts := goldenOpts
	opts.Secrets = canarySecrets
	run := canaryRun(t)

	// GitHub.
	getenv, outPath, summaryPath := githubEnv(t.TempDir())
	var stdout bytes.Buffer
	res, err := RenderGitHub(&stdout, getenv, run, opts)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(stdout.String(), "\n")
	wantMasks := []string{
		"::add-mask::" + canary + "\n",
		"::add-mask::sp3c:al,C%25<&>\"'!\n",
		"::add-mask::first-line-canary-11\n",
		"::add-mask::second-line-canary-22\n",
	}
	for i, want := range wantMasks {
		if lines[i] != want {
			t.Errorf("stdout line %d = %q, want %q", i+1, lines[i], want)
		}
	}
	checkNoLeak(t, "GitHub stdout after the masks", []byte(strings.Join(lines[len(wantMasks):], "")))
	if strings.Count(stdout.String(), "::add-mask::") != len(wantMasks) {
		t.Error("add-mask commands after the first lines")
	}
	checkNoLeak(t, "GITHUB_OUTPUT", readFile(t, outPath))
	checkNoLeak(t, "GITHUB_STEP_SUMMARY", readFile(t, summaryPath))
	checkNoLeak(t, "GitHub warnings", []byte(strings.Join(res.Warnings, "\n")+"x"))
	for _, o := range res.Outputs {
		checkNoLeak(t, "GitHub output "+o.Key, []byte(o.Key+"="+o.Value))
	}

	// GitLab.
	dir := t.TempDir()
	stdout.Reset()
	gl, err := RenderGitLab(dir, &stdout, run, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkNoLeak(t, "GitLab stdout", stdout.Bytes())
	checkNoLeak(t, "GitLab warnings", []byte(strings.Join(gl.Warnings, "\n")+"x"))
	for _, f := range gl.Files {
		checkNoLeak(t, filepath.Base(f), readFile(t, f))
	}
	if b := readFile(t, filepath.Join(dir, JUnitFile)); !bytes.Contains(b, []byte(Redacted)) {
		t.Errorf("junit.xml shows no %s:\n%s", Redacted, b)
	}

	// Every renderer on its own.
	for name, render := range map[string]func(*bytes.Buffer) error{
		"Local":         func(b *bytes.Buffer) error { return Local(b, run, opts) },
		"GitHubSummary": func(b *bytes.Buffer) error { return GitHubSummary(b, run, opts) },
		"JUnit":         func(b *bytes.Buffer) error { return JUnit(b, run, opts) },
		"Cobertura":     func(b *bytes.Buffer) error { return Cobertura(b, run, opts) },
		"CodeQuality":   func(b *bytes.Buffer) error { return CodeQuality(b, run, opts) },
		"Dotenv":        func(b *bytes.Buffer) error { return Dotenv(b, run, opts) },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkNoLeak(t, name, b.Bytes())
	}

	// Without the secrets, the canaries do show: the test would notice a
	// renderer that prints nothing.
	var b bytes.Buffer
	if err := Local(&b, run, goldenOpts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte(canary)) {
		t.Error("unmasked local output holds no canary")
	}
}

// Redaction leaves the caller's run alone.
func TestRedactorCopies(t *testing.T) {
	t.Parallel()
	run := canaryRun(t)
	before, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	clean := NewRedactor(canarySecrets...).Run(run)
	after, err := json.Marshal(run)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("Redactor.Run changed its argument")
	}
	got, err := json.Marshal(clean)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got, []byte(canary)) || !clean.StartedAt.Equal(run.StartedAt) || len(clean.Stages) != len(run.Stages) {
		t.Errorf("redacted copy is wrong:\n%s", got)
	}
}

func TestRedactor(t *testing.T) {
	t.Parallel()
	r := NewRedactor("abc", "abcdef", "", "  \n", "line1\r\nline2", "abc")
	if got, want := r.Secrets(), []string{"abc", "abcdef", "line1", "line2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Secrets() = %q, want %q", got, want)
	}
	for in, want := range map[string]string{
		"x abcdef y":  "x *** y",
		"abcabc":      "******",
		"line1 line2": "*** ***",
		"nothing":     "nothing",
	} {
		if got := r.String(in); got != want {
			t.Errorf("String(%q) = %q, want %q", in, got, want)
		}
	}
	var none *Redactor
	if none.String("abc") != "abc" || NewRedactor().String("abc") != "abc" || none.Run(nil) != nil {
		t.Error("an empty Redactor changes strings")
	}
}

// A report written while the secret's environment variable is set holds
// the secret nowhere on disk.
func TestMaskingFilesOnDisk(t *testing.T) {
	t.Parallel()
	opts := goldenOpts
	opts.Secrets = canarySecrets
	dir := t.TempDir()
	if _, err := RenderGitLab(dir, &bytes.Buffer{}, canaryRun(t), opts); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		checkNoLeak(t, path, readFile(t, path))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
