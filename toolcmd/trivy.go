package toolcmd

import "strings"

// TrivyOptions configure TrivyFS and TrivyImage.
type TrivyOptions struct {
	// Scanners are Trivy's scanners (vuln, secret, misconfig, license);
	// empty leaves Trivy's default (vuln,secret).
	Scanners []string
	// Severity limits the report to these severities; empty reports every
	// severity, which is what golden wants: its scan gate (package scan)
	// decides which severities fail, and the report shows the rest.
	Severity []string
	// CacheDir holds the vulnerability database and Trivy's cache (a cache
	// volume in the pipeline); empty leaves Trivy's default.
	CacheDir string
	// DBRepository and JavaDBRepository are OCI repositories to download
	// the vulnerability and Java index databases from instead of Trivy's
	// defaults: mirrors for air-gapped users.
	DBRepository     string
	JavaDBRepository string
	// ChecksBundleRepository is the OCI repository of the misconfiguration
	// checks bundle, a mirror like the database ones.
	ChecksBundleRepository string
	// Insecure skips the verification of the mirrors' TLS certificates.
	Insecure bool
	// Output is the report file; empty means standard output.
	Output string
	// Format is the report format; empty means "json" (read it with
	// scan.ParseReport and convert it with TrivyConvert).
	Format string
	// SkipDBUpdate scans with what CacheDir already holds: no download of
	// the vulnerability database, the Java index database or the checks
	// bundle (the checks embedded in trivy are used when the cache has
	// none). The database must be there for the vuln scanner.
	SkipDBUpdate bool
	// SkipDirs are directories (or globs) Trivy does not scan.
	SkipDirs []string
	// IgnoreFile is the ignore file Trivy applies; empty leaves Trivy's
	// default, .trivyignore in the working directory. golden's scan gate
	// applies the repository's ignore file itself, and counts what it
	// ignores, so the pipeline gives Trivy an empty file here and the
	// repository's one to TrivyConvert, whose SARIF then leaves the
	// ignored findings out.
	IgnoreFile string
}

// TrivyFS returns the command line of a filesystem scan of dir (the
// source tree, usually "."):
//
//	trivy fs --format=json --output=O --scanners=S [--severity=..] [--cache-dir=..]
//	    [--db-repository=..] [--java-db-repository=..] [--checks-bundle-repository=..]
//	    [--insecure] [--skip-db-update --skip-java-db-update --skip-check-update]
//	    [--skip-dirs=..] [--ignorefile=..] --exit-code=0 --no-progress
//	    --skip-version-check --disable-telemetry DIR
//
// --exit-code=0 (also Trivy's default, repeated here because a trivy.yaml
// in the repository could change it) makes Trivy exit 0 with findings:
// golden gates on the report, so a non-zero exit means the scan failed.
// --no-progress keeps the job log readable; --skip-version-check and
// --disable-telemetry keep Trivy from calling home.
func TrivyFS(o TrivyOptions, dir string) []string {
	argv := append([]string{"trivy", "fs"}, trivyFlags(o)...)
	return append(argv, dir)
}

// TrivyImage returns the command line of a scan of an image exported as a
// tarball (docker save or OCI layout tar, as Dagger's Container.AsTarball
// writes it), before it is published:
//
//	trivy image --input=TAR --format=json ... (the flags of TrivyFS)
func TrivyImage(o TrivyOptions, imageTar string) []string {
	argv := []string{"trivy", "image", "--input=" + imageTar}
	return append(argv, trivyFlags(o)...)
}

// TrivySBOM returns the command line that writes the CycloneDX SBOM of an
// image exported as a tarball (as TrivyImage scans it):
//
//	trivy image --input=TAR --format=cyclonedx --output=O [--cache-dir=..]
//	    [--db-repository=..] [--java-db-repository=..] [--checks-bundle-repository=..]
//	    [--insecure] [--skip-db-update --skip-java-db-update --skip-check-update]
//	    [--skip-dirs=..] --exit-code=0 --no-progress --skip-version-check --disable-telemetry
//
// o's Scanners, Severity and IgnoreFile are left out, and its Format is
// cyclonedx: without --scanners, Trivy's CycloneDX output scans for
// nothing and lists the image's packages only, so the SBOM needs no
// vulnerability database and downloads nothing (the image scan,
// TrivyImage, finds the vulnerabilities and golden's gate judges them).
// The Java DB flags stay: Trivy identifies a jar without a pom.properties
// by its digest in the Java DB.
func TrivySBOM(o TrivyOptions, imageTar string) []string {
	o.Format, o.Scanners, o.Severity, o.IgnoreFile = "cyclonedx", nil, nil, ""
	return TrivyImage(o, imageTar)
}

func trivyFlags(o TrivyOptions) []string {
	format := o.Format
	if format == "" {
		format = "json"
	}
	argv := []string{"--format=" + format}
	if o.Output != "" {
		argv = append(argv, "--output="+o.Output)
	}
	if len(o.Scanners) > 0 {
		argv = append(argv, "--scanners="+strings.Join(o.Scanners, ","))
	}
	if len(o.Severity) > 0 {
		argv = append(argv, "--severity="+strings.Join(o.Severity, ","))
	}
	if o.CacheDir != "" {
		argv = append(argv, "--cache-dir="+o.CacheDir)
	}
	if o.DBRepository != "" {
		argv = append(argv, "--db-repository="+o.DBRepository)
	}
	if o.JavaDBRepository != "" {
		argv = append(argv, "--java-db-repository="+o.JavaDBRepository)
	}
	if o.ChecksBundleRepository != "" {
		argv = append(argv, "--checks-bundle-repository="+o.ChecksBundleRepository)
	}
	if o.Insecure {
		argv = append(argv, "--insecure")
	}
	if o.SkipDBUpdate {
		argv = append(argv, "--skip-db-update", "--skip-java-db-update", "--skip-check-update")
	}
	for _, d := range o.SkipDirs {
		argv = append(argv, "--skip-dirs="+d)
	}
	if o.IgnoreFile != "" {
		argv = append(argv, "--ignorefile="+o.IgnoreFile)
	}
	return append(argv, "--exit-code=0", "--no-progress", "--skip-version-check", "--disable-telemetry")
}

// TrivyConvert returns the command line that converts a Trivy JSON report
// into another format, without scanning again:
//
//	trivy convert --format=FORMAT --output=OUTPUT REPORT
//
// format is one of Trivy's report formats ("sarif" for code scanning
// uploads, "table", "cyclonedx", ...). Trivy applies the ignore file of
// its working directory (.trivyignore) while converting.
func TrivyConvert(report, format, output string) []string {
	argv := []string{"trivy", "convert", "--format=" + format}
	if output != "" {
		argv = append(argv, "--output="+output)
	}
	return append(argv, report)
}
