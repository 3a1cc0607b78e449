package pipeline_test

import (
	"context"
	"fmt"
	"os"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/pipeline"
)

// Example runs golden's pipeline on the service in the working directory,
// as golden ci does: the configuration is loaded first (a bad one fails
// without an engine), then every stage runs on the engine. It needs a
// Dagger engine, so it is compiled but not run by go test.
func Example() {
	ctx := context.Background()
	cfg, err := config.Load(".", os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	client, err := dagger.Connect(ctx, dagger.WithLogOutput(os.Stderr))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer client.Close()

	p := pipeline.New(client, client.Host().Directory("."), pipeline.Options{
		Config:   cfg,
		Commit:   os.Getenv("GITHUB_SHA"),
		Branch:   os.Getenv("GITHUB_REF_NAME"),
		Progress: os.Stderr,
	})
	run, err := p.Run(ctx, pipeline.RunOptions{})
	if run != nil {
		for _, s := range run.Stages {
			fmt.Printf("%s: %s %s\n", s.Name, s.Status, s.Summary)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}

// ExamplePipeline_Lint runs one stage, as a Dagger module function does:
// the stage returns SDK objects (the report file) and typed results, and
// StageError turns a failed gate into an error.
func ExamplePipeline_Lint() {
	ctx := context.Background()
	client, err := dagger.Connect(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer client.Close()
	p := pipeline.New(client, client.Host().Directory("."), pipeline.Options{Config: config.Default(config.Go)})
	res, err := p.Lint(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	for _, f := range res.Findings {
		fmt.Printf("%s: %s: %s\n", f.Location(), f.RuleID, f.Message)
	}
	if res.Report != nil {
		if _, err := res.Report.Export(ctx, "golangci-lint.json"); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if err := pipeline.StageError(res.Stage); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
}
