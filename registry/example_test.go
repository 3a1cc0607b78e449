package registry_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/goldenci/golden/registry"
)

// Promote the digest running in staging: copy it to the production
// repository and give it an immutable version tag. Running it again
// changes nothing.
func ExampleCopy() {
	srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.Logger(log.New(new(strings.Builder), "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()
	var opts registry.Options // anonymous; plain HTTP because the host is 127.0.0.1

	// Something to promote: a small image in the staging repository.
	img, err := mutate.AppendLayers(empty.Image, static.NewLayer([]byte("hello"), types.OCILayer))
	if err != nil {
		log.Fatal(err)
	}
	ref, err := name.ParseReference(host + "/staging/app:candidate")
	if err != nil {
		log.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		log.Fatal(err)
	}
	staged, err := registry.Resolve(ctx, host+"/staging/app:candidate", opts)
	if err != nil {
		log.Fatal(err)
	}

	for run := 1; run <= 2; run++ {
		digest, err := registry.Copy(ctx, host+"/staging/app@"+staged, host+"/prod/app", opts)
		if err != nil {
			log.Fatal(err)
		}
		created, err := registry.TagImmutable(ctx, host+"/prod/app", "1.0.0", digest, opts)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("run %d: same digest %v, tag created %v\n", run, digest == staged, created)
	}
	tags, err := registry.ListTags(ctx, host+"/prod/app", opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("production tags:", tags)
	// Output:
	// run 1: same digest true, tag created true
	// run 2: same digest true, tag created false
	// production tags: [1.0.0]
}
