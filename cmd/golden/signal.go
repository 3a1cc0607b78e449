package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// forceExitAfter is how long golden has, after a signal, to end cleanly
// (its engine session stopped, its result saved) before it exits at once.
const forceExitAfter = 4 * time.Second

// interruptError is the cause of the cancellation of golden's context by
// a signal.
type interruptError struct{ sig os.Signal }

func (e interruptError) Error() string { return "interrupted by " + signalName(e.sig) }

func signalName(s os.Signal) string {
	switch s {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// stopOnSignals cancels golden's context on the first signal of sigs,
// with an interruptError as the cause, and calls exit on a second signal
// or when forceAfter has passed since the first.
func stopOnSignals(sigs <-chan os.Signal, cancel context.CancelCauseFunc, stderr io.Writer, forceAfter time.Duration, exit func()) {
	s := <-sigs
	cancel(interruptError{s})
	fmt.Fprintf(stderr, "golden: %s received: stopping (a second signal exits at once)\n", signalName(s))
	timer := time.NewTimer(forceAfter)
	defer timer.Stop()
	select {
	case s = <-sigs:
		fmt.Fprintf(stderr, "golden: %s received again: exiting\n", signalName(s))
	case <-timer.C:
		fmt.Fprintf(stderr, "golden: still running %v after the signal: exiting\n", forceAfter)
	}
	exit()
}
