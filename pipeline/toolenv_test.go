package pipeline

import (
	"fmt"
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
