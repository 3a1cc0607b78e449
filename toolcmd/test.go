package toolcmd

// GoTestOptions configure GoTest.
type GoTestOptions struct {
	// Race runs the tests with the race detector (-race), which needs cgo
	// and a C compiler (the golang images have gcc).
	Race bool
	// CoverProfile is where the coverage profile goes (read it with
	// coverage.Parse); empty runs without coverage.
	CoverProfile string
	// CoverPkg is the -coverpkg pattern list ("./..." counts every package
	// of the module, also those a package's tests do not exercise);
	// empty means each package's own coverage. Needs CoverProfile.
	CoverPkg string
	// Packages are the package patterns to test; empty means "./...".
	Packages []string
}

// GoTest returns the go test command line:
//
//	go test -json [-race] [-covermode=atomic -coverprofile=P [-coverpkg=X]] ./...
//
// Its standard output is the stream of test2json events (read it with
// gotest.Parse, which also turns build failures into failed cases); the
// go command's own diagnostics go to standard error. With coverage the mode
// is atomic, which -race requires and which keeps real hit counts for the
// line-level reports. go test exits 1 when a test or a build failed and
// 2 on bad usage; callers parse the stream first.
func GoTest(o GoTestOptions) []string {
	argv := []string{"go", "test", "-json"}
	if o.Race {
		argv = append(argv, "-race")
	}
	if o.CoverProfile != "" {
		argv = append(argv, "-covermode=atomic", "-coverprofile="+o.CoverProfile)
		if o.CoverPkg != "" {
			argv = append(argv, "-coverpkg="+o.CoverPkg)
		}
	}
	return append(argv, orDefault(o.Packages, "./...")...)
}

// PytestOptions configure Pytest.
type PytestOptions struct {
	// JUnitOut is where the JUnit XML report goes (read it with
	// junit.Parse); empty writes none.
	JUnitOut string
	// CoverageXML is where the Cobertura XML coverage report goes (read it
	// with coverage.Parse); empty runs without coverage.
	CoverageXML string
	// Python is the interpreter; empty means "python", as in the python
	// images.
	Python string
}

// Pytest returns the pytest command line, run in the project root:
//
//	python -m pytest -p no:cacheprovider --junitxml=J --cov --cov-report=term --cov-report=xml:C
//
// pytest and pytest-cov must be installed (PipInstallPackages). The bare
// --cov measures what the project's coverage configuration names
// ([tool.coverage.run] source in pyproject.toml, or .coveragerc), and
// everything under the working directory when it names nothing. The term
// report prints the table to the job log. -p no:cacheprovider keeps pytest
// from writing .pytest_cache into the source tree. pytest exits 1 when
// tests failed, 5 when it collected none, and 2, 3 or 4 when it could not
// run them.
func Pytest(o PytestOptions) []string {
	py := o.Python
	if py == "" {
		py = "python"
	}
	argv := []string{py, "-m", "pytest", "-p", "no:cacheprovider"}
	if o.JUnitOut != "" {
		argv = append(argv, "--junitxml="+o.JUnitOut)
	}
	if o.CoverageXML != "" {
		argv = append(argv, "--cov", "--cov-report=term", "--cov-report=xml:"+o.CoverageXML)
	}
	return argv
}

// NpmTestOptions configure NpmTest.
type NpmTestOptions struct {
	// JUnitOut is where the JUnit XML report goes (read it with
	// junit.Parse); empty writes none.
	JUnitOut string
	// LCOVOut is where the LCOV coverage report goes (read it with
	// coverage.Parse); empty writes none.
	LCOVOut string
}

// NpmTest returns the npm test command line, run in the project root:
//
//	npm test -- --test-reporter=spec --test-reporter-destination=stdout \
//	    --test-reporter=junit --test-reporter-destination=J \
//	    --experimental-test-coverage --test-reporter=lcov --test-reporter-destination=L
//
// With JUnitOut or LCOVOut set, the arguments after "--" are those of
// Node's built-in test runner (node --test, Node 20 and later), appended to
// the project's "test" script, which must therefore be a "node --test ..."
// command (golden's examples/node-service has "node --test
// --experimental-test-coverage"). The spec reporter keeps the usual output
// in the job log; --experimental-test-coverage is repeated so that the
// LCOV reporter has coverage to write even when the script does not ask for
// it. With both paths empty it is plain "npm test", for any test runner.
// npm exits non-zero when the tests failed.
func NpmTest(o NpmTestOptions) []string {
	argv := []string{"npm", "test"}
	if o.JUnitOut == "" && o.LCOVOut == "" {
		return argv
	}
	argv = append(argv, "--", "--test-reporter=spec", "--test-reporter-destination=stdout")
	if o.JUnitOut != "" {
		argv = append(argv, "--test-reporter=junit", "--test-reporter-destination="+o.JUnitOut)
	}
	if o.LCOVOut != "" {
		argv = append(argv, "--experimental-test-coverage", "--test-reporter=lcov", "--test-reporter-destination="+o.LCOVOut)
	}
	return argv
}

// NpmCI returns the command line that installs a Node project's
// dependencies exactly as its package-lock.json records them:
//
//	npm ci --no-audit --no-fund
//
// npm ci fails when there is no lock file or when it disagrees with
// package.json. The audit and funding notices are left out: they query the
// registry and say nothing golden gates on (Trivy scans the lock file).
func NpmCI() []string {
	return []string{"npm", "ci", "--no-audit", "--no-fund"}
}

// PipInstall returns the command line that installs a Python project's
// dependencies:
//
//	python -m pip install --disable-pip-version-check --no-input -r REQUIREMENTS
//	python -m pip install --disable-pip-version-check --no-input -e .     (REQUIREMENTS "")
//
// With no requirements file the project itself is installed from its
// pyproject.toml, editable, so that tests and coverage see the source tree
// rather than a copy in site-packages.
func PipInstall(requirements string) []string {
	argv := pipInstall()
	if requirements == "" {
		return append(argv, "-e", ".")
	}
	return append(argv, "-r", requirements)
}

// PipInstallPackages returns the command line that installs named Python
// packages, given as pip requirement specifiers ("pytest==8.3.4"): the
// tools a stage runs in the python image (ruff, pytest, pytest-cov).
//
//	python -m pip install --disable-pip-version-check --no-input PKG...
func PipInstallPackages(pkgs ...string) []string {
	return append(pipInstall(), pkgs...)
}

func pipInstall() []string {
	return []string{"python", "-m", "pip", "install", "--disable-pip-version-check", "--no-input"}
}
