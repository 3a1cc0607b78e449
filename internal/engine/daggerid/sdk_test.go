package daggerid

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"dagger.io/dagger"
)

// fakeSession answers the GraphQL queries of the SDK like an engine
// session would for the few fields the test asks for, and records them.
// No engine can run here; this checks the SDK side of the pattern the
// modules use: dagger.Connect joining a session through
// DAGGER_SESSION_PORT and DAGGER_SESSION_TOKEN, and an object crossing
// from one client to another as its ID.
type fakeSession struct {
	mu      sync.Mutex
	queries []string
	auth    []string
}

func (s *fakeSession) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Query string `json:"query"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	user, _, _ := r.BasicAuth()
	s.mu.Lock()
	s.queries = append(s.queries, req.Query)
	s.auth = append(s.auth, user)
	s.mu.Unlock()

	var data string
	switch q := req.Query; {
	case strings.Contains(q, "loadDirectoryFromID"):
		data = `{"loadDirectoryFromID":{"entries":["go.mod","main.go"]}}`
	case strings.Contains(q, "loadSecretFromID"):
		data = `{"loadSecretFromID":{"name":"registry-password"}}`
	case strings.Contains(q, "directory"):
		data = `{"host":{"directory":{"id":"directory-id-1"}}}`
	case strings.Contains(q, "secret"):
		data = `{"secret":{"id":"secret-id-1"}}`
	default:
		http.Error(w, "unexpected query "+q, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"data":` + data + `}`))
}

func TestConvertBetweenSDKClientsOfOneSession(t *testing.T) {
	// t.Setenv: not parallel.
	s := &fakeSession{}
	srv := httptest.NewUnstartedServer(s)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	t.Setenv("DAGGER_SESSION_PORT", strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	t.Setenv("DAGGER_SESSION_TOKEN", "session-token")

	ctx := context.Background()
	caller, err := dagger.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer caller.Close()
	callee, err := dagger.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer callee.Close()

	// A directory: Directory.ID returns dagger.ID, LoadDirectoryFromID
	// takes a dagger.DirectoryID.
	dir, err := Convert(ctx, caller.Host().Directory("."), callee.LoadDirectoryFromID)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := dir.Entries(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(entries, ",") != "go.mod,main.go" {
		t.Errorf("entries = %v", entries)
	}

	// A secret crosses as its ID: its plaintext is never asked for.
	sec, err := Convert(ctx, caller.Secret("env://REGISTRY_PASSWORD"), callee.LoadSecretFromID)
	if err != nil {
		t.Fatal(err)
	}
	name, err := sec.Name(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if name != "registry-password" {
		t.Errorf("name = %q", name)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	want := []string{"directory", "loadDirectoryFromID", "secret", "loadSecretFromID"}
	if len(s.queries) != len(want) {
		t.Fatalf("queries = %q, want %d", s.queries, len(want))
	}
	for i, q := range s.queries {
		if !strings.Contains(q, want[i]) {
			t.Errorf("query %d = %q, want %s", i, q, want[i])
		}
		if s.auth[i] != "session-token" {
			t.Errorf("query %d was not sent with the session token", i)
		}
		if strings.Contains(q, "plaintext") {
			t.Errorf("query %d asks for a plaintext: %q", i, q)
		}
	}
	if !strings.Contains(s.queries[1], `"directory-id-1"`) || !strings.Contains(s.queries[3], `"secret-id-1"`) {
		t.Errorf("the loads do not carry the IDs: %q", s.queries)
	}
}

// The conversions the modules make, against the real SDK types. They are
// compiled, not run: they need an engine.
var _ = func(ctx context.Context, c *dagger.Client) error {
	if _, err := Convert(ctx, c.Directory(), c.LoadDirectoryFromID); err != nil {
		return err
	}
	if _, err := Convert(ctx, c.Directory().File("f"), c.LoadFileFromID); err != nil {
		return err
	}
	if _, err := Convert(ctx, c.Container(), c.LoadContainerFromID); err != nil {
		return err
	}
	if _, err := Convert(ctx, c.SetSecret("n", "v"), c.LoadSecretFromID); err != nil {
		return err
	}
	_, err := ConvertAll(ctx, []*dagger.Container{c.Container()}, c.LoadContainerFromID)
	return err
}
