package main

import (
	"context"
	"fmt"

	"github.com/goldenci/golden/attest"
	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/result"
)

var verifyCmd = &command{
	Name:    "verify",
	Summary: "verify an image's signature and attestations with a public key, as cosign does",
	Usage:   "verify --image REF@DIGEST --key PUB [--require-gates] [--require TYPE]... [--json]",
	Help: `Verify checks the image --image (REGISTRY/REPOSITORY@sha256:DIGEST) with
the public key --key (cosign.pub), as 'cosign verify --key' and 'cosign
verify-attestation --key' do with the transparency log off: each signature
of its sha256-<hex>.sig attachment (cosign's simple signing payload for
this digest) and each attestation of its sha256-<hex>.att attachment (a
DSSE envelope whose in-toto statement names this digest). Signatures and
attestations that golden wrote ('golden attest', 'golden ci --publish') and
that cosign wrote verify alike.

It requires a signature by the key. --require-gates also requires a
gates attestation (` + attest.GatesPredicateType + `)
signed by the key that says the run passed (every such attestation must
say so); --require TYPE an attestation of that type signed by the key
(slsaprovenance1, cyclonedx, gates, another of cosign's --type names, or a
predicate type URI; repeatable). Attestations other keys signed are listed
as not verified and count for nothing.

It prints what it found: each signature and attestation, verified or why
not, and the gates; --json prints the same as JSON.

` + keyHelp + `

Registry credentials come from the environment only, as for 'golden
promote': GOLDEN_REGISTRY_USERNAME and GOLDEN_REGISTRY_PASSWORD (or
GOLDEN_REGISTRY_PASSWORD_FILE) for the image's registry, the Docker config
for the rest.

Exit codes: 1 when a signature or a required attestation is missing or
does not verify, or the gates say the run did not pass; 2 for bad
arguments, an unreadable key or an image the registry does not have; 3
when the registry cannot be reached.

--result records the "verify" stage into the run file.

Example, before promoting what staging runs:

  golden verify --image ghcr.io/acme/api@sha256:... --key cosign.pub --require-gates`,
}

func init() {
	verifyCmd.Run = runVerify
	register(verifyCmd)
}

func runVerify(ctx context.Context, e *Env, args []string) error {
	c := verifyCmd
	fs := c.flagSet(e)
	image := fs.String("image", "", "the image to verify, `REF@DIGEST` (required)")
	keyRef := fs.String("key", "", "the public `KEY`: a PEM file (cosign.pub), or env://NAME (required)")
	requireGates := fs.Bool("require-gates", false, "require a gates attestation signed by the key that says the run passed")
	var require stringsFlag
	fs.Var(&require, "require", "require an attestation of predicate `TYPE` signed by the key (repeatable)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	resultPath := resultFlag(fs, e)
	if err := c.parseFlags(e, fs, args); err != nil {
		return err
	}

	started := e.Now()
	rep, err := func() (*attest.Report, error) {
		for _, t := range require {
			if _, err := attest.PredicateTypeURI(t); err != nil {
				return nil, err
			}
		}
		repo, digest, ropts, err := imageTarget(e, *image)
		if err != nil {
			return nil, err
		}
		pub, err := loadPublicKey(e, *keyRef)
		if err != nil {
			return nil, err
		}
		return attest.Verify(ctx, repo, digest, pub, attest.VerifyOptions{
			Registry: ropts, RequireGates: *requireGates, RequireTypes: require,
		})
	}()
	if rep != nil {
		var perr error
		if *asJSON {
			perr = rep.WriteJSON(e.Stdout)
		} else {
			perr = rep.Print(e.Stdout)
		}
		if err == nil && perr != nil {
			err = exitcode.InfraError(perr)
		}
	}
	return finish(e, "verify", *resultPath, err, func(r *result.Run) {
		st := stageFor(e, "verify", started, err)
		if rep != nil && rep.Verified {
			st.Summary = fmt.Sprintf("verified %s with key %s", rep.Image, rep.Key)
		}
		r.SetStage(st)
	})
}
