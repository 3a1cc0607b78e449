package scan

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/package-url/packageurl-go"
	"go.yaml.in/yaml/v3"

	"github.com/goldenci/golden/result"
)

// DefaultIgnoreFile is the ignore file read when none is named, as in
// Trivy.
const DefaultIgnoreFile = ".trivyignore"

// IgnoreList is a parsed ignore file in one of Trivy's two formats:
//
// The plain format (.trivyignore): one ID per line, applying to every
// kind of finding; blank lines and lines starting with # are skipped;
// after the ID, a field "exp:YYYY-MM-DD" sets an expiry date and other
// fields are ignored:
//
//	# accepted until the upgrade lands
//	CVE-2023-1234 exp:2024-12-31
//	aws-access-key-id
//
// The YAML format (a file ending in .yaml or .yml, e.g.
// .trivyignore.yaml): lists under vulnerabilities, misconfigurations,
// secrets and licenses, each entry with an id and optional paths
// (doublestar globs matched against the target), purls (vulnerabilities
// only), expired_at and statement:
//
//	vulnerabilities:
//	  - id: CVE-2023-1234
//	    paths: ["go.mod"]
//	    purls: ["pkg:golang/golang.org/x/text"]
//	    expired_at: 2024-12-31
//	    statement: not reachable
//
// As in Trivy, an entry expires at 00:00 UTC of its date: from then on it
// no longer ignores anything. Unlike Trivy, which warns and skips, a
// malformed line or date is an error naming the file and line.
type IgnoreList struct {
	// File is the file the list was read from.
	File string
	// Entries are the entries in file order, expired ones included.
	Entries []IgnoreEntry
}

// IgnoreEntry is one ignored ID.
type IgnoreEntry struct {
	// ID is the vulnerability, rule or check ID, e.g. CVE-2023-1234,
	// aws-access-key-id, DS-0002.
	ID string
	// Kinds restricts the entry to kinds of finding; empty means every
	// kind (the plain format). Licenses are listed as "license" and
	// never match a scan finding.
	Kinds []result.Kind
	// Paths are doublestar patterns matched against the finding's target
	// (and, for vulnerabilities, the package path); empty matches any.
	Paths []string
	// PURLs restrict a vulnerability entry to packages; empty matches any.
	PURLs []string
	// ExpiresAt is the expiry; zero means never.
	ExpiresAt time.Time
	// Statement is why the finding is ignored (YAML format only).
	Statement string
	// Line is the line of the entry in File.
	Line int

	purls []packageurl.PackageURL
}

// KindLicense is the kind of the entries under "licenses" in a YAML
// ignore file. golden does not gate licenses, so they never match.
const KindLicense result.Kind = "license"

// Expired reports whether the entry has expired at now (Trivy's rule:
// expired once its date is before now).
func (e IgnoreEntry) Expired(now time.Time) bool {
	return !e.ExpiresAt.IsZero() && e.ExpiresAt.Before(now)
}

// Where is "file:line" of the entry in l.
func (l *IgnoreList) Where(e IgnoreEntry) string {
	return fmt.Sprintf("%s:%d", l.File, e.Line)
}

// Expired returns the entries that have expired at now.
func (l *IgnoreList) Expired(now time.Time) []IgnoreEntry {
	if l == nil {
		return nil
	}
	var out []IgnoreEntry
	for _, e := range l.Entries {
		if e.Expired(now) {
			out = append(out, e)
		}
	}
	return out
}

// Match returns the first unexpired entry that ignores f at now, or nil.
// The rules are Trivy's: the ID must equal one of f.IDs(); paths, when
// given, must match the target (or a vulnerability's package path);
// purls, when given, must match a vulnerability's package URL (a finding
// without one matches).
func (l *IgnoreList) Match(f Finding, now time.Time) *IgnoreEntry {
	if l == nil {
		return nil
	}
	ids := f.IDs()
	for i := range l.Entries {
		e := &l.Entries[i]
		if e.Expired(now) || !e.appliesTo(f.Kind) || !contains(ids, e.ID) {
			continue
		}
		if !e.matchPath(f) || !e.matchPURL(f) {
			continue
		}
		return e
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (e *IgnoreEntry) appliesTo(k result.Kind) bool {
	if len(e.Kinds) == 0 {
		return true
	}
	for _, ek := range e.Kinds {
		if ek == k {
			return true
		}
	}
	return false
}

func (e *IgnoreEntry) matchPath(f Finding) bool {
	if len(e.Paths) == 0 {
		return true
	}
	paths := []string{f.Target}
	if f.Kind == result.KindVulnerability && f.PkgPath != "" {
		paths = append(paths, f.PkgPath)
	}
	for _, p := range paths {
		for _, pat := range e.Paths {
			if ok, _ := doublestar.Match(pat, p); ok {
				return true
			}
		}
	}
	return false
}

// matchPURL is Trivy's purl constraint: type, namespace and name equal,
// version and subpath equal when the constraint has them, and every
// qualifier of the constraint present in the target.
func (e *IgnoreEntry) matchPURL(f Finding) bool {
	if len(e.purls) == 0 || f.PURL == "" {
		return true
	}
	target, err := packageurl.FromString(f.PURL)
	if err != nil {
		return false
	}
	tq := target.Qualifiers.Map()
	for _, p := range e.purls {
		if p.Type != target.Type || p.Namespace != target.Namespace || p.Name != target.Name {
			continue
		}
		if (p.Version != "" && p.Version != target.Version) || (p.Subpath != "" && p.Subpath != target.Subpath) {
			continue
		}
		ok := true
		for k, v := range p.Qualifiers.Map() {
			if tv, found := tq[k]; !found || tv != v {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// LoadIgnoreFile reads an ignore file, choosing the format by extension
// (.yaml and .yml are YAML, anything else the plain format).
func LoadIgnoreFile(path string) (*IgnoreList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading ignore file: %w", err)
	}
	return ParseIgnore(data, path)
}

// ParseIgnore parses an ignore file's content; name picks the format
// (see LoadIgnoreFile) and is used in error messages.
func ParseIgnore(data []byte, name string) (*IgnoreList, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml":
		return ParseIgnoreYAML(data, name)
	}
	return ParseIgnoreText(bytes.NewReader(data), name)
}

// maxIgnoreLine bounds one line of a plain ignore file.
const maxIgnoreLine = 64 * 1024

// ParseIgnoreText parses the plain .trivyignore format.
func ParseIgnoreText(r io.Reader, name string) (*IgnoreList, error) {
	l := &IgnoreList{File: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxIgnoreLine)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff")
		}
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		e := IgnoreEntry{ID: fields[0], Line: n}
		// As Trivy: the first "exp:" field after the ID is the expiry.
		for _, f := range fields[1:] {
			if date, ok := strings.CutPrefix(f, "exp:"); ok {
				t, err := time.Parse(time.DateOnly, date)
				if err != nil {
					return nil, fmt.Errorf("parsing ignore file %q: line %d: bad expiry %q for %s: want exp:YYYY-MM-DD", name, n, f, e.ID)
				}
				e.ExpiresAt = t
				break
			}
		}
		l.Entries = append(l.Entries, e)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("parsing ignore file %q: line %d: line longer than %d bytes", name, n+1, maxIgnoreLine)
		}
		return nil, fmt.Errorf("reading ignore file %q: %w", name, err)
	}
	return l, nil
}

// yamlSections maps the sections of a YAML ignore file to kinds.
var yamlSections = []struct {
	key  string
	kind result.Kind
}{
	{"vulnerabilities", result.KindVulnerability},
	{"misconfigurations", result.KindMisconfiguration},
	{"secrets", result.KindSecret},
	{"licenses", KindLicense},
}

// ParseIgnoreYAML parses the .trivyignore.yaml format.
func ParseIgnoreYAML(data []byte, name string) (*IgnoreList, error) {
	l := &IgnoreList{File: name}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parsing ignore file %q: %w", name, err)
	}
	if len(doc.Content) == 0 { // empty file
		return l, nil
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parsing ignore file %q: line %d: want a mapping with vulnerabilities, misconfigurations, secrets or licenses", name, root.Line)
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		kind, known := result.Kind(""), false
		for _, s := range yamlSections {
			if key.Value == s.key {
				kind, known = s.kind, true
			}
		}
		if !known {
			// Trivy ignores unknown keys too.
			continue
		}
		if val.Kind == yaml.ScalarNode && val.Tag == "!!null" {
			continue
		}
		if val.Kind != yaml.SequenceNode {
			return nil, fmt.Errorf("parsing ignore file %q: line %d: %s must be a list", name, val.Line, key.Value)
		}
		for _, item := range val.Content {
			e, err := yamlEntry(item, kind, key.Value)
			if err != nil {
				return nil, fmt.Errorf("parsing ignore file %q: %w", name, err)
			}
			l.Entries = append(l.Entries, e)
		}
	}
	return l, nil
}

// yamlEntry reads one entry of section; its errors start with the line.
func yamlEntry(n *yaml.Node, kind result.Kind, section string) (IgnoreEntry, error) {
	e := IgnoreEntry{Kinds: []result.Kind{kind}, Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return e, fmt.Errorf("line %d: %s: an entry must be a mapping with an id", n.Line, section)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		var err error
		switch key.Value {
		case "id":
			err = val.Decode(&e.ID)
			e.ID = strings.TrimSpace(e.ID)
		case "paths":
			err = val.Decode(&e.Paths)
			for _, p := range e.Paths {
				if err == nil && !doublestar.ValidatePattern(p) {
					err = fmt.Errorf("bad path pattern %q", p)
				}
			}
		case "purls":
			// Trivy parses purls in every section but applies them to
			// vulnerabilities only; so does golden.
			var list []string
			err = val.Decode(&list)
			for _, s := range list {
				if err != nil {
					break
				}
				var p packageurl.PackageURL
				if p, err = packageurl.FromString(s); err != nil {
					err = fmt.Errorf("bad purl %q: %w", s, err)
					break
				}
				if len(p.Qualifiers) == 0 {
					p.Qualifiers = nil
				}
				if kind == result.KindVulnerability {
					e.PURLs = append(e.PURLs, s)
					e.purls = append(e.purls, p)
				}
			}
		case "expired_at":
			e.ExpiresAt, err = yamlDate(val)
		case "statement":
			err = val.Decode(&e.Statement)
		}
		if err != nil {
			return e, fmt.Errorf("line %d: %s: %s: %w", key.Line, section, key.Value, err)
		}
	}
	if e.ID == "" {
		return e, fmt.Errorf("line %d: %s: entry without an id", n.Line, section)
	}
	return e, nil
}

// yamlDate reads expired_at: a YAML timestamp (2024-12-31 or RFC 3339),
// quoted or not.
func yamlDate(n *yaml.Node) (time.Time, error) {
	if n.Kind != yaml.ScalarNode {
		return time.Time{}, errors.New("want a date like 2024-12-31")
	}
	var t time.Time
	if err := n.Decode(&t); err == nil && !t.IsZero() {
		return t, nil
	}
	s := strings.TrimSpace(n.Value)
	for _, layout := range []string{time.DateOnly, time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q: want a date like 2024-12-31", n.Value)
}
