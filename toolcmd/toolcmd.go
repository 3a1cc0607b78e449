// Package toolcmd builds every command line golden's pipeline stages run:
// the linters, the test runners, Trivy, and the OCI labels and tags of the
// images it builds. Each function returns an argv ([]string: the program,
// then its arguments) and runs nothing itself, so that one definition
// serves both the Dagger pipeline, which runs it in a pinned tool image,
// and golden's contract tests, which run the very same argv on the host
// against the real tools and parse their real output.
//
// Conventions:
//
//   - argv[0] is the program's name, looked up on PATH of wherever the
//     command runs (the tool image in the pipeline).
//   - Output paths are parameters: container paths in the pipeline, temporary
//     paths in tests. An empty output path means the tool's standard output,
//     as documented on each option.
//   - A long flag with a value is one argument ("--format=json"), so the
//     argv reads the same in logs and tests; short flags take their value
//     as the next argument, as usual (ESLint's -f json -o FILE, pytest's
//     -p no:cacheprovider, pip's -r FILE).
//   - Where a tool can report findings without failing (golangci-lint,
//     ruff, Trivy), the argv makes it exit 0 when it ran and wrote its
//     report: golden gates on the parsed report, and a non-zero exit then
//     means the tool itself failed. go test, pytest, npm test and ESLint
//     have no such switch; their exit codes are documented on each
//     function, and callers read the report before judging the exit code.
//   - Nothing secret ever goes into an argv: registry and git credentials
//     travel as Dagger secrets or environment variables, never here.
package toolcmd

// orDefault returns list, or def when list is empty.
func orDefault(list []string, def ...string) []string {
	if len(list) == 0 {
		return def
	}
	return list
}
