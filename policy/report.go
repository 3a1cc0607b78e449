package policy

import (
	"fmt"
	"strings"

	"github.com/goldenci/golden/result"
)

// Report is the outcome of a check.
type Report struct {
	// Namespaces are the namespaces checked.
	Namespaces []string
	// Files are the files (and renderings) checked, in order.
	Files []string
	// Documents counts the documents checked.
	Documents int
	// Successes counts the rules that passed, as conftest counts them.
	Successes int
	// Results are the failures, warnings and exceptions, by document,
	// namespace and rule.
	Results []Result
}

// Failed reports whether any rule failed.
func (r Report) Failed() bool { return r.count(Failure) > 0 }

// Failures returns the failures.
func (r Report) Failures() []Result { return r.only(Failure) }

// Warnings returns the warnings.
func (r Report) Warnings() []Result { return r.only(Warning) }

// Exceptions returns the exceptions.
func (r Report) Exceptions() []Result { return r.only(Exception) }

// Tests counts what conftest calls tests: successes and results.
func (r Report) Tests() int { return r.Successes + len(r.Results) }

func (r Report) only(k Kind) []Result {
	var out []Result
	for _, x := range r.Results {
		if x.Kind == k {
			out = append(out, x)
		}
	}
	return out
}

func (r Report) count(k Kind) int {
	n := 0
	for _, x := range r.Results {
		if x.Kind == k {
			n++
		}
	}
	return n
}

// Summary is conftest's closing line: "5 tests, 3 passed, 1 warning,
// 1 failure, 0 exceptions".
func (r Report) Summary() string {
	return fmt.Sprintf("%s, %d passed, %s, %s, %s", plural(r.Tests(), "test"), r.Successes,
		plural(r.count(Warning), "warning"), plural(r.count(Failure), "failure"), plural(r.count(Exception), "exception"))
}

// Verdict is one line for a stage's summary and a dry run: "policy
// passed: 3 documents of 1 file, 12 tests, 12 passed, 0 warnings, 0
// failures, 0 exceptions".
func (r Report) Verdict() string {
	verdict := "passed"
	if r.Failed() {
		verdict = "failed"
	}
	return fmt.Sprintf("policy %s: %s of %s, %s", verdict, plural(r.Documents, "document"), plural(len(r.Files), "file"), r.Summary())
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// The severities of policy findings: a failure fails the gate, a warning
// does not.
const (
	FailureSeverity = result.High
	WarningSeverity = result.Medium
)

// Findings returns the failures and warnings as golden findings of kind
// policy (exceptions are not problems): the rule is NAMESPACE.RULE, the
// message the policy's, followed by the Kubernetes object when it does
// not name it, the file and line the document's.
func (r Report) Findings() []result.Finding {
	var out []result.Finding
	for _, x := range r.Results {
		sev := FailureSeverity
		switch x.Kind {
		case Warning:
			sev = WarningSeverity
		case Exception:
			continue
		}
		msg := x.Message
		if x.Resource != "" && !strings.Contains(msg, x.Resource) {
			msg += " (" + x.Resource + ")"
		}
		out = append(out, result.Finding{
			Tool: Tool, Kind: result.KindPolicy, RuleID: x.Namespace + "." + x.Rule, Severity: sev,
			Message: msg, File: x.File, Line: x.Line,
		})
	}
	return out
}
