package attest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/registry"
	"github.com/goldenci/golden/result"
)

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Registry is how golden reaches the registry.
	Registry registry.Options
	// RequireGates requires a gates attestation (GatesPredicateType)
	// signed by the key that says the run passed; every gates attestation
	// the key signed must say so.
	RequireGates bool
	// RequireTypes requires, for each predicate type (a URI, or a name
	// PredicateTypeURI knows: slsaprovenance1, cyclonedx, gates), an
	// attestation of that type signed by the key.
	RequireTypes []string
}

// ErrNotVerified is wrapped by the error of a Verify whose image does not
// meet its requirements: no signature by the key, or a required
// attestation missing, invalid or failing (exit 1).
var ErrNotVerified = errors.New("not verified")

// Report is what Verify found.
type Report struct {
	// Image is REPOSITORY@DIGEST; Key the fingerprint of the public key.
	Image string `json:"image"`
	Key   string `json:"key"`
	// Verified is true when every requirement was met; Problems says
	// which were not.
	Verified bool     `json:"verified"`
	Problems []string `json:"problems,omitempty"`
	// Signatures and Attestations are every layer of the image's ".sig"
	// and ".att" attachments, each verified with the key or not (and
	// why). Layers another key signed show as not verified.
	Signatures   []Check `json:"signatures"`
	Attestations []Check `json:"attestations"`
	// Gates is the gates predicate of the last gates attestation the key
	// signed, if any.
	Gates *Gates `json:"gates,omitempty"`
}

// Check is one signature or attestation.
type Check struct {
	// PredicateType is an attestation's predicate type (as its statement
	// says when verified, else as it claims).
	PredicateType string `json:"predicateType,omitempty"`
	// Identity is the docker-reference a verified signature claims.
	Identity string `json:"identity,omitempty"`
	Verified bool   `json:"verified"`
	// Reason says why it did not verify.
	Reason string `json:"reason,omitempty"`
}

// Verify checks the image digest in repo against the public key pub as
// `cosign verify --key` and `cosign verify-attestation --key` do with the
// transparency log off: each layer of its ".sig" attachment (the simple
// signing payload for this digest, signed by the key) and of its ".att"
// attachment (a DSSE envelope signed by the key, whose in-toto statement
// has the digest as a subject). It requires at least one signature by the
// key, and what opts requires.
//
// The report lists everything found. A missing or invalid signature or
// attestation is an error wrapping ErrNotVerified, classified as a failed
// gate (exit 1), returned with the report; a missing image or a malformed
// reference is an input error (exit 2), an unreachable registry an
// infrastructure error (exit 3), both returned without a report.
func Verify(ctx context.Context, repo, digest string, pub *PublicKey, opts VerifyOptions) (*Report, error) {
	if pub == nil {
		return nil, exitcode.Inputf("verifying: no key")
	}
	required := make([]string, 0, len(opts.RequireTypes))
	for _, t := range opts.RequireTypes {
		uri, err := PredicateTypeURI(t)
		if err != nil {
			return nil, err
		}
		required = append(required, uri)
	}
	t, err := newTarget(ctx, repo, digest, opts.Registry)
	if err != nil {
		return nil, err
	}
	rep := &Report{Image: t.ref(), Key: pub.Fingerprint(), Signatures: []Check{}, Attestations: []Check{}}
	sigs, _, err := t.read(SignatureSuffix)
	if err != nil {
		return nil, err
	}
	atts, _, err := t.read(AttestationSuffix)
	if err != nil {
		return nil, err
	}
	for _, l := range sigs {
		rep.Signatures = append(rep.Signatures, checkSignature(l, digest, pub))
	}
	var gates []*Gates
	for _, l := range atts {
		c, g := checkAttestation(l, digest, pub)
		rep.Attestations = append(rep.Attestations, c)
		if g != nil {
			gates = append(gates, g)
		}
	}
	if len(gates) > 0 {
		rep.Gates = gates[len(gates)-1]
	}
	rep.Problems = problems(rep, gates, required, opts.RequireGates)
	rep.Verified = len(rep.Problems) == 0
	if !rep.Verified {
		return rep, exitcode.GateError(fmt.Errorf("%s: %w: %s", rep.Image, ErrNotVerified, strings.Join(rep.Problems, "; ")))
	}
	return rep, nil
}

// checkSignature verifies one layer of the ".sig" attachment.
func checkSignature(l layer, digest string, pub *PublicKey) Check {
	if l.mediaType != SimpleSigningMediaType {
		return Check{Reason: fmt.Sprintf("a layer of media type %q, not a signature", printable(string(l.mediaType)))}
	}
	identity, err := verifySignatureLayer(l.payload, l.annotations[SignatureAnnotation], digest, pub)
	if err != nil {
		return Check{Reason: err.Error()}
	}
	return Check{Identity: identity, Verified: true}
}

// checkAttestation verifies one layer of the ".att" attachment; for a
// verified gates attestation it returns its predicate too (or why it
// cannot be read).
func checkAttestation(l layer, digest string, pub *PublicKey) (Check, *Gates) {
	if l.mediaType != DSSEMediaType {
		return Check{Reason: fmt.Sprintf("a layer of media type %q, not an attestation", printable(string(l.mediaType)))}, nil
	}
	st, err := verifyAttestationLayer(l.payload, digest, pub)
	if err != nil {
		claimed := peekPredicateType(l.payload)
		if claimed == "" {
			claimed = printable(l.annotations[PredicateTypeAnnotation])
		}
		return Check{PredicateType: claimed, Reason: err.Error()}, nil
	}
	c := Check{PredicateType: st.PredicateType, Verified: true}
	if st.PredicateType != GatesPredicateType {
		return c, nil
	}
	g, err := ParseGates(st.Predicate)
	if err != nil {
		return Check{PredicateType: st.PredicateType, Reason: err.Error()}, nil
	}
	return c, g
}

// problems lists the requirements rep does not meet.
func problems(rep *Report, gates []*Gates, required []string, requireGates bool) []string {
	var out []string
	switch {
	case len(rep.Signatures) == 0:
		out = append(out, "no signature (the image is not signed)")
	case !anyVerified(rep.Signatures, ""):
		out = append(out, fmt.Sprintf("none of its %d signatures verifies with the key", len(rep.Signatures)))
	}
	if requireGates {
		required = append([]string{GatesPredicateType}, required...)
	}
	seen := map[string]bool{}
	for _, typ := range required {
		if seen[typ] {
			continue
		}
		seen[typ] = true
		if !anyVerified(rep.Attestations, typ) {
			out = append(out, fmt.Sprintf("no %s attestation verifies with the key", typ))
		}
	}
	if requireGates {
		for _, g := range gates {
			if g.Status != result.Passed {
				out = append(out, fmt.Sprintf("the gates attestation says the run %s%s", g.Status, failedStages(g)))
			}
		}
	}
	return out
}

// anyVerified reports whether a check of predicate type typ ("" for any)
// verified.
func anyVerified(cs []Check, typ string) bool {
	for _, c := range cs {
		if c.Verified && (typ == "" || c.PredicateType == typ) {
			return true
		}
	}
	return false
}

// failedStages names the stages that did not pass: " (lint failed, scan
// error)".
func failedStages(g *Gates) string {
	var names []string
	for _, s := range g.Stages {
		if s.Status == result.Failed || s.Status == result.Errored {
			names = append(names, printable(s.Name)+" "+string(s.Status))
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ")"
}

// Print writes the report for people: the verdict, each signature and
// attestation, the gates.
func (r *Report) Print(w io.Writer) error {
	var b strings.Builder
	verdict := "verified"
	if !r.Verified {
		verdict = "NOT verified"
	}
	fmt.Fprintf(&b, "%s: %s with key %s\n", r.Image, verdict, r.Key)
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  problem: %s\n", p)
	}
	if len(r.Signatures) == 0 {
		b.WriteString("  signatures: none\n")
	}
	for _, c := range r.Signatures {
		if c.Verified {
			fmt.Fprintf(&b, "  signature: verified (identity %s)\n", c.Identity)
		} else {
			fmt.Fprintf(&b, "  signature: not verified: %s\n", c.Reason)
		}
	}
	if len(r.Attestations) == 0 {
		b.WriteString("  attestations: none\n")
	}
	for _, c := range r.Attestations {
		typ := c.PredicateType
		if typ == "" {
			typ = "(unknown type)"
		}
		if c.Verified {
			fmt.Fprintf(&b, "  attestation %s: verified\n", typ)
		} else {
			fmt.Fprintf(&b, "  attestation %s: not verified: %s\n", typ, c.Reason)
		}
	}
	if g := r.Gates; g != nil {
		fmt.Fprintf(&b, "  gates: run %s%s\n", g.Status, gatesDetail(g))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// gatesDetail summarises the stages of a gates predicate: " (lint passed,
// test passed, ...; coverage 85.4%; scan 0 CRITICAL, 0 HIGH)".
func gatesDetail(g *Gates) string {
	var parts []string
	var stages []string
	for _, s := range g.Stages {
		stages = append(stages, printable(s.Name)+" "+string(s.Status))
	}
	if len(stages) > 0 {
		parts = append(parts, strings.Join(stages, ", "))
	}
	if c := g.Coverage; c != nil && c.Percent != nil {
		parts = append(parts, fmt.Sprintf("coverage %.1f%%", *c.Percent))
	}
	if s := g.Scan; s != nil {
		parts = append(parts, fmt.Sprintf("scan %d CRITICAL, %d HIGH, %d MEDIUM, %d LOW", s.Critical, s.High, s.Medium, s.Low))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// Types returns the predicate types of the verified attestations, sorted
// and without repeats.
func (r *Report) Types() []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range r.Attestations {
		if c.Verified && !seen[c.PredicateType] {
			seen[c.PredicateType] = true
			out = append(out, c.PredicateType)
		}
	}
	sort.Strings(out)
	return out
}
