package text

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzLastLines feeds tool output to LastLines: it never panics and keeps at most n
// lines, each one of the input's.
func FuzzLastLines(f *testing.F) {
	f.Add("a\nb\n\nc\r\n", 2)
	f.Add("", 0)
	f.Add("\n\n\n", 5)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 100 {
			return
		}
		got := LastLines(s, n)
		if got == "" {
			return
		}
		lines := strings.Split(got, "\n")
		if len(lines) > n {
			t.Fatalf("LastLines(%q, %d) has %d lines", s, n, len(lines))
		}
		for _, l := range lines {
			if !strings.Contains(s, l) {
				t.Fatalf("LastLines(%q, %d) made up line %q", s, n, l)
			}
		}
		if utf8.ValidString(s) && !utf8.ValidString(got) {
			t.Fatalf("LastLines broke UTF-8: %q", got)
		}
	})
}
