package pipeline

import (
	"fmt"
	"strings"

	"dagger.io/dagger"

	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/netfail"
)

// networkFailed is the infrastructure error (exit 3) of a tool that ended
// without a verdict because it could not reach the network, as its own
// output says (package netfail: a module proxy, package index or registry
// that does not answer, a name that does not resolve, a server error), and
// nil when its output does not say so. The message names the failure and
// quotes the end of the output. output must be what the tool printed about
// its own work (its standard error), never the output of the user's tests.
func networkFailed(tool string, code int, output string) error {
	f, ok := netfail.Find(output)
	if !ok {
		return nil
	}
	return netfail.Error(fmt.Sprintf("%s exited %d", tool, code), f, text.LastLines(output, tailLines))
}

// execNetworkFailed is networkFailed for a command of a step that must
// succeed (engineError): what is the step, and both outputs are read, as
// pip names its index on its standard output ("Looking in indexes: URL").
// The message quotes the end of the standard error.
func execNetworkFailed(what string, e *dagger.ExecError) error {
	f, ok := netfail.Find(e.Stderr + "\n" + e.Stdout)
	if !ok {
		return nil
	}
	return netfail.Error(fmt.Sprintf("%s: %s exited %d", what, strings.Join(e.Cmd, " "), e.ExitCode), f, text.LastLines(e.Stderr, tailLines))
}
