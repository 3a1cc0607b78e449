// Package scantest runs the real trivy binary for golden's tests: it
// writes fixture trees (a secret canary, a Dockerfile and a Kubernetes
// manifest, a Go module pinning vulnerable versions, the installed
// packages of a Debian system), builds a small vulnerability database in
// Trivy's own format with trivy-db, and scans them offline.
//
// Nothing here talks to the network: scans use --skip-db-update,
// --skip-check-update (misconfiguration checks come from the checks
// embedded in the trivy binary), --skip-version-check,
// --disable-telemetry and a temporary --cache-dir.
package scantest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	trivydb "github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	dbtypes "github.com/aquasecurity/trivy-db/pkg/types"
	bolt "go.etcd.io/bbolt"

	"github.com/goldenci/golden/internal/testsupport/testtool"
)

// GoSource is the trivy-db bucket of Go advisories (GitHub Security
// Advisory Go), in Trivy's "<ecosystem>::<source>" layout.
const GoSource = "go::GitHub Security Advisory Go"

// Advisory is one vulnerability of one Go module in the fixture
// database.
type Advisory struct {
	ID                 string   // e.g. CVE-2022-32149
	Module             string   // Go module path, e.g. golang.org/x/text
	VulnerableVersions []string // constraints, e.g. "<0.3.8"
	PatchedVersions    []string // empty: no fix (Trivy reports no FixedVersion)
	Severity           dbtypes.Severity
	Title              string
}

// The fixture Go module pins these versions (see WriteGoModule).
const (
	TextModule  = "golang.org/x/text"
	TextVersion = "v0.3.7"
	NetModule   = "golang.org/x/net"
	NetVersion  = "v0.7.0"
	FakeModule  = "acme.local/fakelib"
	FakeVersion = "v1.2.0"
)

// Advisories is the fixture database: against WriteGoModule's go.mod
// trivy reports one CRITICAL with a fix, one HIGH with a fix, one HIGH
// without a fix, one MEDIUM and one LOW; plus one advisory that does not
// affect the pinned version.
var Advisories = []Advisory{
	{ID: "CVE-2022-32149", Module: TextModule, VulnerableVersions: []string{"<0.3.8"}, PatchedVersions: []string{"0.3.8"},
		Severity: dbtypes.SeverityHigh, Title: "golang.org/x/text/language: ParseAcceptLanguage takes a long time to parse complex tags"},
	{ID: "CVE-2021-38561", Module: TextModule, VulnerableVersions: []string{"<0.3.7"}, PatchedVersions: []string{"0.3.7"},
		Severity: dbtypes.SeverityHigh, Title: "out-of-bounds read (fixed before the pinned version)"},
	{ID: "CVE-2023-39325", Module: NetModule, VulnerableVersions: []string{"<0.17.0"}, PatchedVersions: []string{"0.17.0"},
		Severity: dbtypes.SeverityCritical, Title: "HTTP/2 rapid reset can cause excessive work in net/http"},
	{ID: "CVE-2023-3978", Module: NetModule, VulnerableVersions: []string{"<0.13.0"}, PatchedVersions: []string{"0.13.0"},
		Severity: dbtypes.SeverityMedium, Title: "improper rendering of text nodes in golang.org/x/net/html"},
	{ID: "GHSA-fake-unfx-0001", Module: FakeModule, VulnerableVersions: []string{">=1.0.0"},
		Severity: dbtypes.SeverityHigh, Title: "fakelib: unfixed remote code execution"},
	{ID: "GHSA-fake-low0-0002", Module: FakeModule, VulnerableVersions: []string{"<1.3.0"}, PatchedVersions: []string{"1.3.0"},
		Severity: dbtypes.SeverityLow, Title: "fakelib: verbose error messages"},
}

// DebianAdvisory is one vulnerability of one Debian source package in
// the fixture database, as Debian's security tracker gives it: a fixed
// version, or none and a status saying why. Trivy reports the status
// (affected, will_not_fix, fix_deferred, ...) as the vulnerability's
// Status; with a fixed version above the installed one, "fixed".
type DebianAdvisory struct {
	ID           string // e.g. CVE-2024-90001
	Package      string // source package name, e.g. acme
	FixedVersion string // empty: no fixed version
	Status       dbtypes.Status
	Severity     dbtypes.Severity
	Title        string
}

// The Debian system of WriteDebian: one binary package of one source
// package.
const (
	DebianRelease   = "12"
	DebianVersion   = "12.5"
	DebianPackage   = "libacme1"
	DebianSource    = "acme"
	DebianInstalled = "2.0.0-1"
)

// DebianAdvisories are the fixture database's Debian advisories: against
// WriteDebian's package trivy reports a HIGH that is fixed (with a fixed
// version), a HIGH that is affected and one Debian will not fix (neither
// has a fix), a MEDIUM whose fix is deferred, and a LOW that Debian
// marks fixed without a fixed version (Trivy keeps its status "fixed", so
// --ignore-unfixed keeps it); plus one advisory fixed before the
// installed version. Only the status tells fixed from unfixed.
var DebianAdvisories = []DebianAdvisory{
	{ID: "CVE-2024-90001", Package: DebianSource, FixedVersion: "2.0.0-2", Status: dbtypes.StatusFixed,
		Severity: dbtypes.SeverityHigh, Title: "acme: heap overflow in the parser"},
	{ID: "CVE-2024-90002", Package: DebianSource, Status: dbtypes.StatusAffected,
		Severity: dbtypes.SeverityHigh, Title: "acme: use after free, no patch yet"},
	{ID: "CVE-2024-90003", Package: DebianSource, Status: dbtypes.StatusWillNotFix,
		Severity: dbtypes.SeverityHigh, Title: "acme: denial of service Debian will not fix"},
	{ID: "CVE-2024-90004", Package: DebianSource, Status: dbtypes.StatusFixDeferred,
		Severity: dbtypes.SeverityMedium, Title: "acme: information leak, fix deferred"},
	{ID: "CVE-2024-90005", Package: DebianSource, Status: dbtypes.StatusFixed,
		Severity: dbtypes.SeverityLow, Title: "acme: marked fixed without a fixed version"},
	{ID: "CVE-2024-90006", Package: DebianSource, FixedVersion: "1.9.0-1", Status: dbtypes.StatusFixed,
		Severity: dbtypes.SeverityCritical, Title: "acme: fixed before the installed version"},
}

// dbMu serialises WriteDB: trivy-db keeps its open database in a
// package variable.
var dbMu sync.Mutex

// WriteDB writes a Trivy vulnerability database with the Go advisories
// advs and DebianAdvisories into cacheDir/db (trivy.db and
// metadata.json, schema version 2, next update a day after now), the
// layout trivy reads with --cache-dir cacheDir.
func WriteDB(cacheDir string, now time.Time, advs []Advisory) error {
	dbMu.Lock()
	defer dbMu.Unlock()
	dir := filepath.Join(cacheDir, "db")
	if err := trivydb.Init(dir); err != nil {
		return fmt.Errorf("creating trivy db: %w", err)
	}
	dbc := trivydb.Config{}
	err := dbc.BatchUpdate(func(tx *bolt.Tx) error {
		if err := dbc.PutDataSource(tx, GoSource, dbtypes.DataSource{
			ID:   "ghsa",
			Name: "GitHub Security Advisory Go",
			URL:  "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Ago",
		}); err != nil {
			return err
		}
		for _, a := range advs {
			adv := dbtypes.Advisory{VulnerableVersions: a.VulnerableVersions, PatchedVersions: a.PatchedVersions}
			if err := dbc.PutAdvisory(tx, []string{GoSource, a.Module}, a.ID, adv); err != nil {
				return err
			}
			vuln := dbtypes.Vulnerability{
				Title:          a.Title,
				Description:    a.Title + ".",
				Severity:       a.Severity.String(),
				VendorSeverity: dbtypes.VendorSeverity{"ghsa": a.Severity},
				References:     []string{"https://github.com/advisories/" + a.ID},
			}
			if err := dbc.PutVulnerability(tx, a.ID, vuln); err != nil {
				return err
			}
			if err := dbc.PutVulnerabilityID(tx, a.ID); err != nil {
				return err
			}
		}
		return putDebian(dbc, tx, DebianAdvisories)
	})
	if cerr := trivydb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing trivy db: %w", err)
	}
	meta := metadata.Metadata{
		Version:      trivydb.SchemaVersion,
		NextUpdate:   now.Add(24 * time.Hour).UTC(),
		UpdatedAt:    now.UTC(),
		DownloadedAt: now.UTC(),
	}
	if err := metadata.NewClient(dir).Update(meta); err != nil {
		return fmt.Errorf("writing trivy db metadata: %w", err)
	}
	return nil
}

// debianBucket is trivy-db's bucket of Debian advisories of a release.
const debianBucket = "debian " + DebianRelease

// putDebian writes advs into the Debian bucket, with Debian's data
// source.
func putDebian(dbc trivydb.Config, tx *bolt.Tx, advs []DebianAdvisory) error {
	if err := dbc.PutDataSource(tx, debianBucket, dbtypes.DataSource{
		ID: "debian", Name: "Debian Security Tracker", URL: "https://salsa.debian.org/security-tracker-team/security-tracker",
	}); err != nil {
		return err
	}
	for _, a := range advs {
		// A pointer: Advisory stores its Status through (*Advisory).MarshalJSON.
		adv := &dbtypes.Advisory{FixedVersion: a.FixedVersion, Status: a.Status, Severity: a.Severity}
		if err := dbc.PutAdvisory(tx, []string{debianBucket, a.Package}, a.ID, adv); err != nil {
			return err
		}
		vuln := dbtypes.Vulnerability{
			Title:          a.Title,
			Description:    a.Title + ".",
			Severity:       a.Severity.String(),
			VendorSeverity: dbtypes.VendorSeverity{"debian": a.Severity},
			References:     []string{"https://security-tracker.debian.org/tracker/" + a.ID},
		}
		if err := dbc.PutVulnerability(tx, a.ID, vuln); err != nil {
			return err
		}
		if err := dbc.PutVulnerabilityID(tx, a.ID); err != nil {
			return err
		}
	}
	return nil
}

// WriteDebian writes the files trivy reads a Debian system from into
// dir: etc/debian_version, etc/os-release and var/lib/dpkg/status with
// DebianPackage (of source DebianSource) at DebianInstalled.
func WriteDebian(t testing.TB, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "etc", "debian_version"), DebianVersion+"\n")
	writeFile(t, filepath.Join(dir, "etc", "os-release"), fmt.Sprintf(`PRETTY_NAME="Debian GNU/Linux %[1]s (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="%[1]s"
VERSION="%[1]s (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`, DebianRelease))
	writeFile(t, filepath.Join(dir, "var", "lib", "dpkg", "status"), fmt.Sprintf(`Package: %s
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 120
Maintainer: Acme Maintainers <pkg@acme.example>
Architecture: amd64
Multi-Arch: same
Source: %s
Version: %s
Description: acme runtime library
`, DebianPackage, DebianSource, DebianInstalled))
}

// WriteGoModule writes a go.mod pinning TextModule, NetModule and
// FakeModule at their vulnerable versions into dir.
func WriteGoModule(t testing.TB, dir string) {
	t.Helper()
	gomod := fmt.Sprintf(`module acme.local/app

go 1.22

require (
	%s %s
	%s %s
	%s %s
)
`, TextModule, TextVersion, NetModule, NetVersion, FakeModule, FakeVersion)
	writeFile(t, filepath.Join(dir, "go.mod"), gomod)
}

// Secret is a canary: a fake AWS access key ID and a fake GitHub token
// built at run time (so that no token-shaped string is committed), and a
// unique marker placed on the line after them.
type Secret struct {
	AWSKeyID    string
	GitHubToken string
	// Marker is on a line Trivy does not mask: Trivy's own report shows
	// it in the code lines around the secrets, golden must never show it.
	Marker string
}

// All returns every canary string.
func (s Secret) All() []string { return []string{s.AWSKeyID, s.GitHubToken, s.Marker} }

// NewSecret returns a canary whose values are derived from seed.
func NewSecret(seed string) Secret {
	const alnumUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const alnum = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	pick := func(alphabet string, n int, salt byte) string {
		var b strings.Builder
		h := uint32(2166136261)
		for i := 0; i < n; i++ {
			for _, c := range []byte(seed) {
				h = (h ^ uint32(c) ^ uint32(salt)) * 16777619
			}
			h = (h ^ uint32(i)) * 16777619
			b.WriteByte(alphabet[h%uint32(len(alphabet))])
		}
		return b.String()
	}
	return Secret{
		AWSKeyID:    "AK" + "IA" + pick(alnumUpper, 16, 1),
		GitHubToken: "gh" + "p_" + pick(alnum, 36, 2),
		Marker:      "golden-canary-" + pick(alnum, 20, 3),
	}
}

// WriteSecrets writes config/app.env into dir with s's AWS key ID on
// line 2, its GitHub token on line 3 and its marker on line 4.
func WriteSecrets(t testing.TB, dir string, s Secret) {
	t.Helper()
	env := fmt.Sprintf("# service configuration\naws_access_key_id = %s\ngithub_token: %s\nnote = %s\n",
		s.AWSKeyID, s.GitHubToken, s.Marker)
	writeFile(t, filepath.Join(dir, "config", "app.env"), env)
}

// WriteMisconfigs writes a Dockerfile and deploy/web.yaml (a privileged
// Deployment) into dir.
func WriteMisconfigs(t testing.TB, dir string) {
	t.Helper()
	writeFile(t, filepath.Join(dir, "Dockerfile"), `FROM alpine:latest
RUN apk add curl
USER root
CMD ["sh"]
`)
	writeFile(t, filepath.Join(dir, "deploy", "web.yaml"), `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: web
          image: nginx:1.27
          securityContext:
            privileged: true
`)
}

func writeFile(t testing.TB, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Trivy runs the real trivy (found with testtool.Path) with args and
// returns its standard output; the test fails when trivy fails. Offline
// flags are always added.
func Trivy(t testing.TB, args ...string) []byte {
	t.Helper()
	return trivyIn(t, "", args...)
}

// trivyIn is Trivy run in the working directory wd ("" for the test's).
func trivyIn(t testing.TB, wd string, args ...string) []byte {
	t.Helper()
	bin := testtool.Path(t, "trivy")
	full := append([]string{}, args...)
	full = append(full, "--skip-version-check", "--disable-telemetry", "--quiet")
	cmd := exec.Command(bin, full...)
	cmd.Dir = wd
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "TRIVY_NO_PROGRESS=true")
	if err := cmd.Run(); err != nil {
		t.Fatalf("trivy %s: %v\n%s", strings.Join(full, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

// Scan runs "trivy fs --format json --scanners SCANNERS [EXTRA] DIR"
// offline with cacheDir as cache (which must hold a database, see
// WriteDB, when scanners include vuln) and returns the JSON report.
// Trivy runs in DIR's parent and is given DIR's base name, so that the
// report names the tree the same in every run ("app", and "app (debian
// 12.5)" for its Debian system) whatever the temporary directory; paths
// in extra must be absolute.
func Scan(t testing.TB, cacheDir, scanners, dir string, extra ...string) []byte {
	t.Helper()
	// An empty ignore file keeps a .trivyignore in the test's working
	// directory out; a later --ignorefile in extra overrides it.
	noIgnore := filepath.Join(cacheDir, "empty.trivyignore")
	if err := os.WriteFile(noIgnore, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"fs", "--format", "json", "--scanners", scanners,
		"--cache-dir", cacheDir, "--skip-db-update", "--skip-java-db-update", "--skip-check-update", "--offline-scan",
		"--ignorefile", noIgnore}
	args = append(args, extra...)
	args = append(args, filepath.Base(dir))
	return trivyIn(t, filepath.Dir(dir), args...)
}

// Fixture is a scanned tree with every kind of finding. Dir and Cache
// are temporary directories of the test that made it.
type Fixture struct {
	Dir    string // the scanned tree
	Cache  string // trivy's --cache-dir, with the database (see Scan)
	Secret Secret // the canary in Dir/config/app.env
	// Report is trivy's JSON report of Dir with vuln, secret and
	// misconfig scanners.
	Report []byte
}

// NewFixture writes a tree with a Go module (see Advisories), a Debian
// system (see DebianAdvisories), the secret canary and misconfigured
// Dockerfile and Deployment, builds the vulnerability database and scans
// the tree with all three scanners. Cache is kept for more scans of Dir.
func NewFixture(t testing.TB) Fixture {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "app")
	cache := t.TempDir()
	sec := NewSecret(t.Name())
	WriteGoModule(t, dir)
	WriteDebian(t, dir)
	WriteSecrets(t, dir, sec)
	WriteMisconfigs(t, dir)
	if err := WriteDB(cache, time.Now(), Advisories); err != nil {
		t.Fatal(err)
	}
	rep := Scan(t, cache, "vuln,secret,misconfig", dir)
	return Fixture{Dir: dir, Cache: cache, Secret: sec, Report: rep}
}
