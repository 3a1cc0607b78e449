// Command benchgen writes a synthetic Go module and a merged coverprofile
// of about -lines lines into -dir, for bench/coverage.sh.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/goldenci/golden/coverage/internal/benchgen"
)

func main() {
	dir := flag.String("dir", "", "directory to write the module and cover.out into")
	lines := flag.Int("lines", 1_000_000, "approximate number of profile lines")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "benchgen: -dir is required")
		os.Exit(2)
	}
	res, err := benchgen.Generate(*dir, benchgen.ForLines(*lines))
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchgen:", err)
		os.Exit(1)
	}
	fmt.Printf("%s %d\n", res.Profile, res.Lines)
}
