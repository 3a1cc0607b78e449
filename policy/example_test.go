package policy_test

import (
	"context"
	"fmt"

	"github.com/goldenci/golden/policy"
)

// Bump and promote check the environment they changed, rendered, before
// they commit: here the example production overlay, which pins a tag, and
// the starter policies, which want a digest in production.
func ExamplePolicies_CheckEnvironment() {
	pols, err := policy.Load("../examples/policy", policy.Options{})
	if err != nil {
		fmt.Println(err) // exit 2: a policy does not compile
		return
	}
	rep, err := pols.CheckEnvironment(context.Background(), "../examples/gitops", "overlays/production")
	if err != nil {
		fmt.Println(err) // exit 2: the overlay does not build
		return
	}
	fmt.Println(rep.Verdict())
	for _, r := range rep.Failures() {
		fmt.Printf("%s: %s\n", r.File, r.Message)
	}
	// Output:
	// policy failed: 2 documents of 1 file, 12 tests, 11 passed, 0 warnings, 1 failure, 0 exceptions
	// overlays/production: Deployment/go-service: container "go-service" runs "registry.example.com/acme/go-service:0.1.0" in production, not pinned by digest (@sha256:...)
}
