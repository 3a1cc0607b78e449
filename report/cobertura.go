package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/goldenci/golden/result"
)

// cobertura is the Cobertura XML document (coverage-04.dtd).
type cobertura struct {
	XMLName         xml.Name       `xml:"coverage"`
	LineRate        string         `xml:"line-rate,attr"`
	BranchRate      string         `xml:"branch-rate,attr"`
	LinesCovered    int            `xml:"lines-covered,attr"`
	LinesValid      int            `xml:"lines-valid,attr"`
	BranchesCovered int            `xml:"branches-covered,attr"`
	BranchesValid   int            `xml:"branches-valid,attr"`
	Complexity      string         `xml:"complexity,attr"`
	Version         string         `xml:"version,attr"`
	Timestamp       int64          `xml:"timestamp,attr"`
	Sources         []string       `xml:"sources>source"`
	Packages        []coberturaPkg `xml:"packages>package"`
}

type coberturaPkg struct {
	Name       string           `xml:"name,attr"`
	LineRate   string           `xml:"line-rate,attr"`
	BranchRate string           `xml:"branch-rate,attr"`
	Complexity string           `xml:"complexity,attr"`
	Classes    []coberturaClass `xml:"classes>class"`
}

type coberturaClass struct {
	Name       string          `xml:"name,attr"`
	Filename   string          `xml:"filename,attr"`
	LineRate   string          `xml:"line-rate,attr"`
	BranchRate string          `xml:"branch-rate,attr"`
	Complexity string          `xml:"complexity,attr"`
	Methods    struct{}        `xml:"methods"`
	Lines      []coberturaLine `xml:"lines>line"`
}

type coberturaLine struct {
	Number int    `xml:"number,attr"`
	Hits   int    `xml:"hits,attr"`
	Branch string `xml:"branch,attr"`
}

// coberturaDoctype names the DTD the report follows.
const coberturaDoctype = `<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">` + "\n"

// rate is covered/valid as Cobertura writes it (0 when nothing is valid),
// with enough digits to read the exact float back.
func rate(covered, valid int) string {
	if valid == 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(covered)/float64(valid), 'f', -1, 64)
}

// Cobertura writes the line coverage of run.Coverage.Files as Cobertura XML
// for GitLab's coverage visualisation (artifacts:reports:coverage_report
// with coverage_format: cobertura). GitLab matches a class's filename
// against the repository, so file names are relative to the repository
// root, as golden records them (see package repopath), which is the one
// <source> (opts.Source; GitLab CI: $CI_PROJECT_DIR): absolute paths below
// opts.Source are made relative to it and import paths of opts.ModulePath
// are renamed into opts.ModuleDir. Each file is a class,
// grouped into packages by FileCoverage.Package (or the file's directory);
// a line listed twice counts with its highest hits. line-rate is covered
// lines / valid lines. Without coverage the report has no packages.
func Cobertura(w io.Writer, run *result.Run, opts Options) error {
	return render(w, run, opts, coberturaXML)
}

func coberturaXML(buf *bytes.Buffer, run *result.Run, opts Options) error {
	source := opts.Source
	if source == "" {
		source = "."
	}
	doc := cobertura{BranchRate: "0", Complexity: "0", Version: "golden", Sources: []string{source}}
	switch {
	case !run.UpdatedAt.IsZero():
		doc.Timestamp = run.UpdatedAt.UnixMilli()
	case !run.StartedAt.IsZero():
		doc.Timestamp = run.StartedAt.UnixMilli()
	}
	addPackages(&doc, coberturaFiles(run.Coverage, opts))
	buf.WriteString(xmlHeader)
	buf.WriteString(coberturaDoctype)
	enc := xml.NewEncoder(buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("encoding Cobertura XML: %w", err)
	}
	buf.WriteString("\n")
	return nil
}

// coberturaFile is one file's lines and hits, and its package.
type coberturaFile struct {
	pkg   string
	lines map[int]int
}

// coberturaFiles gathers the covered files by their name in the report;
// a line listed twice counts with its highest hits.
func coberturaFiles(cov *result.Coverage, opts Options) map[string]*coberturaFile {
	files := map[string]*coberturaFile{}
	if cov == nil {
		return files
	}
	for _, fc := range cov.Files {
		name := coberturaPath(fc.Path, opts)
		if name == "" {
			continue
		}
		f := files[name]
		if f == nil {
			pkg := fc.Package
			if pkg == "" {
				pkg = path.Dir(name)
			}
			f = &coberturaFile{pkg: pkg, lines: map[int]int{}}
			files[name] = f
		}
		for _, l := range fc.Lines {
			if l.Line <= 0 {
				continue
			}
			hits := max(l.Hits, 0)
			if old, ok := f.lines[l.Line]; !ok || hits > old {
				f.lines[l.Line] = hits
			}
		}
	}
	return files
}

// addPackages adds each file as a class of its package, in name order,
// with the line rates of classes, packages and the document.
func addPackages(doc *cobertura, files map[string]*coberturaFile) {
	type pkgAcc struct {
		classes        []coberturaClass
		covered, valid int
	}
	pkgs := map[string]*pkgAcc{}
	for _, n := range slices.Sorted(maps.Keys(files)) {
		f := files[n]
		nums := slices.Sorted(maps.Keys(f.lines))
		c := coberturaClass{Name: xmlSafe(n), Filename: xmlSafe(n), BranchRate: "0", Complexity: "0"}
		covered := 0
		for _, l := range nums {
			h := f.lines[l]
			if h > 0 {
				covered++
			}
			c.Lines = append(c.Lines, coberturaLine{Number: l, Hits: h, Branch: "false"})
		}
		c.LineRate = rate(covered, len(nums))
		p := pkgs[f.pkg]
		if p == nil {
			p = &pkgAcc{}
			pkgs[f.pkg] = p
		}
		p.classes = append(p.classes, c)
		p.covered += covered
		p.valid += len(nums)
		doc.LinesCovered += covered
		doc.LinesValid += len(nums)
	}
	for _, n := range slices.Sorted(maps.Keys(pkgs)) {
		p := pkgs[n]
		doc.Packages = append(doc.Packages, coberturaPkg{
			Name: xmlSafe(n), LineRate: rate(p.covered, p.valid), BranchRate: "0", Complexity: "0", Classes: p.classes,
		})
	}
	doc.LineRate = rate(doc.LinesCovered, doc.LinesValid)
}

// coberturaPath names a coverage file relative to the project root.
func coberturaPath(p string, opts Options) string {
	p = strings.ReplaceAll(p, `\`, "/")
	if p == "" {
		return ""
	}
	if src := filepath.ToSlash(opts.Source); path.IsAbs(p) && path.IsAbs(src) {
		if rel, ok := strings.CutPrefix(p, strings.TrimSuffix(src, "/")+"/"); ok {
			p = rel
		}
	}
	if m := opts.ModulePath; m != "" {
		if rel, ok := strings.CutPrefix(p, m+"/"); ok {
			p = path.Join(opts.ModuleDir, rel)
		}
	}
	p = path.Clean(p)
	if !path.IsAbs(p) {
		p = strings.TrimPrefix(p, "./")
	}
	return p
}
