# golden's own tasks. The tools the tests run are installed at pinned
# versions into .tools/ by .ci/install-tools (idempotent).
SHELL := bash
export PATH := $(CURDIR)/.tools/bin:$(PATH)
export GOTOOLCHAIN := local
# The tests that need a tool fail when it is missing (they skip elsewhere).
export GOLDEN_REQUIRE_TOOLS := 1

.PHONY: all tools test ci lint bench fuzz

all: test

tools:
	@bash .ci/install-tools

# Run the tests (what CI runs).
test: tools
	go vet ./...
	go test -count=1 ./...

# Run golden's own pipeline on this repository with golden's gates.
ci: tools
	@bash .ci/pipeline

lint: tools
	golangci-lint run ./...

# Benchmarks and the bench scripts that print their ratios.
bench: tools
	go test -run '^$$' -bench . -benchmem ./...
	@for s in bench/*.sh; do bash "$$s"; done

# Fuzz every fuzz target for FUZZTIME each (default 10s; a count such as
# 1000x is what CI uses, see .ci/run).
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$(go list ./...); do \
	  for f in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; go test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done
