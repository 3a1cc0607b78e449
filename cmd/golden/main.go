// Command golden runs the golden CI/CD pipeline and its gates.
//
// Every subcommand follows one exit-code contract: 0 passed, 1 a gate
// failed, 2 bad usage, configuration or input, 3 infrastructure. Run
// "golden help" for the list of subcommands and "golden CMD --help" for
// each one's flags.
//
// SIGINT and SIGTERM stop a command: it ends within seconds, with exit
// code 3 unless it had finished, and a second signal ends it at once.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/goldenci/golden/exitcode"
)

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go stopOnSignals(sigs, cancel, os.Stderr, forceExitAfter, func() {
		killEngineSessions()
		os.Exit(exitcode.Infra)
	})
	code := run(ctx, os.Args[1:], &Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
	})
	os.Exit(code)
}
