package promote

import "github.com/goldenci/golden/config"

// Configure fills in what o leaves out from a service's configuration
// (golden.yaml), as golden promote --config and the modules' promote do:
// the GitOps repository and branch (gitops.repo, gitops.branch), the image
// (image.repository), and, when From or To name an environment of
// gitops.environments, its path, with the target image defaulting to the
// image of To's entry. Anything else From and To say is a path in the
// repository. A nil cfg changes nothing.
func (o *Options) Configure(cfg *config.Config) {
	if cfg == nil {
		return
	}
	o.configure(cfg)
	if o.Image == "" {
		o.Image = cfg.Image.Repository
	}
	if env, ok := cfg.GitOps.Environments[o.From]; ok {
		o.From = env.Path
	}
	if env, ok := cfg.GitOps.Environments[o.To]; ok {
		o.To = env.Path
		if o.ToImage == "" {
			o.ToImage = env.Image
		}
	}
}

// Configure fills in what o leaves out from a service's configuration, as
// golden bump --config does: the GitOps repository and branch, the image
// name (image.repository), and, when Path names an environment of
// gitops.environments, its path. A nil cfg changes nothing.
func (o *BumpOptions) Configure(cfg *config.Config) {
	if cfg == nil {
		return
	}
	o.configure(cfg)
	if o.Image.Name == "" {
		o.Image.Name = cfg.Image.Repository
	}
	if env, ok := cfg.GitOps.Environments[o.Path]; ok {
		o.Path = env.Path
	}
}

// configure fills in the GitOps repository and branch.
func (r *Repo) configure(cfg *config.Config) {
	if r.URL == "" {
		r.URL = cfg.GitOps.Repo
	}
	if r.Base == "" {
		r.Base = cfg.GitOps.Branch
	}
}
