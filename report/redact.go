package report

import (
	"reflect"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/goldenci/golden/result"
)

// Redacted replaces a secret value in every output, as GitHub's log
// masking does.
const Redacted = "***"

// Redactor removes secret values from strings and runs.
//
// A multi-line secret is masked line by line (each line trimmed of
// surrounding blanks), which is also what GitHub recommends for
// ::add-mask::; empty lines are ignored. The nil Redactor redacts nothing.
type Redactor struct {
	secrets  []string
	replacer *strings.Replacer
}

// NewRedactor returns a Redactor for the given secret values.
func NewRedactor(values ...string) *Redactor {
	seen := map[string]bool{}
	var secrets []string
	for _, v := range values {
		for _, line := range strings.Split(v, "\n") {
			line = strings.TrimSpace(line)
			if line == "" || seen[line] {
				continue
			}
			seen[line] = true
			secrets = append(secrets, line)
		}
	}
	r := &Redactor{secrets: secrets}
	if len(secrets) > 0 {
		// strings.Replacer tries the pairs in argument order at each
		// position: longest first, so a secret containing another is
		// redacted whole.
		byLen := append([]string(nil), secrets...)
		sort.SliceStable(byLen, func(i, j int) bool { return len(byLen[i]) > len(byLen[j]) })
		pairs := make([]string, 0, 2*len(byLen))
		for _, s := range byLen {
			pairs = append(pairs, s, Redacted)
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	return r
}

// Secrets returns the values masked, in the order given, without
// duplicates or empty lines.
func (r *Redactor) Secrets() []string {
	if r == nil {
		return nil
	}
	return append([]string(nil), r.secrets...)
}

// String returns s with every secret replaced by Redacted.
func (r *Redactor) String(s string) string {
	if r == nil || r.replacer == nil {
		return s
	}
	return r.replacer.Replace(s)
}

// Bytes returns b with every secret replaced by Redacted.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil || r.replacer == nil {
		return b
	}
	return []byte(r.replacer.Replace(string(b)))
}

// Run returns a deep copy of run with every secret redacted from every
// string in it (messages, test output, names, paths, outputs and their
// keys, ...). run itself is not changed.
func (r *Redactor) Run(run *result.Run) *result.Run {
	if run == nil {
		return nil
	}
	if r == nil || r.replacer == nil {
		// Still copy, so that callers may rely on owning the result.
		return copyValue(reflect.ValueOf(run), func(s string) string { return s }).Interface().(*result.Run)
	}
	return copyValue(reflect.ValueOf(run), r.String).Interface().(*result.Run)
}

// copyValue deep-copies v, passing every string through f. Unexported
// fields (such as time.Time's) are copied as they are.
func copyValue(v reflect.Value, f func(string) string) reflect.Value {
	switch v.Kind() {
	case reflect.String:
		out := reflect.New(v.Type()).Elem()
		out.SetString(f(v.String()))
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(copyValue(v.Elem(), f))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		out.Set(v)
		for i := 0; i < v.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(copyValue(v.Field(i), f))
			}
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(copyValue(v.Index(i), f))
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return v
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out.SetMapIndex(copyValue(iter.Key(), f), copyValue(iter.Value(), f))
		}
		return out
	case reflect.Array:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(copyValue(v.Index(i), f))
		}
		return out
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(copyValue(v.Elem(), f))
		return out
	}
	return v
}

// ansiEscape matches terminal escape sequences: CSI (colours, cursor
// moves), OSC (titles, hyperlinks) and two-character escapes.
var ansiEscape = regexp.MustCompile(`\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])`)

// stripANSI removes terminal escape sequences, such as the colours of test
// output, which no report format can show.
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	return ansiEscape.ReplaceAllString(s, "")
}

// prepare is the run every renderer works on: a copy with every string
// cleaned (see cleanText) and its secrets redacted.
func prepare(run *result.Run, red *Redactor) *result.Run {
	if run == nil {
		return nil
	}
	return copyValue(reflect.ValueOf(run), func(s string) string { return red.String(cleanText(s)) }).Interface().(*result.Run)
}

// cleanText strips terminal escape sequences and replaces invalid UTF-8
// and control characters other than tab and line breaks with U+FFFD, so
// that every format can hold the text.
func cleanText(s string) string {
	s = strings.ToValidUTF8(stripANSI(s), "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || !unicode.IsControl(r) {
			return r
		}
		return '\uFFFD'
	}, s)
}
