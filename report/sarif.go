package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/sarif"
)

// SARIF writes the findings of a run as a SARIF 2.1.0 log for GitHub code
// scanning: one SARIF run per tool of the named stages (every stage when
// none is named; a finding that names no tool is its stage's tool's, else
// the stage's). A stage that ran and names its tool (result.Stage.Tool)
// gives its tool a run even without findings, so that code scanning closes
// the alerts the tool no longer reports; a skipped or errored stage gives
// none, so that its alerts stay open. Secrets in opts are redacted.
func SARIF(w io.Writer, run *result.Run, opts Options, stages ...string) error {
	run = NewRedactor(opts.Secrets...).Run(run)
	byTool := map[string][]result.Finding{}
	for _, st := range run.Stages {
		if len(stages) > 0 && !slices.Contains(stages, st.Name) {
			continue
		}
		if st.Status == result.Skipped || st.Status == result.Errored {
			continue
		}
		if _, seen := byTool[st.Tool]; st.Tool != "" && !seen {
			byTool[st.Tool] = nil // the tool ran: an empty run closes its alerts
		}
		for _, f := range st.Findings {
			tool := cmp.Or(strings.TrimSpace(f.Tool), strings.TrimSpace(st.Tool), strings.TrimSpace(st.Name), "golden")
			byTool[tool] = append(byTool[tool], f)
		}
	}
	tools := make([]string, 0, len(byTool))
	for t := range byTool {
		tools = append(tools, t)
	}
	sort.Strings(tools)
	runs := make([]sarif.Run, 0, len(tools))
	for _, t := range tools {
		runs = append(runs, sarif.Run{Tool: t, Findings: byTool[t]})
	}
	if err := sarif.Write(w, runs...); err != nil {
		return fmt.Errorf("writing SARIF: %w", err)
	}
	return nil
}
