package policy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/gitops"
)

// Render builds the kustomization in dir and returns its YAML, exactly
// what `kustomize build DIR` (kustomize v5, without flags) prints: the
// same krusty options (legacy order unless the kustomization sets
// sortOptions, files only from the kustomization's root, no plugins, no
// Helm). A kustomization that does not build is bad input (exit 2).
func Render(dir string) ([]byte, error) { return render(dir, dir) }

// render renders the kustomization in dir, named name in errors.
func render(name, dir string) ([]byte, error) {
	opts := krusty.MakeDefaultOptions()
	// What kustomize build's flags leave: --reorder unset, --enable-helm
	// off, --helm-command helm.
	opts.Reorder = krusty.ReorderOptionUnspecified
	opts.PluginConfig.HelmConfig.Command = "helm"
	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		return nil, exitcode.InputError(&Error{File: name, Msg: "kustomize build: " + err.Error()})
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, exitcode.InputError(&Error{File: name, Msg: "kustomize build: " + err.Error()})
	}
	return out, nil
}

// RenderDocuments renders the kustomization in dir (Render) and returns
// its resources as documents of File dir, numbered in the order of the
// rendering.
func RenderDocuments(dir string) ([]Document, error) {
	out, err := Render(dir)
	if err != nil {
		return nil, err
	}
	return renderedDocuments(dir, dir, out)
}

// renderedDocuments reads a rendering of the kustomization on disk at
// path, named name.
func renderedDocuments(name, path string, out []byte) ([]Document, error) {
	docs, err := readYAML(name, out)
	if err != nil {
		return nil, fmt.Errorf("reading the rendering: %w", err)
	}
	for i := range docs {
		docs[i].Line, docs[i].path = 0, path
	}
	return docs, nil
}

// CheckPaths checks the documents of files and directories
// (LoadDocuments).
func (p *Policies) CheckPaths(ctx context.Context, paths ...string) (Report, error) {
	_, docs, err := LoadDocuments(paths...)
	if err != nil {
		return Report{}, err
	}
	return p.Check(ctx, docs)
}

// CheckEnvironment checks what an environment of a GitOps repository
// deploys: path, relative to the repository's root directory root ("" for
// the current directory), is what golden.yaml's gitops.environments
// names. A directory with a kustomization (kustomization.yaml,
// kustomization.yml or Kustomization) is rendered as `kustomize build`
// renders it, and each resource is a document; another directory's .yaml,
// .yml and .json files (not recursively) and a file are read as they are,
// Kubernetes manifests and Helm values alike; a kustomization file is its
// directory. Results name files by their path relative to root.
//
// Bump and promote call it after their edit and before the commit:
//
//	rep, err := pols.CheckEnvironment(ctx, checkout, env.Path)
//	if err != nil { return err }          // exit 2: the environment or a policy is broken
//	if rep.Failed() { refuse, listing rep.Failures() }
func (p *Policies) CheckEnvironment(ctx context.Context, root, path string) (Report, error) {
	docs, err := EnvironmentDocuments(root, path)
	if err != nil {
		return Report{}, err
	}
	return p.Check(ctx, docs)
}

// EnvironmentDocuments returns the documents CheckEnvironment checks.
func EnvironmentDocuments(root, path string) ([]Document, error) {
	full := filepath.Join(root, path)
	fi, err := os.Stat(full)
	if err != nil {
		return nil, fileError(err)
	}
	name := filepath.ToSlash(filepath.Clean(path))
	if !fi.IsDir() {
		if slices.Contains(gitops.KustomizationFiles, filepath.Base(full)) {
			return renderEnvironment(filepath.ToSlash(filepath.Dir(name)), filepath.Dir(full))
		}
		return readEnvironmentFile(name, full)
	}
	entries, err := os.ReadDir(full)
	if err != nil {
		return nil, fileError(err)
	}
	var files []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		if slices.Contains(gitops.KustomizationFiles, e.Name()) {
			return renderEnvironment(name, full)
		}
		if documentExt(e.Name()) {
			files = append(files, e.Name())
		}
	}
	var docs []Document
	for _, f := range files {
		d, err := readEnvironmentFile(name+"/"+f, filepath.Join(full, f))
		if err != nil {
			return nil, err
		}
		docs = append(docs, d...)
	}
	return docs, nil
}

func renderEnvironment(name, dir string) ([]Document, error) {
	out, err := render(name, dir)
	if err != nil {
		return nil, err
	}
	return renderedDocuments(name, dir, out)
}

func readEnvironmentFile(name, path string) ([]Document, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	docs, err := ReadDocuments(name, data)
	for i := range docs {
		docs[i].path = path
	}
	return docs, err
}
