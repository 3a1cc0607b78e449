package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestGreeting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{name: "named", in: "Gopher", want: "Hello, Gopher!"},
		{name: "trimmed", in: "  Ada ", want: "Hello, Ada!"},
		{name: "blank", in: "   ", want: "Hello, World!"},
		{name: "empty", in: "", want: "Hello, World!"},
		{name: "unicode at the limit", in: strings.Repeat("é", maxNameLength), want: "Hello, " + strings.Repeat("é", maxNameLength) + "!"},
		{name: "too long", in: strings.Repeat("x", maxNameLength+1), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Greeting(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Greeting(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Greeting(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		target     string
		wantStatus int
		wantBody   map[string]string
	}{
		{name: "healthz", method: http.MethodGet, target: "/healthz", wantStatus: http.StatusOK,
			wantBody: map[string]string{"status": "ok", "version": "1.2.3"}},
		{name: "hello", method: http.MethodGet, target: "/hello?name=Gopher", wantStatus: http.StatusOK,
			wantBody: map[string]string{"message": "Hello, Gopher!"}},
		{name: "hello world", method: http.MethodGet, target: "/hello", wantStatus: http.StatusOK,
			wantBody: map[string]string{"message": "Hello, World!"}},
		{name: "name too long", method: http.MethodGet, target: "/hello?name=" + strings.Repeat("x", 65), wantStatus: http.StatusBadRequest,
			wantBody: map[string]string{"error": "name is longer than 64 characters"}},
		{name: "wrong method", method: http.MethodPost, target: "/hello", wantStatus: http.StatusMethodNotAllowed},
		{name: "unknown path", method: http.MethodGet, target: "/nope", wantStatus: http.StatusNotFound},
	}
	h := NewHandler("1.2.3")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("%s %s: status %d, want %d", tt.method, tt.target, rec.Code, tt.wantStatus)
			}
			if tt.wantBody == nil {
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
			var got map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("body %q: %v", rec.Body, err)
			}
			if len(got) != len(tt.wantBody) {
				t.Errorf("body = %v, want %v", got, tt.wantBody)
			}
			for k, v := range tt.wantBody {
				if got[k] != v {
					t.Errorf("body[%q] = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestEnvOr(t *testing.T) {
	t.Setenv("GO_SERVICE_TEST_VAR", "")
	if got := envOr("GO_SERVICE_TEST_VAR", "8080"); got != "8080" {
		t.Errorf("unset: got %q", got)
	}
	t.Setenv("GO_SERVICE_TEST_VAR", "9090")
	if got := envOr("GO_SERVICE_TEST_VAR", "8080"); got != "9090" {
		t.Errorf("set: got %q", got)
	}
}

// TestServeAndHealthcheck runs the real server on a free port, checks it
// the way the image's HEALTHCHECK does, and shuts it down.
func TestServeAndHealthcheck(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serveListener(ctx, ln, slog.New(slog.NewTextHandler(io.Discard, nil))) }()

	url := "http://" + ln.Addr().String() + "/healthz"
	if err := checkHealth(context.Background(), url); err != nil {
		t.Errorf("checkHealth: %v", err)
	}
	if err := checkHealth(context.Background(), "http://"+ln.Addr().String()+"/nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("checkHealth of a missing page: %v, want a 404 error", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("server did not shut down")
	}
	if err := checkHealth(context.Background(), url); err == nil {
		t.Error("checkHealth after shutdown succeeded")
	}
}

func TestServeBadAddress(t *testing.T) {
	t.Parallel()
	if err := serve(context.Background(), "not-an-address", slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		t.Error("serve on a bad address succeeded")
	}
}
