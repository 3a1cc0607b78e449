// Command yardstick is the smallest pipeline that does what golden ci
// does for a Go service, written by hand on the Dagger SDK: golangci-lint,
// go test -race -cover, trivy fs and a go build onto the distroless base
// image, in parallel, with the Go module and build caches and Trivy's
// cache in volumes. bench/engine.sh times golden ci against it on the same
// engine; golden's own overhead is the ratio.
//
// It uses golden's pinned images (tools/versions.env), so that both pull
// the same ones, and its own cache volumes (a "yardstick:" prefix), so
// that neither warms the other's.
//
// Usage: yardstick SOURCE_DIR (exit 0 when every step ran, 1 when a step
// failed, 3 when the engine did)
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"dagger.io/dagger"

	"github.com/goldenci/golden/tools"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: yardstick SOURCE_DIR")
		os.Exit(2)
	}
	ctx := context.Background()
	c, err := dagger.Connect(ctx, dagger.WithLogOutput(os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, "yardstick: connecting to the engine:", err)
		os.Exit(3)
	}
	defer c.Close()
	if err := run(ctx, c, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "yardstick:", err)
		var ee *dagger.ExecError
		if errors.As(err, &ee) {
			os.Exit(1)
		}
		os.Exit(3)
	}
}

func run(ctx context.Context, c *dagger.Client, dir string) error {
	src := c.Host().Directory(dir, dagger.HostDirectoryOpts{Exclude: []string{".git"}})
	goCaches := func(ctr *dagger.Container) *dagger.Container {
		return ctr.
			WithMountedCache("/go/pkg/mod", c.CacheVolume("yardstick:go-mod")).
			WithMountedCache("/root/.cache/go-build", c.CacheVolume("yardstick:go-build")).
			WithEnvVariable("GOMODCACHE", "/go/pkg/mod").
			WithEnvVariable("GOCACHE", "/root/.cache/go-build")
	}
	tool := func(image string) *dagger.Container {
		return c.Container().From(image).WithMountedDirectory("/src", src).WithWorkdir("/src")
	}
	steps := map[string]func() error{
		"lint": func() error {
			_, err := goCaches(tool(tools.Image("golangci-lint"))).
				WithMountedCache("/root/.cache/golangci-lint", c.CacheVolume("yardstick:golangci-lint")).
				WithExec([]string{"golangci-lint", "run", "./..."}).Sync(ctx)
			return err
		},
		"test": func() error {
			_, err := goCaches(tool(tools.Image("go"))).
				WithExec([]string{"go", "test", "-race", "-cover", "./..."}).Sync(ctx)
			return err
		},
		"scan": func() error {
			_, err := tool(tools.Image("trivy")).
				WithMountedCache("/root/.cache/trivy", c.CacheVolume("yardstick:trivy")).
				WithExec([]string{"trivy", "fs", "--exit-code=1", "--severity=HIGH,CRITICAL", "--no-progress", "."}).Sync(ctx)
			return err
		},
		"build": func() error {
			bin := goCaches(tool(tools.Image("go"))).
				WithEnvVariable("CGO_ENABLED", "0").
				WithExec([]string{"go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/app", "."}).
				File("/out/app")
			_, err := c.Container().From(tools.Image("base")).
				WithFile("/app", bin).
				WithEntrypoint([]string{"/app"}).Sync(ctx)
			return err
		},
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for name, step := range steps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := step(); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
