package gitrepo

import (
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
	gitssh "github.com/go-git/go-git/v5/plumbing/transport/ssh"

	"github.com/goldenci/golden/exitcode"
)

// DefaultTokenUsername is the basic-auth user name sent with an HTTPS
// token when Auth.Username is empty. GitHub, GitLab (personal, project and
// group access tokens) and Gitea accept any non-empty name with a token;
// GitLab's CI_JOB_TOKEN needs Username "gitlab-ci-token".
const DefaultTokenUsername = "x-access-token"

// Auth holds the credentials for a remote. Fill it from environment
// variables or files (AuthFromEnv does), never from command-line flags:
// every user of a machine can read the arguments of its processes. The
// secret fields (Password, Token, SSHKey, SSHKeyPassphrase) never appear
// in errors or progress output, and Apply refuses a commit message that
// contains one; values shorter than 4 characters are too short to search
// for and are not protected that way.
type Auth struct {
	// Username and Password are HTTP basic credentials for http(s) URLs.
	Username string
	Password string
	// Token is an HTTPS access token, sent as the basic-auth password
	// with Username (DefaultTokenUsername when empty). Set Token or
	// Password, not both.
	Token string

	// SSHKey is a PEM private key (OpenSSH, PKCS#1 or PKCS#8) for ssh://
	// and scp-like (git@host:owner/repo.git) URLs, encrypted with
	// SSHKeyPassphrase when that is set. Without a key, SSH uses the agent
	// at $SSH_AUTH_SOCK.
	SSHKey           []byte
	SSHKeyPassphrase string
	// KnownHostsFile verifies the SSH server's host key. Empty uses
	// $SSH_KNOWN_HOSTS, then ~/.ssh/known_hosts and
	// /etc/ssh/ssh_known_hosts. Host keys are always verified.
	KnownHostsFile string
}

// hasHTTP reports whether a carries HTTP credentials.
func (a Auth) hasHTTP() bool { return a.Username != "" || a.Password != "" || a.Token != "" }

// minSecretLen is the length from which a secret is searched for in text
// to redact it, or to refuse a commit message holding it. Shorter values
// would match all over ordinary text, and protect nothing anyway.
const minSecretLen = 4

// secrets are the values that must never be shown.
func (a Auth) secrets() []string {
	var s []string
	for _, v := range []string{a.Password, a.Token, a.SSHKeyPassphrase} {
		if len(v) >= minSecretLen {
			s = append(s, v)
		}
	}
	if len(a.SSHKey) > 0 {
		s = append(s, string(a.SSHKey))
	}
	return s
}

// Environment variables AuthFromEnv reads. A variable ending in _FILE names
// a file holding the value (trailing newlines are dropped), for secrets
// mounted as files; setting both forms of one value is an error.
const (
	EnvUsername      = "GOLDEN_GIT_USERNAME"
	EnvPassword      = "GOLDEN_GIT_PASSWORD"
	EnvToken         = "GOLDEN_GIT_TOKEN"
	EnvSSHKey        = "GOLDEN_GIT_SSH_KEY" // the PEM key itself
	EnvSSHPassphrase = "GOLDEN_GIT_SSH_KEY_PASSPHRASE"
	EnvKnownHosts    = "GOLDEN_GIT_KNOWN_HOSTS_FILE" // a path
)

// AuthFromEnv reads Auth from the GOLDEN_GIT_* environment variables
// (EnvUsername and the others) through getenv, e.g. os.Getenv. Each of
// GOLDEN_GIT_USERNAME, _PASSWORD, _TOKEN, _SSH_KEY and _SSH_KEY_PASSPHRASE
// may instead name a file in the same variable with a _FILE suffix. A
// missing or unreadable file is an input error (exit 2); its content is
// never quoted.
func AuthFromEnv(getenv func(string) string) (Auth, error) {
	var a Auth
	var err error
	read := func(name string) string {
		if err != nil {
			return ""
		}
		var v string
		v, err = envOrFile(getenv, name)
		return v
	}
	a.Username = read(EnvUsername)
	a.Password = read(EnvPassword)
	a.Token = read(EnvToken)
	a.SSHKey = []byte(read(EnvSSHKey))
	a.SSHKeyPassphrase = read(EnvSSHPassphrase)
	if err != nil {
		return Auth{}, err
	}
	if len(a.SSHKey) == 0 {
		a.SSHKey = nil
	}
	a.KnownHostsFile = getenv(EnvKnownHosts)
	if a.Token != "" && a.Password != "" {
		return Auth{}, exitcode.Inputf("both %s and %s are set: set one", EnvToken, EnvPassword)
	}
	return a, nil
}

func envOrFile(getenv func(string) string, name string) (string, error) {
	v, file := getenv(name), getenv(name+"_FILE")
	switch {
	case v != "" && file != "":
		return "", exitcode.Inputf("both %s and %s_FILE are set: set one", name, name)
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return "", exitcode.Inputf("reading %s_FILE: %w", name, err)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	return v, nil
}

// method builds go-git's auth method for the remote. A nil method means
// anonymous (HTTP), the SSH agent (SSH) or none needed (local paths).
func (a Auth) method(r *remote) (transport.AuthMethod, error) {
	switch r.kind {
	case kindHTTP:
		if a.Token != "" && a.Password != "" {
			return nil, exitcode.Inputf("authenticating to %s: both a token and a password are set: set one", r.display)
		}
		if a.Token != "" {
			user := a.Username
			if user == "" {
				user = DefaultTokenUsername
			}
			return &githttp.BasicAuth{Username: user, Password: a.Token}, nil
		}
		if a.Username != "" || a.Password != "" {
			return &githttp.BasicAuth{Username: a.Username, Password: a.Password}, nil
		}
		if len(a.SSHKey) > 0 {
			return nil, exitcode.Inputf("authenticating to %s: an SSH key was given for an HTTP remote: give a token or a password, or use an ssh:// URL", r.display)
		}
		return nil, nil
	case kindSSH:
		user := r.ep.User
		if user == "" {
			user = gitssh.DefaultUsername
		}
		if len(a.SSHKey) == 0 {
			if a.hasHTTP() {
				return nil, exitcode.Inputf("authenticating to %s: HTTP credentials were given for an SSH remote: give an SSH key, or use an https:// URL", r.display)
			}
			return nil, nil
		}
		keys, err := gitssh.NewPublicKeys(user, a.SSHKey, a.SSHKeyPassphrase)
		if err != nil {
			return nil, exitcode.Inputf("authenticating to %s: reading the SSH key: %s", r.display, redact(err.Error(), a.secrets()))
		}
		var files []string
		if a.KnownHostsFile != "" {
			files = append(files, a.KnownHostsFile)
		}
		db, err := gitssh.NewKnownHostsDb(files...)
		if err != nil {
			return nil, exitcode.Inputf("verifying the host key of %s: reading known hosts: %s", r.display, redact(err.Error(), a.secrets()))
		}
		port := r.ep.Port
		if port <= 0 {
			port = 22
		}
		hostPort := net.JoinHostPort(r.ep.Host, strconv.Itoa(port))
		keys.HostKeyCallback = db.HostKeyCallback()
		keys.HostKeyAlgorithms = db.HostKeyAlgorithms(hostPort)
		return keys, nil
	}
	return nil, nil
}

// String describes a without its secrets, for logs.
func (a Auth) String() string {
	var parts []string
	if a.Username != "" {
		parts = append(parts, "user "+strconv.Quote(a.Username))
	}
	if a.Password != "" {
		parts = append(parts, "password ***")
	}
	if a.Token != "" {
		parts = append(parts, "token ***")
	}
	if len(a.SSHKey) > 0 {
		parts = append(parts, "ssh key ***")
	}
	if a.KnownHostsFile != "" {
		parts = append(parts, "known hosts "+strconv.Quote(a.KnownHostsFile))
	}
	if len(parts) == 0 {
		return "no credentials"
	}
	return strings.Join(parts, ", ")
}

// GoString keeps %#v from printing secrets.
func (a Auth) GoString() string { return "gitrepo.Auth{" + a.String() + "}" }
