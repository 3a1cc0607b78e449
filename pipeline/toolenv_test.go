package pipeline

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/goldenci/golden/config"
)

func TestToolEnv(t *testing.T) {
	t.Parallel()
	cfg := config.Default(config.Go)
	cfg.Env = map[string]string{"GOPROXY": "https://goproxy.acme.internal", "GOPRIVATE": "github.com/acme/*"}
	for _, tc := range []struct {
		name string
		cfg  *config.Config
		s    ToolSecrets
		want []string
	}{
		{"defaults", config.Default(config.Go), ToolSecrets{}, []string{"CI=true"}},
		{"nil config", nil, ToolSecrets{}, []string{"CI=true"}},
		{"mirrors", cfg, ToolSecrets{}, []string{"CI=true", "GOPRIVATE=github.com/acme/*", "GOPROXY=https://goproxy.acme.internal"}},
		{"everything", cfg, ToolSecrets{CACerts: true, Netrc: true, Npmrc: true}, []string{
			"CI=true", "GIT_SSL_CAINFO=" + caCertsPath, "GOPRIVATE=github.com/acme/*", "GOPROXY=https://goproxy.acme.internal",
			"NETRC=" + netrcPath, "NODE_EXTRA_CA_CERTS=" + caCertsPath, "NPM_CONFIG_USERCONFIG=" + npmrcPath,
			"PIP_CERT=" + caCertsPath, "REQUESTS_CA_BUNDLE=" + caCertsPath, "SSL_CERT_FILE=" + caCertsPath,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, v := range ToolEnv(tc.cfg, tc.s).Vars {
				got = append(got, fmt.Sprintf("%s=%s", v.Name, v.Value))
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ToolEnv (-want +got):\n%s", d)
			}
		})
	}
}

// TestToolEnvPaths: the files ToolEnv mounts are outside the source and
// the output directory, and the netrc is $HOME/.netrc of the tool images
// (HOME=/root, where the pipeline's caches are too), the only netrc git
// reads (TestToolEnvContractGit).
func TestToolEnvPaths(t *testing.T) {
	t.Parallel()
	te := ToolEnv(nil, ToolSecrets{CACerts: true, Netrc: true, Npmrc: true})
	if te.NetrcPath != "/root/.netrc" {
		t.Errorf("NetrcPath = %q, want /root/.netrc", te.NetrcPath)
	}
	for _, p := range []string{te.CACertsPath, te.NetrcPath, te.NpmrcPath} {
		for _, dir := range []string{SourcePath, OutPath} {
			if p == dir || strings.HasPrefix(p, dir+"/") {
				t.Errorf("%s is in %s", p, dir)
			}
		}
	}
}
