package pipeline

import (
	"sort"

	"github.com/goldenci/golden/config"
)

// Where the tool containers find the CA bundle and the package managers'
// credentials, outside the source and the output directory. The netrc is
// ~/.netrc of the tool images, which run as root: git (libcurl) reads no
// NETRC, only $HOME/.netrc, and the go command runs git for the modules
// it fetches directly (GOPRIVATE, GONOPROXY); NETRC points Go and pip at
// it whatever HOME is (toolenv_contract_test.go runs the real tools).
const (
	caCertsPath = "/golden/ca-certificates.pem"
	netrcPath   = "/root/.netrc"
	npmrcPath   = "/golden/secrets/npmrc"
)

// EnvVar is one environment variable of a tool container.
type EnvVar struct{ Name, Value string }

// ToolSecrets say which of the optional files a run gives the tool
// containers.
type ToolSecrets struct {
	CACerts, Netrc, Npmrc bool
}

// ToolEnvironment is what every tool container gets besides its image:
// variables (sorted by name) and where the CA bundle and the credentials
// are mounted.
type ToolEnvironment struct {
	Vars                              []EnvVar
	CACertsPath, NetrcPath, NpmrcPath string
}

// ToolEnv is the environment of every tool container of a pipeline with
// configuration cfg: CI=true (tools print less; pip still prompts for a
// user on a 401 without --no-input, which golden's pip commands pass), the
// configuration's env (GOPROXY, GOPRIVATE, PIP_INDEX_URL,
// npm_config_registry, ...), and when given, the variables that make Go,
// Python (ssl, requests, pip), Node and git trust the CA bundle and that
// point Go, pip (NETRC) and npm (NPM_CONFIG_USERCONFIG) at the
// credentials; git finds the netrc at $HOME/.netrc, where it is mounted.
// The credentials themselves are secrets, mounted as files: never a
// variable, an argument or a layer.
func ToolEnv(cfg *config.Config, s ToolSecrets) ToolEnvironment {
	te := ToolEnvironment{CACertsPath: caCertsPath, NetrcPath: netrcPath, NpmrcPath: npmrcPath}
	vars := map[string]string{"CI": "true"}
	if cfg != nil {
		for k, v := range cfg.Env {
			vars[k] = v
		}
	}
	if s.CACerts {
		for _, k := range []string{"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "PIP_CERT", "NODE_EXTRA_CA_CERTS", "GIT_SSL_CAINFO"} {
			vars[k] = caCertsPath
		}
	}
	if s.Netrc {
		vars["NETRC"] = netrcPath
	}
	if s.Npmrc {
		vars["NPM_CONFIG_USERCONFIG"] = npmrcPath
	}
	for k, v := range vars {
		te.Vars = append(te.Vars, EnvVar{k, v})
	}
	sort.Slice(te.Vars, func(i, j int) bool { return te.Vars[i].Name < te.Vars[j].Name })
	return te
}
