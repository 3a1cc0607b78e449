package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"runtime/debug"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
)

// Env is what a command sees of the world; tests give it buffers and a
// fixed environment.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
}

// command is one golden subcommand. Each file of this package registers
// its command in an init function.
type command struct {
	Name    string // as typed: "coverage"
	Summary string // one line for "golden help"
	Usage   string // synopsis after "golden ": "coverage --profile FILE [flags]"
	Help    string // what it does, its exit codes and an example, for --help
	Run     func(ctx context.Context, e *Env, args []string) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.Name]; dup {
		panic("golden: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

const exitCodesHelp = `Exit codes:
  0  passed
  1  a gate failed (lint, tests, coverage, scan, policy)
  2  bad usage, configuration or input
  3  infrastructure (network, registry, git server) or internal error`

// run executes one golden invocation and returns its exit code.
func run(ctx context.Context, args []string, e *Env) int {
	if len(args) == 0 {
		printHelp(e.Stderr)
		return exitcode.Usage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			if _, ok := commands[rest[0]]; ok {
				return run(ctx, []string{rest[0], "--help"}, e)
			}
			fmt.Fprintf(e.Stderr, "golden: unknown command %q\n", rest[0])
			return exitcode.Usage
		}
		printHelp(e.Stdout)
		return exitcode.Passed
	case "version", "-version", "--version":
		fmt.Fprintf(e.Stdout, "golden %s\n", version())
		return exitcode.Passed
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.Stderr, "golden: unknown command %q\nRun 'golden help' for the list of commands.\n", name)
		return exitcode.Usage
	}
	err := c.Run(ctx, e, rest)
	if errors.Is(err, errHelpShown) {
		return exitcode.Passed
	}
	if err != nil && ctx.Err() != nil && exitcode.Code(err) != exitcode.Infra {
		// A signal stopped the command; what it failed with followed.
		err = exitcode.InfraError(fmt.Errorf("%w: %v", context.Cause(ctx), err))
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "golden %s: %v\n", name, err)
	}
	return exitcode.Code(err)
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, "golden runs the golden CI/CD pipeline: lint, test, coverage, security scan, build, publish, GitOps bump and promotion.\n\nUsage:\n  golden COMMAND [flags]\n\nCommands:\n")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, n := range names {
		fmt.Fprintf(tw, "  %s\t%s\n", n, commands[n].Summary)
	}
	fmt.Fprintf(tw, "  %s\t%s\n", "help", "show help for golden or a command")
	fmt.Fprintf(tw, "  %s\t%s\n", "version", "print golden's version")
	tw.Flush()
	fmt.Fprintf(w, "\nRun 'golden COMMAND --help' for a command's flags.\n\n%s\n", exitCodesHelp)
}

func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage:\n  golden %s\n\n%s\n", c.Usage, strings.TrimSpace(c.Help))
	fmt.Fprint(w, "\nFlags:\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fmt.Fprintf(w, "\n%s\n", exitCodesHelp)
}

// errHelpShown ends a command that printed its --help.
var errHelpShown = errors.New("help shown")

// flagSet returns a new flag set for the command; parseFlags reports its
// errors and prints its help.
func (c *command) flagSet(_ *Env) *flag.FlagSet {
	fs := flag.NewFlagSet("golden "+c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args into fs. --help prints the command's help to
// stdout and returns errHelpShown; a bad flag or a stray argument is a
// usage error (exit 2).
func (c *command) parseFlags(e *Env, fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(e.Stdout, c, fs)
		return errHelpShown
	}
	if err != nil {
		return exitcode.Inputf("%v (see 'golden %s --help')", err, c.Name)
	}
	if fs.NArg() > 0 {
		return exitcode.Inputf("unexpected argument %q (see 'golden %s --help')", fs.Arg(0), c.Name)
	}
	return nil
}

// stringsFlag is a repeatable flag; each use adds a value, which must not
// be empty.
type stringsFlag []string

func (l *stringsFlag) String() string { return strings.Join(*l, ",") }

func (l *stringsFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" {
		return errors.New("empty value")
	}
	*l = append(*l, v)
	return nil
}

// resultFlag registers --result, the run file a command records into.
func resultFlag(fs *flag.FlagSet, e *Env) *string {
	return fs.String("result", e.Getenv("GOLDEN_RESULT"),
		"record this command's stage into the result `FILE` that 'golden report' renders (default $GOLDEN_RESULT; none when empty)")
}

// record applies change to the run saved at path; an empty path records
// nothing.
func record(e *Env, path string, change func(*result.Run)) error {
	if path == "" {
		return nil
	}
	err := result.Update(path, e.Now(), change)
	var pathErr *fs.PathError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pathErr):
		return exitcode.InfraError(err)
	default:
		return exitcode.InputError(err)
	}
}

// finish records the command's stage into the run at path and returns the
// error the command exits with: its own when it has one (a failure to record
// is then only printed), else the failure to record.
func finish(e *Env, cmd, path string, err error, change func(*result.Run)) error {
	rerr := record(e, path, change)
	switch {
	case rerr == nil:
		return err
	case err == nil:
		return rerr
	}
	fmt.Fprintf(e.Stderr, "golden %s: recording the result: %v\n", cmd, rerr)
	return err
}

// stageFor is the stage a command records for its outcome: its name, the
// status err maps to, when it started, how long it took and err's text.
func stageFor(e *Env, name string, started time.Time, err error) result.Stage {
	st := result.Stage{Name: name, Status: stageOf(err), StartedAt: started.UTC(), Seconds: e.Now().Sub(started).Seconds()}
	if err != nil {
		st.Error = err.Error()
	}
	return st
}

// stageOf returns the stage status for a command's outcome.
func stageOf(err error) result.Status {
	switch exitcode.Code(err) {
	case exitcode.Passed:
		return result.Passed
	case exitcode.Failed:
		return result.Failed
	}
	return result.Errored
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
