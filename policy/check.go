package policy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/goldenci/golden/exitcode"
	"github.com/goldenci/golden/internal/text"
)

// Kind is what a result is.
type Kind string

// The kinds of result.
const (
	// Failure: a deny or violation rule gave a message. Any failure fails
	// the check.
	Failure Kind = "failure"
	// Warning: a warn rule gave a message.
	Warning Kind = "warning"
	// Exception: an exception rule exempted the document from a rule;
	// the message is the query that found the exception, as conftest
	// shows it.
	Exception Kind = "exception"
)

// Result is one message of one rule about one document.
type Result struct {
	// File, Index and Line are the document's (see Document).
	File  string `json:"file"`
	Index int    `json:"document"`
	Line  int    `json:"line,omitempty"`
	// Resource is the Kubernetes object, "Deployment/api", when the
	// document is one.
	Resource string `json:"resource,omitempty"`
	// Namespace and Rule name the rule: "main", "deny_root".
	Namespace string `json:"namespace"`
	Rule      string `json:"rule"`
	Kind      Kind   `json:"kind"`
	Message   string `json:"message"`
	// Metadata are the other fields of a result given as an object
	// ({"msg": ..., "severity": ...}), without msg.
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Check evaluates every document against the policies of each namespace
// checked, as conftest does: per document and namespace, each failure and
// warning rule is queried (data.NS.RULE with the document as input) after
// the query for its exceptions (data.NS.exception[_][_] == RULE without
// its deny_, violation_ or warn_ prefix). A policy that fails to evaluate
// (conflicting outputs, an object result without a string msg) is an
// error (exit 2) naming the query.
func (p *Policies) Check(ctx context.Context, docs []Document) (Report, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	rep := Report{Namespaces: p.Checked(), Documents: len(docs)}
	seen := map[string]bool{}
	for _, d := range docs {
		if !seen[d.File] {
			seen[d.File] = true
			rep.Files = append(rep.Files, d.File)
		}
		if err := p.setFile(ctx, d.source()); err != nil {
			return Report{}, err
		}
		for _, ns := range p.checkedNS {
			if err := p.checkDocument(ctx, d, ns, &rep); err != nil {
				return Report{}, err
			}
		}
	}
	return rep, nil
}

// checkDocument evaluates one document in one namespace, adding its
// results and successes to rep. The count of successes is conftest's: a
// rule's empty result is one success, and every definition of a rule
// without a result of its own is one more.
func (p *Policies) checkDocument(ctx context.Context, d Document, ns string, rep *Report) error {
	rules := p.rules[ns]
	resource := d.Resource()
	results, successes := 0, 0
	for _, rule := range rules.names {
		mk := func(kind Kind, msg string, meta map[string]any) Result {
			return Result{File: d.File, Index: d.Index, Line: d.Line, Resource: resource,
				Namespace: ns, Rule: rule, Kind: kind, Message: msg, Metadata: meta}
		}
		excQuery := fmt.Sprintf("data.%s.exception[_][_] == %q", ns, exceptionName(rule))
		excs, err := p.eval(ctx, excQuery, d.Value)
		if err != nil {
			return err
		}
		for range excs {
			rep.Results = append(rep.Results, mk(Exception, excQuery, nil))
			results++
		}

		ruleQuery := fmt.Sprintf("data.%s.%s", ns, rule)
		msgs, err := p.eval(ctx, ruleQuery, d.Value)
		if err != nil {
			return err
		}
		if len(excs) > 0 {
			continue // the exception stands for the rule's results
		}
		kind := Warning
		if isFailure(rule) {
			kind = Failure
		}
		for _, m := range msgs {
			if m.msg == "" {
				successes++
				continue
			}
			rep.Results = append(rep.Results, mk(kind, m.msg, m.meta))
			results++
		}
	}
	if results+successes < rules.count {
		successes = rules.count - results
	}
	rep.Successes += successes
	return nil
}

// message is one value of a rule: msg "" is a pass.
type message struct {
	msg  string
	meta map[string]any
}

// eval runs query q with input and returns its values as conftest reads
// them: each element of a set (or array) value is a message, a string or
// an object with a string msg (other elements are ignored); an empty set
// or a value of another type is one pass; no value at all is nothing.
func (p *Policies) eval(ctx context.Context, q string, input any) ([]message, error) {
	pq, err := p.query(ctx, q)
	if err != nil {
		return nil, err
	}
	rs, err := pq.Eval(ctx, rego.EvalInput(input))
	if err != nil {
		return nil, exitcode.InputError(fmt.Errorf("evaluating %s: %w", q, err))
	}
	var out []message
	for _, r := range rs {
		for _, e := range r.Expressions {
			values, _ := e.Value.([]any)
			if len(values) == 0 {
				out = append(out, message{})
				continue
			}
			for _, v := range values {
				switch v := v.(type) {
				case string:
					out = append(out, message{msg: v})
				case map[string]any:
					msg, ok := v["msg"].(string)
					if !ok {
						return nil, exitcode.Inputf("evaluating %s: a result must be a string or an object with a string \"msg\", got %s", q, compact(v))
					}
					meta := map[string]any{}
					for k, x := range v {
						if k != "msg" && k != "_loc" {
							meta[k] = x
						}
					}
					if len(meta) == 0 {
						meta = nil
					}
					out = append(out, message{msg: msg, meta: meta})
				}
			}
		}
	}
	return out, nil
}

// exceptionName is a rule's name as exceptions name it: without its
// deny_, violation_ or warn_ prefix, "" for deny, violation and warn.
func exceptionName(rule string) string {
	switch rule {
	case "deny", "violation", "warn":
		return ""
	}
	for _, p := range []string{"violation_", "deny_", "warn_"} {
		rule = strings.TrimPrefix(rule, p)
	}
	return rule
}

// compact renders a value for a message: JSON on one line, at most 200
// characters.
func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return text.Truncate(string(b), 200)
}
