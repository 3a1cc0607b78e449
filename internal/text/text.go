// Package text holds the few string helpers golden's messages share:
// one-line forms, cuts by runes or by bytes, and the head and tail of a
// tool's output. Each is decided here once.
package text

import (
	"strings"
	"unicode/utf8"
)

// OneLine collapses every run of white space in s, newlines included, to
// one space and trims it: a message fit for a single line.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Truncate shortens s to at most n runes, ending in "…" when cut. n must
// be at least 1.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// Clip shortens s to at most n bytes without splitting a UTF-8 sequence,
// marking the cut with "...", and makes it valid UTF-8.
func Clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	cut := max(n-len("..."), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// FirstLine is the first non-blank line of s, trimmed.
func FirstLine(s string) string {
	for l := range strings.SplitSeq(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return l
		}
	}
	return ""
}

// LastLines returns the last n non-blank lines of s, in order, without
// their carriage returns.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	var kept []string
	for i := len(lines) - 1; i >= 0 && len(kept) < n; i-- {
		if strings.TrimSpace(lines[i]) != "" {
			kept = append(kept, strings.TrimRight(lines[i], "\r"))
		}
	}
	for i, j := 0, len(kept)-1; i < j; i, j = i+1, j-1 {
		kept[i], kept[j] = kept[j], kept[i]
	}
	return strings.Join(kept, "\n")
}
