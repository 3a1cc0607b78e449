package report

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/result"
)

// GitLab's default limits of a dotenv report.
const (
	dotenvMaxVariables = 20
	dotenvMaxBytes     = 5 * 1024
)

// DotenvKey is the dotenv variable of an output: GOLDEN_ and the key in
// upper case with every character other than a letter, digit or '_'
// replaced by '_' (coverage is GOLDEN_COVERAGE, image-ref GOLDEN_IMAGE_REF).
func DotenvKey(key string) string {
	var b strings.Builder
	b.WriteString("GOLDEN_")
	for _, r := range strings.ToUpper(key) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// DotenvVars returns the variables of the dotenv report: the outputs of
// the run (see Outputs) named by DotenvKey, in the order of Outputs, with
// values on one line (GitLab's dotenv has no multi-line values; line breaks
// become spaces) and trimmed (GitLab strips them). Outputs with an empty
// value are left out, and of two outputs that map to the same variable the
// first (in key order) is kept; skipped says which outputs were left out
// and why.
func DotenvVars(run *result.Run) (vars []Output, skipped []string) {
	seen := map[string]string{}
	for _, o := range Outputs(run) {
		k := DotenvKey(o.Key)
		v := text.OneLine(o.Value)
		if v == "" {
			skipped = append(skipped, fmt.Sprintf("output %q not in the dotenv report: empty value", o.Key))
			continue
		}
		if first, dup := seen[k]; dup {
			skipped = append(skipped, fmt.Sprintf("output %q not in the dotenv report: %s is already output %q", o.Key, k, first))
			continue
		}
		seen[k] = o.Key
		vars = append(vars, Output{Key: k, Value: v})
	}
	return vars, skipped
}

// Dotenv writes the dotenv report (artifacts:reports:dotenv): one
// KEY=value line per variable of DotenvVars, without blank lines, comments
// or quotes, which GitLab does not support. GitLab expands $VAR references
// in dotenv values and by default accepts at most 20 variables and 5 KB.
func Dotenv(w io.Writer, run *result.Run, opts Options) error {
	return render(w, run, opts, func(buf *bytes.Buffer, run *result.Run, _ Options) error {
		vars, _ := DotenvVars(run)
		writeDotenv(buf, vars)
		return nil
	})
}

func writeDotenv(buf *bytes.Buffer, vars []Output) {
	for _, v := range vars {
		buf.WriteString(v.Key + "=" + v.Value + "\n")
	}
}
