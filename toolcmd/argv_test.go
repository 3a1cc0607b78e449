package toolcmd

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/tools"
)

// TestArgv pins every command line exactly: a change here changes what
// every pipeline runs, so it must be deliberate. The contract tests
// (contract_test.go) run these same command lines against the real tools.
func TestArgv(t *testing.T) {
	t.Parallel()
	eslint := tools.Version("ESLINT_VERSION")
	if eslint == "" {
		t.Fatal("tools/versions.env has no ESLINT_VERSION")
	}
	tests := []struct {
		name string
		got  []string
		want string
	}{
		{"golangci-lint to a file", GolangciLint(GolangciLintOptions{JSONOut: "/out/lint.json", Timeout: "5m"}),
			"golangci-lint run --output.json.path=/out/lint.json --output.text.path=stdout --issues-exit-code=0 --timeout=5m ./..."},
		{"golangci-lint to stdout, packages", GolangciLint(GolangciLintOptions{Packages: []string{"./cmd/...", "./internal/..."}}),
			"golangci-lint run --output.json.path=stdout --issues-exit-code=0 ./cmd/... ./internal/..."},

		{"go test race coverage", GoTest(GoTestOptions{Race: true, CoverProfile: "/out/cover.out"}),
			"go test -json -race -covermode=atomic -coverprofile=/out/cover.out ./..."},
		{"go test coverpkg", GoTest(GoTestOptions{CoverProfile: "c.out", CoverPkg: "./...", Packages: []string{"./a", "./b"}}),
			"go test -json -covermode=atomic -coverprofile=c.out -coverpkg=./... ./a ./b"},
		{"go test plain; coverpkg needs a profile", GoTest(GoTestOptions{CoverPkg: "./..."}),
			"go test -json ./..."},

		{"ruff to a file", Ruff(RuffOptions{JSONOut: "/out/ruff.json"}),
			"ruff check --output-format=json --output-file=/out/ruff.json --exit-zero ."},
		{"ruff to stdout", Ruff(RuffOptions{}),
			"ruff check --output-format=json --exit-zero ."},

		{"eslint npm script", ESLint(ESLintOptions{JSONOut: "/out/eslint.json", UseNpmScript: true}),
			"npm run lint -- -f json -o /out/eslint.json"},
		{"eslint npx pinned", ESLint(ESLintOptions{JSONOut: "/out/eslint.json"}),
			"npx --yes eslint@" + eslint + " -f json -o /out/eslint.json ."},
		{"eslint npx version, stdout", ESLint(ESLintOptions{Version: "9.0.0"}),
			"npx --yes eslint@9.0.0 -f json ."},

		{"pytest", Pytest(PytestOptions{JUnitOut: "/out/junit.xml", CoverageXML: "/out/coverage.xml"}),
			"python -m pytest -p no:cacheprovider --junitxml=/out/junit.xml --cov --cov-report=term --cov-report=xml:/out/coverage.xml"},
		{"pytest, interpreter, no reports", Pytest(PytestOptions{Python: "python3"}),
			"python3 -m pytest -p no:cacheprovider"},

		{"npm test with reports", NpmTest(NpmTestOptions{JUnitOut: "/out/junit.xml", LCOVOut: "/out/lcov.info"}),
			"npm test -- --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=/out/junit.xml" +
				" --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=/out/lcov.info"},
		{"npm test junit only", NpmTest(NpmTestOptions{JUnitOut: "j.xml"}),
			"npm test -- --test-reporter=spec --test-reporter-destination=stdout --test-reporter=junit --test-reporter-destination=j.xml"},
		{"npm test plain", NpmTest(NpmTestOptions{}), "npm test"},
		{"npm ci", NpmCI(), "npm ci --no-audit --no-fund"},

		{"pip requirements", PipInstall("requirements.txt"),
			"python -m pip install --disable-pip-version-check --no-input -r requirements.txt"},
		{"pip project", PipInstall(""),
			"python -m pip install --disable-pip-version-check --no-input -e ."},
		{"pip packages", PipInstallPackages("ruff==0.8.4", "pytest==8.3.4"),
			"python -m pip install --disable-pip-version-check --no-input ruff==0.8.4 pytest==8.3.4"},

		{"trivy fs, everything", TrivyFS(TrivyOptions{
			Scanners: []string{"vuln", "secret", "misconfig"}, Severity: []string{"HIGH", "CRITICAL"},
			CacheDir: "/cache/trivy", DBRepository: "mirror.local/trivy-db:2", JavaDBRepository: "mirror.local/trivy-java-db:1",
			ChecksBundleRepository: "mirror.local/trivy-checks:2", Output: "/out/trivy.json", Insecure: true,
			SkipDBUpdate: true, SkipDirs: []string{"node_modules", "testdata"}, IgnoreFile: "/out/empty.trivyignore",
		}, "."),
			"trivy fs --format=json --output=/out/trivy.json --scanners=vuln,secret,misconfig --severity=HIGH,CRITICAL --cache-dir=/cache/trivy" +
				" --db-repository=mirror.local/trivy-db:2 --java-db-repository=mirror.local/trivy-java-db:1 --checks-bundle-repository=mirror.local/trivy-checks:2" +
				" --insecure --skip-db-update --skip-java-db-update --skip-check-update --skip-dirs=node_modules --skip-dirs=testdata" +
				" --ignorefile=/out/empty.trivyignore --exit-code=0 --no-progress --skip-version-check --disable-telemetry ."},
		{"go build", GoBuild(GoBuildOptions{Output: "/golden/build/app"}),
			"go build -trimpath -buildvcs=false -ldflags=-s -w -o /golden/build/app ."},
		{"go build, version", GoBuild(GoBuildOptions{Package: "./cmd/api", Output: "/out/api", Version: "v1.2.3"}),
			"go build -trimpath -buildvcs=false -ldflags=-s -w -X main.version=v1.2.3 -o /out/api ./cmd/api"},
		{"trivy fs, defaults", TrivyFS(TrivyOptions{}, "/src"),
			"trivy fs --format=json --exit-code=0 --no-progress --skip-version-check --disable-telemetry /src"},
		{"trivy image", TrivyImage(TrivyOptions{Scanners: []string{"vuln", "secret"}, Format: "sarif", Output: "/out/image.sarif"}, "/out/image.tar"),
			"trivy image --input=/out/image.tar --format=sarif --output=/out/image.sarif --scanners=vuln,secret --exit-code=0 --no-progress --skip-version-check --disable-telemetry"},
		{"trivy sbom", TrivySBOM(TrivyOptions{Scanners: []string{"vuln", "secret"}, Severity: []string{"HIGH"}, Format: "json", IgnoreFile: "/i",
			CacheDir: "/c", JavaDBRepository: "mirror/java-db:1", SkipDBUpdate: true, Output: "/out/sbom.cdx.json"}, "/out/image.tar"),
			"trivy image --input=/out/image.tar --format=cyclonedx --output=/out/sbom.cdx.json --cache-dir=/c --java-db-repository=mirror/java-db:1 " +
				"--skip-db-update --skip-java-db-update --skip-check-update --exit-code=0 --no-progress --skip-version-check --disable-telemetry"},
		{"trivy convert", TrivyConvert("/out/trivy.json", "sarif", "/out/trivy.sarif"),
			"trivy convert --format=sarif --output=/out/trivy.sarif /out/trivy.json"},
		{"trivy convert to stdout", TrivyConvert("r.json", "table", ""),
			"trivy convert --format=table r.json"},
	}
	for _, tt := range tests {
		if got := strings.Join(tt.got, " "); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
		for i, a := range tt.got {
			if a == "" {
				t.Errorf("%s: argument %d is empty: %q", tt.name, i, tt.got)
			}
		}
	}
}

// TestArgvFreshSlices checks that a returned argv can be appended to
// without changing the next one (no shared backing arrays).
func TestArgvFreshSlices(t *testing.T) {
	t.Parallel()
	pkgs := []string{"./a"}
	a := GoTest(GoTestOptions{Packages: pkgs})
	_ = append(a, "X")
	b := GoTest(GoTestOptions{Packages: pkgs})
	if diff := cmp.Diff([]string{"go", "test", "-json", "./a"}, b); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	n := NpmCI()
	n[0] = "changed"
	if NpmCI()[0] != "npm" {
		t.Error("NpmCI shares its slice")
	}
}
