package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/text"
	"github.com/goldenci/golden/result"
	"github.com/goldenci/golden/scan"
	"github.com/goldenci/golden/toolcmd"
)

// ScanResult is the outcome of a Trivy scan.
type ScanResult struct {
	// JSON is Trivy's JSON report; SARIF the same report converted by
	// trivy convert: Trivy's own view, paths as Trivy wrote them and with
	// the unfixed vulnerabilities scan.ignoreUnfixed leaves out (trivy
	// convert has no --ignore-unfixed). The SARIF of what the gate counts
	// is golden.sarif (package sarif, from Findings).
	JSON, SARIF *dagger.File
	// Findings are the vulnerabilities, secrets and failed
	// misconfigurations left after the ignore file, most severe first.
	// Secret findings never carry the secret.
	Findings []result.Finding
	// Stage is the "scan" (or "scan-image") stage: failed when a finding
	// has one of the configured severities (scan.severity, default HIGH and
	// CRITICAL).
	Stage result.Stage
}

// Trivy's paths inside the container.
const (
	trivyCacheDir = "/root/.cache/trivy"
	trivyFSJSON   = OutPath + "/trivy.json"
	trivyFSSARIF  = OutPath + "/trivy.sarif"
	trivyImgJSON  = OutPath + "/trivy-image.json"
	trivyImgSARIF = OutPath + "/trivy-image.sarif"
	imageTarball  = "/golden/image.tar"
	emptyIgnore   = "/golden/empty.trivyignore"
)

// ignoreFiles are the ignore files Scan looks for at the source's root,
// in order: Trivy's YAML format first, then its plain format.
var ignoreFiles = []string{".trivyignore.yaml", ".trivyignore"}

// Scan runs trivy fs on the source (the configured scanners, default
// vulnerabilities, secrets and misconfigurations), with the Trivy DB in a
// cache volume so that it downloads once per engine, from the configured
// mirror when there is one. The source's .trivyignore.yaml or .trivyignore
// applies in the gate, which counts what it ignores (so Trivy's JSON report
// keeps every finding), and in the SARIF report, which leaves the ignored
// findings out.
func (p *Pipeline) Scan(ctx context.Context) (*ScanResult, error) {
	start := p.now()
	if err := p.check(); err != nil {
		return nil, err
	}
	pol, ignoreFile, err := p.scanPolicy(ctx)
	if err != nil {
		return nil, err
	}
	o := p.trivyOptions(trivyFSJSON)
	res, err := p.trivy(ctx, StageScan, p.trivyContainer(), toolcmd.TrivyFS(o, "."), trivyFSJSON, trivyFSSARIF, ignoreFile, pol)
	if err != nil {
		return nil, err
	}
	// Trivy's targets are relative to the source: name them from the
	// repository root (res.Findings are the stage's findings, mapped in
	// place).
	p.paths(SourcePath).Findings(res.Findings)
	p.stageTimes(&res.Stage, start)
	return res, nil
}

// ScanImage runs trivy image on the image Build built: its first platform,
// exported as an OCI tarball (the platforms of one build share their
// packages but for the architecture). The gate is Scan's.
func (p *Pipeline) ScanImage(ctx context.Context, b *BuildResult) (*ScanResult, error) {
	start := p.now()
	if err := p.check(); err != nil {
		return nil, err
	}
	if b == nil || len(b.Platforms) == 0 {
		return nil, exitcode.Inputf("scan-image: no image built")
	}
	pol, ignoreFile, err := p.scanPolicy(ctx)
	if err != nil {
		return nil, err
	}
	o := p.trivyOptions(trivyImgJSON)
	ctr := p.trivyContainer().WithMountedFile(imageTarball, b.Platforms[0].AsTarball())
	res, err := p.trivy(ctx, StageScanImage, ctr, toolcmd.TrivyImage(o, imageTarball), trivyImgJSON, trivyImgSARIF, ignoreFile, pol)
	if err != nil {
		return nil, err
	}
	p.stageTimes(&res.Stage, start)
	return res, nil
}

// trivyContainer is the Trivy image with its cache volume (or the
// pre-seeded DB, Options.TrivyDB) and an empty ignore file. The volume is LOCKED: the file system scan and the image
// scan may run at once, and two Trivy processes must not download the DB
// into one directory together.
func (p *Pipeline) trivyContainer() *dagger.Container {
	c := p.tool("trivy")
	if p.opts.TrivyDB != nil {
		// A pre-seeded DB: a copy, so that scans at once do not share it.
		c = c.WithDirectory(trivyCacheDir, p.opts.TrivyDB)
	} else {
		c = c.WithMountedCache(trivyCacheDir, p.cache("trivy"), dagger.ContainerWithMountedCacheOpts{Sharing: dagger.CacheSharingModeLocked})
	}
	return c.WithNewFile(emptyIgnore, "")
}

// trivyOptions are the Trivy flags of the configuration. Severities are
// not passed: the report keeps every finding, and the gate decides. The
// ignore file is empty for the same reason: the gate applies the
// repository's own, and counts what it ignores.
func (p *Pipeline) trivyOptions(output string) toolcmd.TrivyOptions {
	sc := p.cfg.Scan
	return toolcmd.TrivyOptions{
		Scanners:               sc.Scanners,
		CacheDir:               trivyCacheDir,
		DBRepository:           sc.DBRepository,
		JavaDBRepository:       sc.JavaDBRepository,
		ChecksBundleRepository: sc.ChecksBundleRepository,
		Insecure:               sc.Insecure,
		SkipDBUpdate:           sc.SkipDBUpdate || p.opts.TrivyDB != nil,
		SkipDirs:               sc.SkipDirs,
		Output:                 output,
		Format:                 "json",
		IgnoreFile:             emptyIgnore,
	}
}

// trivy runs one Trivy scan, gates it and converts its report to SARIF,
// leaving out what the repository's ignore file (ignoreFile, "" for none)
// ignores.
func (p *Pipeline) trivy(ctx context.Context, stage string, ctr *dagger.Container, argv []string, jsonPath, sarifPath, ignoreFile string, pol scan.Policy) (*ScanResult, error) {
	ctr, run, err := p.exec(ctx, stage, ctr, argv, execOpts{Outputs: []string{jsonPath}})
	if err != nil {
		return nil, err
	}
	findings, st, err := scanStage(stage, run, jsonPath, pol)
	if err != nil {
		return nil, err
	}
	conv := ctr
	if ignoreFile != "" {
		// Trivy reads every flag from TRIVY_<FLAG> too: trivy convert
		// applies the repository's ignore file, in either format.
		conv = conv.WithEnvVariable("TRIVY_IGNOREFILE", ignoreFile)
	}
	ctr, convRun, err := p.exec(ctx, stage, conv, toolcmd.TrivyConvert(jsonPath, "sarif", sarifPath), execOpts{})
	if err != nil {
		return nil, err
	}
	if convRun.ExitCode != 0 {
		return nil, trivyFailed(convRun.ExitCode, convRun.Stderr)
	}
	return &ScanResult{JSON: ctr.File(jsonPath), SARIF: ctr.File(sarifPath), Findings: findings, Stage: st}, nil
}

// scanPolicy is the gate of the configuration, with the source's ignore
// file; ignoreFile is its path in the container ("" when there is none).
func (p *Pipeline) scanPolicy(ctx context.Context) (scan.Policy, string, error) {
	pol := scan.Policy{IgnoreUnfixed: p.cfg.Scan.IgnoreUnfixed, Now: p.now()}
	sevs, err := scanSeverities(p.cfg.Scan)
	if err != nil {
		return pol, "", err
	}
	pol.Severities = sevs
	for _, name := range ignoreFiles {
		ok, err := p.source.Exists(ctx, name, dagger.DirectoryExistsOpts{ExpectedType: dagger.ExistsTypeRegularType})
		if err != nil {
			return pol, "", engineError("looking for "+name, err)
		}
		if !ok {
			continue
		}
		data, err := p.source.File(name).Contents(ctx)
		if err != nil {
			return pol, "", engineError("reading "+name, err)
		}
		if pol.Ignore, err = scan.ParseIgnore([]byte(data), name); err != nil {
			return pol, "", exitcode.InputError(err)
		}
		return pol, SourcePath + "/" + name, nil
	}
	return pol, "", nil
}

// scanSeverities reads the configured failing severities (nil: the
// default, HIGH and CRITICAL).
func scanSeverities(c config.ScanConfig) ([]result.Severity, error) {
	if len(c.Severity) == 0 {
		return nil, nil
	}
	sevs, err := scan.ParseSeverities(strings.Join(c.Severity, ","))
	if err != nil {
		return nil, exitcode.Inputf("scan.severity: %w", err)
	}
	return sevs, nil
}

// trivyFailed is the error of a Trivy run that wrote no report: almost
// always the vulnerability DB or the checks bundle that could not be
// downloaded, so infrastructure (exit 3). The message quotes its stderr.
func trivyFailed(code int, stderr string) error {
	msg := fmt.Sprintf("trivy failed (exit code %d)", code)
	if t := text.LastLines(stderr, tailLines); t != "" {
		msg += ":\n" + t
	}
	return exitcode.InfraError(errors.New(msg))
}

// scanStage assembles a scan stage from a Trivy run whose JSON report is
// at report, gated by pol.
func scanStage(stage string, run *toolRun, report string, pol scan.Policy) ([]result.Finding, result.Stage, error) {
	st := result.Stage{Name: stage, Tool: scan.Tool}
	data, ok := run.file(report)
	if run.ExitCode != 0 || !ok {
		return nil, st, trivyFailed(run.ExitCode, run.Stderr)
	}
	rep, err := scan.ParseReport(strings.NewReader(data), baseName(report))
	if err != nil {
		return nil, st, exitcode.InputError(err)
	}
	all, err := scan.Findings(rep)
	if err != nil {
		return nil, st, exitcode.Inputf("trivy report %q: %w", baseName(report), err)
	}
	outcome := scan.Evaluate(all, pol)
	st = outcome.Stage(stage)
	return st.Findings, st, nil
}
