package gitrepo

import (
	"regexp"
	"strings"

	"github.com/goldenci/golden/exitcode"
)

// Trailer is one "Key: value" line at the end of a commit message, as git
// interpret-trailers writes them, e.g. {"Golden-Image", "ghcr.io/o/app"}.
type Trailer struct {
	Key   string
	Value string
}

// String is the trailer's line, "Key: value".
func (t Trailer) String() string { return t.Key + ": " + t.Value }

var trailerKeyRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

// FormatMessage returns message followed by the trailers, one per line,
// after a blank line (or, when the message already ends with a paragraph
// of trailers, in that paragraph). Line endings become "\n" and the result
// ends with one. A trailer key is letters, digits and dashes; a value is
// one non-empty line. An empty message or a bad trailer is an input error
// (exit 2).
func FormatMessage(message string, trailers []Trailer) (string, error) {
	msg := strings.TrimRight(strings.ReplaceAll(message, "\r\n", "\n"), " \t\r\n")
	if strings.TrimSpace(msg) == "" {
		return "", exitcode.Inputf("empty commit message")
	}
	if len(trailers) == 0 {
		return msg + "\n", nil
	}
	var b strings.Builder
	b.WriteString(msg)
	if len(ParseTrailers(msg)) > 0 {
		b.WriteString("\n")
	} else {
		b.WriteString("\n\n")
	}
	for i, t := range trailers {
		if !trailerKeyRE.MatchString(t.Key) {
			return "", exitcode.Inputf("trailer %d: invalid key %q: want letters, digits and dashes", i+1, t.Key)
		}
		v := strings.TrimSpace(t.Value)
		if v == "" {
			return "", exitcode.Inputf("trailer %d (%s): empty value", i+1, t.Key)
		}
		if strings.ContainsAny(v, "\r\n") {
			return "", exitcode.Inputf("trailer %d (%s): value spans lines", i+1, t.Key)
		}
		b.WriteString(t.Key + ": " + v + "\n")
	}
	return b.String(), nil
}

// ParseTrailers returns the trailers of a commit message: the lines of its
// last paragraph when every line there is "Key: value" (lines starting with
// a space or tab continue the previous value). A message whose last
// paragraph is also its first (a subject alone) has no trailers. It never
// fails: a message without trailers gives nil.
func ParseTrailers(message string) []Trailer {
	msg := strings.TrimRight(strings.ReplaceAll(message, "\r\n", "\n"), " \t\r\n")
	i := strings.LastIndex(msg, "\n\n")
	if i < 0 {
		return nil
	}
	para := strings.TrimLeft(msg[i+2:], "\n")
	if strings.TrimSpace(msg[:i]) == "" || para == "" {
		return nil
	}
	var out []Trailer
	for _, line := range strings.Split(para, "\n") {
		if line != "" && (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			out[len(out)-1].Value = strings.TrimSpace(out[len(out)-1].Value + " " + strings.TrimSpace(line))
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || !trailerKeyRE.MatchString(k) {
			return nil
		}
		out = append(out, Trailer{Key: k, Value: strings.TrimSpace(v)})
	}
	return out
}
