package coverage

import (
	"container/heap"
	"fmt"
	"go/scanner"
	"go/token"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/goldenci/golden/exitcode"
)

// Summary is the coverage of a profile over its source tree.
type Summary struct {
	// Statements and Covered count statements (Go) or lines (Cobertura,
	// LCOV); Percent is 100*Covered/Statements, 0 when there are none.
	Statements int
	Covered    int
	Percent    float64
	// Packages are sorted by name; packages without statements are left
	// out.
	Packages []PackageSummary
	// Files are sorted by Path.
	Files []FileSummary
	// Warnings say where the numbers may differ from go tool cover -func,
	// e.g. Go files that are not in the source tree.
	Warnings []string
}

// PackageSummary is the coverage of one package: the import-path directory
// of its files (Go), or the directory of its files (Cobertura, LCOV).
type PackageSummary struct {
	Package    string
	Statements int
	Covered    int
	Percent    float64
}

// FileSummary is the coverage of one file.
type FileSummary struct {
	// Path is slash-separated and relative to the source tree when the
	// file is (or would be) inside it; else the profile's name for it.
	Path    string
	Name    string // as the profile names it
	Package string
	// Present reports whether the file was found in the source tree.
	Present    bool
	Statements int
	Covered    int
	// Lines are the instrumented lines, sorted, with the hits of the
	// most-run block on each.
	Lines []LineHit
}

// LineHit is how often a line ran.
type LineHit struct {
	Line int
	Hits int
}

// maxTotalLines bounds the line tables of a summary: a profile whose
// blocks span more lines than this is not of a real source tree.
const maxTotalLines = 1 << 26

// Percent returns 100*covered/total, or 0 when total is 0, exactly as go
// tool cover computes it.
func Percent(covered, total int) float64 {
	if total == 0 {
		total = 1
	}
	return 100.0 * float64(covered) / float64(total)
}

// Analyze computes the coverage of p over the source tree src.
//
// The total is go tool cover -func's: every deduplicated block is counted
// once for each function declaration it overlaps, so blocks outside any
// function declaration (package-level function literals) are left out.
// That needs the Go source; for a Go file that is not in src (or when src
// is nil) every block is counted, as go test -cover does, and a warning
// says so. For Cobertura and LCOV every listed line is one statement.
func Analyze(p *Profile, src *Source) (*Summary, error) {
	files := groupFiles(p, src)

	// Function extents of the Go files, parsed in parallel.
	var missing, unparsable []string
	extents := make([][]funcExtent, len(files))
	parseErrs := make([]error, len(files))
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				extents[i], parseErrs[i] = findFuncs(files[i].res.abs)
			}
		}()
	}
	for i, f := range files {
		if f.format != FormatGo {
			continue
		}
		if src == nil || !f.res.present {
			if src != nil {
				missing = append(missing, f.name)
			}
			continue
		}
		work <- i
	}
	close(work)
	wg.Wait()

	s := &Summary{}
	pkgs := map[string]*PackageSummary{}
	var totalLines int
	for i, f := range files {
		fs := FileSummary{Path: f.res.path, Name: f.name, Package: f.res.pkg, Present: f.res.present}
		switch {
		case f.format != FormatGo:
			for _, b := range f.blocks {
				fs.Statements += b.NumStmt
				if b.Count > 0 {
					fs.Covered += b.NumStmt
				}
			}
		case parseErrs[i] != nil:
			unparsable = append(unparsable, fmt.Sprintf("%s: %v", f.res.path, parseErrs[i]))
			fs.Statements, fs.Covered = countAll(f.blocks)
		case src == nil || !f.res.present:
			fs.Statements, fs.Covered = countAll(f.blocks)
		default:
			fs.Statements, fs.Covered = countInFuncs(f.blocks, extents[i])
		}
		n := unionLines(f.blocks)
		if totalLines += n; totalLines > maxTotalLines {
			return nil, exitcode.Inputf("coverage profile %s: its blocks span more than %d source lines; is it of a real source tree?", p.Name, maxTotalLines)
		}
		fs.Lines = lineHits(f.blocks, n)
		s.Statements += fs.Statements
		s.Covered += fs.Covered
		ps := pkgs[fs.Package]
		if ps == nil {
			ps = &PackageSummary{Package: fs.Package}
			pkgs[fs.Package] = ps
		}
		ps.Statements += fs.Statements
		ps.Covered += fs.Covered
		s.Files = append(s.Files, fs)
	}
	s.Percent = Percent(s.Covered, s.Statements)
	for _, ps := range pkgs {
		if ps.Statements == 0 {
			continue
		}
		ps.Percent = Percent(ps.Covered, ps.Statements)
		s.Packages = append(s.Packages, *ps)
	}
	sort.Slice(s.Packages, func(i, j int) bool { return s.Packages[i].Package < s.Packages[j].Package })
	sort.Slice(s.Files, func(i, j int) bool { return s.Files[i].Path < s.Files[j].Path })
	if len(missing) > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"%d Go file(s) of the profile are not in the source tree %s (no go.mod under it declares their module, or the files are gone), so every block of theirs is counted, as go test -cover does; go tool cover -func counts only blocks inside functions: %s",
			len(missing), src.Dir, listSome(missing, 5)))
	}
	if len(unparsable) > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"%d Go file(s) could not be parsed for their functions, so every block of theirs is counted: %s",
			len(unparsable), listSome(unparsable, 3)))
	}
	return s, nil
}

func listSome(xs []string, n int) string {
	if len(xs) <= n {
		return strings.Join(xs, ", ")
	}
	return strings.Join(xs[:n], ", ") + fmt.Sprintf(" and %d more", len(xs)-n)
}

// analyzed is one file of the profile, after resolution.
type analyzed struct {
	name   string
	format Format
	res    resolved
	blocks []Block
}

// groupFiles resolves the profile's files and merges those that resolve
// to the same path.
func groupFiles(p *Profile, src *Source) []analyzed {
	var out []analyzed
	at := map[string]int{}
	for _, f := range p.Files {
		res := resolved{path: f.Name, pkg: pathDir(f.Name)}
		if src != nil {
			res = src.resolve(f)
		}
		i, dup := at[res.path]
		if !dup {
			at[res.path] = len(out)
			out = append(out, analyzed{name: f.Name, format: f.Format, res: res, blocks: f.Blocks})
			continue
		}
		// Another name for the same file: merge the blocks.
		b := newBuilder(out[i].format)
		acc := b.fileFor([]byte(res.path), nil)
		for _, blk := range out[i].blocks {
			_ = acc.add(blk, p.Mode == "set")
		}
		for _, blk := range f.Blocks {
			if err := acc.add(blk, p.Mode == "set"); err != nil {
				// Same position, other statement count: keep the first.
				continue
			}
		}
		sortBlocks(acc.file.Blocks)
		out[i].blocks = acc.file.Blocks
	}
	return out
}

func pathDir(name string) string {
	i := strings.LastIndexAny(name, `/\`)
	if i < 0 {
		return "."
	}
	if i == 0 {
		return name[:1]
	}
	return name[:i]
}

func countAll(blocks []Block) (stmts, covered int) {
	for _, b := range blocks {
		stmts += b.NumStmt
		if b.Count > 0 {
			covered += b.NumStmt
		}
	}
	return stmts, covered
}

// funcExtent is where a function declaration is: from its "func" keyword
// to just after its closing brace, as go tool cover -func sees it.
type funcExtent struct {
	start, end pos // only startLine/startCol are used
}

func before(aLine, aCol, bLine, bCol int) bool {
	return aLine < bLine || aLine == bLine && aCol < bCol
}

// findFuncs returns the extents of the function declarations with bodies
// in a Go file, in source order: the FuncDecl.Pos() to FuncDecl.End() that
// go tool cover -func takes from go/parser, found here with go/scanner
// alone (a test checks both agree on the standard library). A function
// declaration is a "func" token that starts a top-level declaration, that
// is that follows a semicolon (written or automatic) outside any bracket;
// its body is the first "{" outside brackets that does not follow
// "struct" or "interface", and it ends after the matching "}".
func findFuncs(file string) ([]funcExtent, error) {
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	tf := fset.AddFile(file, -1, len(src))
	var errs scanner.ErrorList
	var s scanner.Scanner
	s.Init(tf, src, func(p token.Position, msg string) { errs.Add(p, msg) }, 0)
	var out []funcExtent
	depth, prev := 0, token.SEMICOLON
	for {
		p, tok, _ := s.Scan()
		if tok == token.EOF {
			break
		}
		if tok == token.FUNC && depth == 0 && prev == token.SEMICOLON {
			end, ok := scanFuncBody(&s)
			prev = token.RBRACE
			if !ok {
				prev = token.SEMICOLON // the declaration ended at its semicolon
			} else {
				sp, ep := fset.Position(p), fset.Position(end)
				out = append(out, funcExtent{
					start: pos{startLine: sp.Line, startCol: sp.Column},
					end:   pos{startLine: ep.Line, startCol: ep.Column},
				})
			}
			continue
		}
		switch tok {
		case token.LPAREN, token.LBRACK, token.LBRACE:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
		}
		if depth == 0 {
			prev = tok
		}
	}
	if errs.Len() > 0 {
		errs.Sort()
		return nil, errs.Err()
	}
	return out, nil
}

// scanFuncBody scans from just after a declaration's "func" to just after
// its body and returns that position; ok is false for a declaration
// without body.
func scanFuncBody(s *scanner.Scanner) (end token.Pos, ok bool) {
	depth, prev := 0, token.FUNC
	for {
		p, tok, _ := s.Scan()
		switch tok {
		case token.EOF:
			return 0, false
		case token.SEMICOLON:
			if depth == 0 {
				return 0, false // no body: implemented in assembly
			}
		case token.LPAREN, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACK, token.RBRACE:
			depth--
		case token.LBRACE:
			if depth == 0 && prev != token.STRUCT && prev != token.INTERFACE {
				for n := 1; ; {
					p, tok, _ := s.Scan()
					switch tok {
					case token.EOF:
						return 0, false
					case token.LBRACE:
						n++
					case token.RBRACE:
						if n--; n == 0 {
							return p + 1, true
						}
					}
				}
			}
			depth++
		}
		prev = tok
		_ = p
	}
}

// countInFuncs counts the statements of the blocks once per function they
// overlap, as go tool cover -func does: block b counts for function f when
// b starts before f ends and ends after f starts. Function declarations do
// not overlap, so the functions a block overlaps are a run of funcs found
// by binary search.
func countInFuncs(blocks []Block, funcs []funcExtent) (stmts, covered int) {
	for _, b := range blocks {
		// First function that ends after the block starts.
		i := sort.Search(len(funcs), func(i int) bool {
			return before(b.StartLine, b.StartCol, funcs[i].end.startLine, funcs[i].end.startCol)
		})
		for ; i < len(funcs) && before(funcs[i].start.startLine, funcs[i].start.startCol, b.EndLine, b.EndCol); i++ {
			stmts += b.NumStmt
			if b.Count > 0 {
				covered += b.NumStmt
			}
		}
	}
	return stmts, covered
}

// unionLines returns how many lines the blocks with statements span.
func unionLines(blocks []Block) int {
	n, last := 0, 0 // last: the highest line counted so far
	for _, b := range blocks {
		if b.NumStmt == 0 || b.EndLine <= last {
			continue
		}
		from := max(b.StartLine, last+1)
		n += b.EndLine - from + 1
		last = b.EndLine
	}
	return n
}

// lineHits returns, for each line spanned by a block with statements, the
// highest count of the blocks spanning it. blocks are sorted by start;
// n is their unionLines.
func lineHits(blocks []Block, n int) []LineHit {
	out := make([]LineHit, 0, n)
	h := &blockHeap{}
	i, line := 0, 0
	for {
		for i < len(blocks) && blocks[i].NumStmt == 0 {
			i++
		}
		if h.Len() == 0 {
			if i == len(blocks) {
				return out
			}
			line = blocks[i].StartLine
		}
		for i < len(blocks) && blocks[i].StartLine <= line {
			if blocks[i].NumStmt > 0 {
				heap.Push(h, blocks[i])
			}
			i++
		}
		for h.Len() > 0 && (*h)[0].EndLine < line {
			heap.Pop(h)
		}
		if h.Len() > 0 {
			out = append(out, LineHit{Line: line, Hits: (*h)[0].Count})
		}
		line++
	}
}

// blockHeap is a max-heap of blocks by count.
type blockHeap []Block

func (h blockHeap) Len() int           { return len(h) }
func (h blockHeap) Less(i, j int) bool { return h[i].Count > h[j].Count }
func (h blockHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *blockHeap) Push(x any)        { *h = append(*h, x.(Block)) }
func (h *blockHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
