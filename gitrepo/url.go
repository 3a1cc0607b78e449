package gitrepo

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"

	"github.com/goldenci/golden/exitcode"
)

type remoteKind int

const (
	kindFile remoteKind = iota
	kindHTTP
	kindSSH
)

// remote is a parsed remote address.
type remote struct {
	url     string // what go-git is given: no credentials, absolute local paths
	display string // what messages show: no credentials
	kind    remoteKind
	ep      *transport.Endpoint
}

// parseRemote parses a remote address: an http(s)://, ssh:// or file://
// URL, an scp-like address (git@host:owner/repo.git) or a local path to a
// bare or non-bare repository. Credentials in an http(s) URL move into
// auth (when auth has none of its own) and out of the URL.
func parseRemote(raw string, auth *Auth) (*remote, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, exitcode.Inputf("no repository URL given")
	}
	if strings.ContainsAny(raw, "\x00\n\r") {
		return nil, exitcode.Inputf("repository URL %q: contains a control character", RedactURL(raw))
	}
	if isLocalPath(raw) {
		abs, err := filepath.Abs(raw)
		if err != nil {
			return nil, exitcode.Inputf("repository path %q: %w", raw, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, exitcode.InputError(&Error{msg: abs + ": repository not found", kind: ErrRepositoryNotFound})
		}
		ep, err := transport.NewEndpoint(abs)
		if err != nil {
			return nil, exitcode.Inputf("repository path %q: %w", abs, err)
		}
		return &remote{url: abs, display: abs, kind: kindFile, ep: ep}, nil
	}

	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		return nil, exitcode.Inputf("repository URL %q: %s", RedactURL(raw), redact(err.Error(), auth.secrets()))
	}
	r := &remote{ep: ep}
	switch ep.Protocol {
	case "http", "https":
		r.kind = kindHTTP
		if ep.User != "" || ep.Password != "" {
			if !auth.hasHTTP() {
				auth.Username, auth.Password = ep.User, ep.Password
			}
			ep.User, ep.Password = "", ""
		}
		if ep.Host == "" {
			return nil, exitcode.Inputf("repository URL %q: no host", RedactURL(raw))
		}
	case "ssh":
		r.kind = kindSSH
		if ep.Password != "" {
			return nil, exitcode.Inputf("repository URL %q: ssh URLs take no password: give an SSH key", RedactURL(raw))
		}
		if ep.Host == "" {
			return nil, exitcode.Inputf("repository URL %q: no host", RedactURL(raw))
		}
	case "file":
		r.kind = kindFile
		if _, err := os.Stat(ep.Path); err != nil {
			return nil, exitcode.InputError(&Error{msg: RedactURL(raw) + ": repository not found", kind: ErrRepositoryNotFound})
		}
	default:
		return nil, exitcode.Inputf("repository URL %q: unsupported scheme %q (want https, http, ssh, file or a local path)", RedactURL(raw), ep.Protocol)
	}
	r.url = ep.String()
	r.display = RedactURL(r.url)
	return r, nil
}

var schemeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*://`)

// scpLikeRE matches [user@]host:path, git's scp-like syntax.
var scpLikeRE = regexp.MustCompile(`^(?:[^@/:]+@)?[A-Za-z0-9._-]+:.`)

// isLocalPath reports whether raw is a path rather than a URL or an
// scp-like address. As git does, a colon after a slash means a path.
func isLocalPath(raw string) bool {
	if schemeRE.MatchString(raw) {
		return false
	}
	if i := strings.IndexByte(raw, ':'); i >= 0 {
		if j := strings.IndexByte(raw, '/'); j < 0 || j > i {
			return !scpLikeRE.MatchString(raw)
		}
	}
	return true
}

// userinfoRE finds the userinfo part of URLs inside free text: up to the
// last "@" before the first slash or space after the scheme.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^/\s"'<>]*)@`)

// RedactURL returns u without the user name and password of a URL's
// userinfo (https://user:token@host/x becomes https://host/x). It keeps the
// user of an ssh:// URL, which is not secret (ssh://git@host/x stays as it
// is), unless a password is attached; scp-like addresses (git@host:o/r)
// have no password and stay as they are. Text that holds URLs, such as an
// error message, gets the same treatment for every URL in it.
func RedactURL(u string) string {
	return userinfoRE.ReplaceAllStringFunc(u, func(m string) string {
		sub := userinfoRE.FindStringSubmatch(m)
		scheme, info := sub[1], sub[2]
		if strings.EqualFold(scheme, "ssh://") && !strings.Contains(info, ":") {
			return m
		}
		return scheme
	})
}

// redact removes URL userinfo and every secret from a message.
func redact(msg string, secrets []string) string {
	for _, s := range secrets {
		if s == "" {
			continue
		}
		msg = strings.ReplaceAll(msg, s, "***")
		if e := url.QueryEscape(s); e != s {
			msg = strings.ReplaceAll(msg, e, "***")
		}
		if e := url.PathEscape(s); e != s {
			msg = strings.ReplaceAll(msg, e, "***")
		}
	}
	return RedactURL(msg)
}

// CompareURL returns the web page that opens a pull request (GitHub) or a
// merge request (GitLab) from branch into base for the remote at
// remoteURL, or "" for other hosts. GitHub means github.com or a host
// whose name contains "github" (GitHub Enterprise); GitLab means
// gitlab.com or a host whose name contains "gitlab". Both https:// and SSH
// remotes (ssh://git@host/o/r.git, git@host:o/r.git) are understood; the
// page is always https, keeping an https remote's port.
//
//	CompareURL("git@github.com:o/r.git", "main", "B")
//	  = "https://github.com/o/r/compare/main...B?expand=1"
//	CompareURL("https://gitlab.com/g/r.git", "main", "B")
//	  = "https://gitlab.com/g/r/-/merge_requests/new?merge_request[source_branch]=B&merge_request[target_branch]=main"
func CompareURL(remoteURL, base, branch string) string {
	if base == "" || branch == "" {
		return ""
	}
	host, path, ok := webLocation(remoteURL)
	if !ok {
		return ""
	}
	name := strings.ToLower(host)
	if h, _, found := strings.Cut(name, ":"); found {
		name = h
	}
	switch {
	case strings.Contains(name, "github"):
		return "https://" + host + "/" + path + "/compare/" + escapeRef(base) + "..." + escapeRef(branch) + "?expand=1"
	case strings.Contains(name, "gitlab"):
		return "https://" + host + "/" + path + "/-/merge_requests/new?merge_request[source_branch]=" +
			url.QueryEscape(branch) + "&merge_request[target_branch]=" + url.QueryEscape(base)
	}
	return ""
}

// webLocation finds the web host (with the port of an https URL) and the
// project path (without .git and slashes at either end) of a remote.
func webLocation(remoteURL string) (host, path string, ok bool) {
	remoteURL = strings.TrimSpace(remoteURL)
	switch {
	case schemeRE.MatchString(remoteURL):
		u, err := url.Parse(remoteURL)
		if err != nil || u.Hostname() == "" {
			return "", "", false
		}
		switch strings.ToLower(u.Scheme) {
		case "https", "http":
			host = u.Host
		case "ssh", "git+ssh", "ssh+git":
			host = u.Hostname()
		default:
			return "", "", false
		}
		path = u.Path
	case !isLocalPath(remoteURL):
		rest := remoteURL
		if i := strings.IndexByte(rest, '@'); i >= 0 && i < strings.IndexByte(rest, ':') {
			rest = rest[i+1:]
		}
		h, p, found := strings.Cut(rest, ":")
		if !found {
			return "", "", false
		}
		host, path = h, p
	default:
		return "", "", false
	}
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	path = strings.Trim(path, "/")
	if host == "" || path == "" || strings.ContainsAny(host, "/?#@ ") || strings.ContainsAny(path, "?# \t\n") {
		return "", "", false
	}
	return host, path, true
}

// escapeRef escapes a branch name for a URL path, keeping its slashes.
func escapeRef(ref string) string {
	parts := strings.Split(ref, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// validBranch checks a branch name against git's rules for ref names
// (git check-ref-format --branch).
func validBranch(name string) error {
	bad := func(why string) error {
		return exitcode.Inputf("invalid branch name %q: %s", name, why)
	}
	switch {
	case name == "":
		return bad("empty")
	case name == "@", name == "HEAD":
		return bad("reserved name")
	case strings.HasPrefix(name, "-"):
		return bad(`starts with "-"`)
	case strings.HasPrefix(name, "/") || strings.HasSuffix(name, "/") || strings.Contains(name, "//"):
		return bad("empty path component")
	case strings.HasSuffix(name, "."):
		return bad(`ends with "."`)
	case strings.Contains(name, ".."):
		return bad(`contains ".."`)
	case strings.Contains(name, "@{"):
		return bad(`contains "@{"`)
	}
	for _, c := range name {
		if c < 0x20 || c == 0x7f || strings.ContainsRune(" ~^:?*[\\", c) {
			return bad("contains " + quoteRune(c))
		}
	}
	for _, comp := range strings.Split(name, "/") {
		if strings.HasPrefix(comp, ".") {
			return bad(`a component starts with "."`)
		}
		if strings.HasSuffix(comp, ".lock") {
			return bad(`a component ends with ".lock"`)
		}
	}
	return nil
}

func quoteRune(c rune) string {
	if c < 0x20 || c == 0x7f {
		return "a control character"
	}
	return "'" + string(c) + "'"
}
