package toolcmd

import "strings"

// GoBuildOptions configure GoBuild.
type GoBuildOptions struct {
	// Package is the main package to build (default ".").
	Package string
	// Output is the binary's path.
	Output string
	// Version, when set, is stamped into main.version (-X), as the example
	// Dockerfile's VERSION build argument does.
	Version string
}

// GoBuild returns the command line of golden's native Go image build (a
// service without a Dockerfile): a static, reproducible binary
//
//	go build -trimpath -buildvcs=false -ldflags=-s -w [-X main.version=V] -o OUT PKG
//
// run with CGO_ENABLED=0 and GOOS/GOARCH (GoBuildEnv) for the target
// platform: the engine's Go cross-compiles, no emulation needed.
func GoBuild(o GoBuildOptions) []string {
	ldflags := "-s -w"
	if o.Version != "" {
		ldflags += " -X main.version=" + o.Version
	}
	pkg := o.Package
	if pkg == "" {
		pkg = "."
	}
	return []string{"go", "build", "-trimpath", "-buildvcs=false", "-ldflags=" + ldflags, "-o", o.Output, pkg}
}

// GoBuildEnv is the environment of GoBuild for the platform os/arch[/variant]
// (linux/arm/v7 sets GOARM=7, linux/amd64/v3 GOAMD64=v3).
func GoBuildEnv(platform string) map[string]string {
	parts := strings.SplitN(platform, "/", 3)
	env := map[string]string{"CGO_ENABLED": "0", "GOOS": parts[0]}
	if len(parts) > 1 {
		env["GOARCH"] = parts[1]
	}
	if len(parts) > 2 {
		switch parts[1] {
		case "arm":
			env["GOARM"] = strings.TrimPrefix(parts[2], "v")
		case "amd64":
			env["GOAMD64"] = parts[2]
		case "arm64":
			env["GOARM64"] = parts[2]
		}
	}
	return env
}
