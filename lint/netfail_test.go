package lint

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/netfail"
	"github.com/goldenci/golden/result"
)

// realReport is the golangci-lint report of a netfailtest scenario, as
// package netfail keeps it (go test ./netfail -run TestRealOutputs -update
// runs the real golangci-lint again).
func realReport(t testing.TB, scenario string) string {
	t.Helper()
	return filepath.Join("..", "netfail", "testdata", "real", scenario, "report.json")
}

// TestParseGolangciNetworkFailure reads the real reports of golangci-lint
// run with a module proxy that refuses connections or does not resolve: the
// packages could not be loaded, which golangci-lint reports as a typecheck
// issue. That is no finding but an infrastructure failure (exit 3) naming
// the host. A compile error that quotes a network error stays a finding.
func TestParseGolangciNetworkFailure(t *testing.T) {
	t.Parallel()
	for scenario, host := range map[string]string{
		"golangci-lint-refused":  "127.0.0.1:1",
		"golangci-lint-nxdomain": "proxy.invalid",
	} {
		findings, err := ParseFile(realReport(t, scenario), GolangciLint, Options{})
		if exitcode.Code(err) != exitcode.Infra || !errors.Is(err, netfail.ErrNetwork) {
			t.Errorf("%s: findings %+v, err %v (exit %d); want a network failure", scenario, findings, err, exitcode.Code(err))
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "golangci-lint could not load the packages") || !strings.Contains(msg, host) || !strings.Contains(msg, "report.json") {
			t.Errorf("%s: the error does not say what failed: %s", scenario, msg)
		}
	}

	findings, err := ParseFile(realReport(t, "golangci-lint-quoted-compile-error"), GolangciLint, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 || findings[0].RuleID != "typecheck" || findings[0].Severity != result.High || !strings.Contains(findings[0].Message, "connection refused") {
		t.Errorf("findings %+v, want the compile error as a typecheck finding", findings)
	}
}

// TestParseGolangciReportErrorNetwork: golangci-lint's own error in the
// report, when it quotes a network failure, is one too; otherwise it is
// bad input. The error is golangci-lint's real one (it writes it on
// standard error when it cannot load the packages at all).
func TestParseGolangciReportErrorNetwork(t *testing.T) {
	t.Parallel()
	stderr, err := os.ReadFile(filepath.Join("..", "netfail", "testdata", "real", "golangci-lint-graph-refused", "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	report := func(msg string) string {
		return `{"Issues":[],"Report":{"Error":` + jsonString(msg) + `}}`
	}
	_, err = Parse(strings.NewReader(report(string(stderr))), "r.json", GolangciLint, Options{})
	if exitcode.Code(err) != exitcode.Infra || !errors.Is(err, netfail.ErrNetwork) {
		t.Errorf("err %v (exit %d), want a network failure", err, exitcode.Code(err))
	}
	_, err = Parse(strings.NewReader(report("can't run linter goanalysis_metalinter: buildir: failed")), "r.json", GolangciLint, Options{})
	if exitcode.Code(err) != exitcode.Usage {
		t.Errorf("err %v (exit %d), want bad input", err, exitcode.Code(err))
	}
}

func jsonString(s string) string {
	data, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return string(data)
}
