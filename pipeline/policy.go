package pipeline

import (
	"context"
	"os"
	"strings"

	"dagger.io/dagger"

	"github.com/goldenci/golden/config"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/policy"
)

// LoadPolicy loads the policies cfg names (policy.dir of golden.yaml) from
// the source directory src into this process, for the bump and promote
// that run here: nil when none is configured. The directory is exported
// to a temporary directory, removed when the policies are compiled.
func LoadPolicy(ctx context.Context, src *dagger.Directory, cfg config.PolicyConfig) (*policy.Policies, error) {
	if cfg.Dir == "" {
		return nil, nil
	}
	tmp, err := os.MkdirTemp("", "golden-policy-*")
	if err != nil {
		return nil, exitcode.Infraf("policy: creating a directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	if _, err := src.Directory(cfg.Dir).Export(ctx, tmp); err != nil {
		return nil, engineError("policy: reading "+cfg.Dir+" from the source", err)
	}
	p, err := policy.Load(tmp, policy.Options{Namespaces: cfg.Namespaces})
	if err != nil {
		return nil, relabel(err, tmp, cfg.Dir) // classified by policy.Load
	}
	return p, nil
}

// relabeled is err with the temporary directory in its message replaced
// by the directory's name in the source; errors.Is and exitcode see err.
type relabeled struct {
	err error
	msg string
}

func (e *relabeled) Error() string { return e.msg }
func (e *relabeled) Unwrap() error { return e.err }

func relabel(err error, tmp, dir string) error {
	return &relabeled{err: err, msg: strings.ReplaceAll(err.Error(), tmp, dir)}
}
