package toolcmd

import (
	"debug/elf"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

func TestGoBuildEnv(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ platform, want string }{
		{"linux/amd64", "CGO_ENABLED=0 GOARCH=amd64 GOOS=linux"},
		{"linux/arm64", "CGO_ENABLED=0 GOARCH=arm64 GOOS=linux"},
		{"linux/arm/v7", "CGO_ENABLED=0 GOARCH=arm GOARM=7 GOOS=linux"},
		{"linux/amd64/v3", "CGO_ENABLED=0 GOAMD64=v3 GOARCH=amd64 GOOS=linux"},
	} {
		env := GoBuildEnv(tc.platform)
		var got []string
		for k, v := range env {
			got = append(got, k+"="+v)
		}
		sort.Strings(got)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("GoBuildEnv(%s) = %v, want %s", tc.platform, got, tc.want)
		}
	}
}

// TestGoBuildContract cross-compiles the Go example with GoBuild and
// GoBuildEnv, as the native image build does in the Go image, for two
// platforms, and checks the binaries are static executables of them.
func TestGoBuildContract(t *testing.T) {
	t.Parallel()
	goBin := testtool.LookPath(t, "go")
	for _, tc := range []struct {
		platform string
		machine  elf.Machine
	}{{"linux/amd64", elf.EM_X86_64}, {"linux/arm64", elf.EM_AARCH64}} {
		t.Run(tc.platform, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "app")
			env := []string{"GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod"}
			for k, v := range GoBuildEnv(tc.platform) {
				env = append(env, fmt.Sprintf("%s=%s", k, v))
			}
			execArgv(t, example("go-service"), env, goBin, GoBuild(GoBuildOptions{Output: out, Version: "v1.2.3"}))
			f, err := elf.Open(out)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Machine != tc.machine {
				t.Errorf("machine %v, want %v", f.Machine, tc.machine)
			}
			for _, p := range f.Progs {
				if p.Type == elf.PT_INTERP {
					t.Error("the binary is dynamically linked: the distroless static base has no libc")
				}
			}
		})
	}
}
