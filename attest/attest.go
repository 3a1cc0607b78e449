// Package attest signs and attests container images the way cosign does
// with a key, and verifies them: the cosign tooling agrees with golden about
// every signature and attestation golden writes, and golden verifies what
// cosign writes.
//
// Signatures and attestations are stored next to the image in its
// repository, in cosign v2's tag layout: the image sha256:<hex> has its
// signatures in the image tagged "sha256-<hex>.sig" (one layer each:
// cosign's simple signing payload, the signature in the layer annotation
// "dev.cosignproject.cosign/signature") and its attestations in the image
// tagged "sha256-<hex>.att" (one layer each: a DSSE envelope of an in-toto
// statement whose subject is the digest). Nothing goes to a transparency
// log: `cosign verify --key K --insecure-ignore-tlog` and `cosign
// verify-attestation --key K --insecure-ignore-tlog --type T` check what
// Sign and Attest write.
//
// Keys are cosign's: the private key `cosign generate-key-pair` writes (an
// "ENCRYPTED SIGSTORE PRIVATE KEY" PEM: PKCS #8 encrypted with scrypt and
// NaCl secretbox, read with go-securesystemslib) and its public key. A
// PrivateKey prints as its fingerprint only, and no error of this package
// contains a key or a password.
//
// golden attests three predicates (Release): a SLSA provenance v1
// (ProvenancePredicate), golden's gates (GatesPredicate, of type
// GatesPredicateType: each stage's verdict, the coverage, the scan counts
// and the run's status from package result) and a CycloneDX SBOM
// (SBOMPredicate). Verify checks the signature and the attestations with a
// public key and, with VerifyOptions.RequireGates, that a gates
// attestation signed by the key says the run passed. Attachments and
// CopyAttachments let a promotion move the signatures and attestations
// with the image.
//
// Registry access is package registry's (credentials, plain HTTP for
// loopback registries, error classes): a missing image or a malformed
// reference is an input error (exit 2), an unreachable registry an
// infrastructure error (exit 3), and a missing or invalid signature or
// attestation a failed gate (exit 1, ErrNotVerified).
package attest
