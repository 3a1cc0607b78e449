package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"
)

// maxNameLength bounds the name /hello greets, in characters.
const maxNameLength = 64

// NewHandler returns the service's routes.
func NewHandler(version string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "version": version})
	})
	mux.HandleFunc("GET /hello", func(w http.ResponseWriter, r *http.Request) {
		msg, err := Greeting(r.URL.Query().Get("name"))
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"message": msg})
	})
	return mux
}

// errNameTooLong is returned by Greeting for names over maxNameLength.
var errNameTooLong = errors.New("name is longer than 64 characters")

// Greeting greets name, or the world when name is blank.
func Greeting(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = "World"
	}
	if utf8.RuneCountInString(name) > maxNameLength {
		return "", errNameTooLong
	}
	return "Hello, " + name + "!", nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
