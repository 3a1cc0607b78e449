package toolcmd

import "github.com/goldenci/golden/tools"

// GolangciLintOptions configure GolangciLint.
type GolangciLintOptions struct {
	// JSONOut is where the JSON report goes (read it with lint.Parse and
	// lint.GolangciLint); empty means standard output, and then no text
	// report is printed.
	JSONOut string
	// Timeout bounds the whole run, as a Go duration ("5m"); empty leaves
	// golangci-lint's default (none) or the repository's run.timeout.
	Timeout string
	// Packages are the package patterns to lint; empty means "./...".
	Packages []string
}

// GolangciLint returns the golangci-lint v2 command line:
//
//	golangci-lint run --output.json.path=JSONOut --output.text.path=stdout --issues-exit-code=0 [--timeout=T] ./...
//
// It runs in the repository root and honours the repository's own
// .golangci.yml (golangci-lint finds it there; nothing here overrides the
// linters or their settings). The JSON report goes to JSONOut and the usual
// text report to standard output for the job log. --issues-exit-code=0 makes
// golangci-lint exit 0 when it found issues and wrote the report, so a
// non-zero exit means it could not lint (bad configuration, a package that
// does not build, the timeout). File paths in the report are relative to
// the working directory.
func GolangciLint(o GolangciLintOptions) []string {
	argv := []string{"golangci-lint", "run"}
	if o.JSONOut == "" {
		argv = append(argv, "--output.json.path=stdout")
	} else {
		argv = append(argv, "--output.json.path="+o.JSONOut, "--output.text.path=stdout")
	}
	argv = append(argv, "--issues-exit-code=0")
	if o.Timeout != "" {
		argv = append(argv, "--timeout="+o.Timeout)
	}
	return append(argv, orDefault(o.Packages, "./...")...)
}

// RuffOptions configure Ruff.
type RuffOptions struct {
	// JSONOut is where the JSON report goes (read it with lint.Parse and
	// lint.Ruff); empty means standard output.
	JSONOut string
}

// Ruff returns the ruff command line:
//
//	ruff check --output-format=json --output-file=JSONOut --exit-zero .
//
// It runs in the project root and honours the project's ruff configuration
// (pyproject.toml [tool.ruff], ruff.toml or .ruff.toml). --exit-zero makes
// ruff exit 0 when it found violations, so a non-zero exit means ruff
// failed (for example on a bad configuration). ruff is not installed by
// golden's tests (it is not packaged for Debian and the host has no PyPI):
// the argv is tested for its shape, the parser on ruff's documented JSON.
func Ruff(o RuffOptions) []string {
	argv := []string{"ruff", "check", "--output-format=json"}
	if o.JSONOut != "" {
		argv = append(argv, "--output-file="+o.JSONOut)
	}
	return append(argv, "--exit-zero", ".")
}

// ESLintOptions configure ESLint.
type ESLintOptions struct {
	// JSONOut is the file the JSON report is written to (read it with
	// lint.Parse and lint.ESLint, giving the project root as Source: ESLint
	// reports absolute paths). Empty means standard output, which mixes
	// with npm's own output when UseNpmScript is set.
	JSONOut string
	// UseNpmScript runs the project's "lint" script (npm run lint), which
	// must end in an eslint invocation: the format and output flags are
	// appended to it. Otherwise ESLint runs directly, through npx.
	UseNpmScript bool
	// Version is the ESLint version npx runs when UseNpmScript is false;
	// empty means the pinned ESLINT_VERSION of tools/versions.env. npx uses
	// the project's own eslint when it has that version installed.
	Version string
}

// ESLint returns the ESLint command line, in the project root, with the
// project's flat config (eslint.config.js, .mjs or .cjs):
//
//	npm run lint -- -f json -o JSONOut                (UseNpmScript)
//	npx --yes eslint@VERSION -f json -o JSONOut .     (otherwise)
//
// ESLint exits 1 when it reports errors (the report is written all the
// same) and 2 when it cannot run (no or a broken configuration); callers
// read the report when the exit code is 0 or 1. --yes keeps npx from asking
// before it downloads ESLint into its cache.
func ESLint(o ESLintOptions) []string {
	var argv []string
	if o.UseNpmScript {
		argv = []string{"npm", "run", "lint", "--", "-f", "json"}
	} else {
		v := o.Version
		if v == "" {
			v = tools.Version("ESLINT_VERSION")
		}
		argv = []string{"npx", "--yes", "eslint@" + v, "-f", "json"}
	}
	if o.JSONOut != "" {
		argv = append(argv, "-o", o.JSONOut)
	}
	if !o.UseNpmScript {
		argv = append(argv, ".")
	}
	return argv
}
