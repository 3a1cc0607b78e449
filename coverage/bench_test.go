package coverage

import (
	"os"
	"os/exec"
	"testing"

	"github.com/goldenci/golden/coverage/internal/benchgen"
)

// genMerged1M writes a synthetic module and a merged profile of about a
// million lines (every block repeated by 20 runs) into a temporary
// directory.
func genMerged1M(b *testing.B) *benchgen.Result {
	b.Helper()
	res, err := benchgen.Generate(b.TempDir(), benchgen.ForLines(1_000_000))
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// BenchmarkParseMerged1M is golden coverage's work on a 1,000,000-line
// merged profile: parse and merge, find the modules, find the functions
// of every file, and summarise with line hits. Compare with
// BenchmarkGoToolCoverFunc1M on the same profile (bench/coverage.sh times
// the two commands end to end).
func BenchmarkParseMerged1M(b *testing.B) {
	res := genMerged1M(b)
	b.SetBytes(fileSize(b, res.Profile))
	var s *Summary
	for b.Loop() {
		p, err := ParseFile(res.Profile, FormatAuto)
		if err != nil {
			b.Fatal(err)
		}
		src, err := OpenSource(res.Dir)
		if err != nil {
			b.Fatal(err)
		}
		if s, err = Analyze(p, src); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(res.Lines), "lines")
	if len(s.Warnings) > 0 || s.Statements == 0 {
		b.Fatalf("summary: %d statements, warnings %v", s.Statements, s.Warnings)
	}
}

// BenchmarkGoToolCoverFunc1M runs go tool cover -func on the profile of
// BenchmarkParseMerged1M.
func BenchmarkGoToolCoverFunc1M(b *testing.B) {
	res := genMerged1M(b)
	b.SetBytes(fileSize(b, res.Profile))
	for b.Loop() {
		cmd := exec.Command("go", "tool", "cover", "-func="+res.Profile)
		cmd.Dir = res.Dir
		cmd.Env = goEnv()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go tool cover: %v\n%s", err, out)
		}
	}
}

func fileSize(b *testing.B, path string) int64 {
	b.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}
