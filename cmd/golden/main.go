// Command golden runs the golden CI/CD pipeline and its gates.
//
// Every subcommand follows one exit-code contract: 0 passed, 1 a gate
// failed, 2 bad usage, configuration or input, 3 infrastructure. Run
// "golden help" for the list of subcommands and "golden CMD --help" for
// each one's flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], &Env{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
	})
	stop()
	os.Exit(code)
}
