# Containers must not run as root: each container runs with runAsNonRoot
# true and a user other than 0, set on the container or on the pod (the
# container's setting wins, as in Kubernetes).
package main

deny_run_as_root contains msg if {
	some c in containers
	effective(c, "runAsUser") == 0
	msg := sprintf("%s: container %q runs as root (runAsUser: 0)", [resource, c.name])
}

deny_run_as_root contains msg if {
	some c in containers
	not non_root(c)
	msg := sprintf("%s: container %q does not set runAsNonRoot: true (on the container or the pod)", [resource, c.name])
}

# A helper rather than 'not effective(...) == true': OPA evaluates a
# function call in a negated expression before the negation, so an
# undefined setting would make the whole rule undefined.
non_root(c) if effective(c, "runAsNonRoot") == true

# The container's security setting key, else the pod's.
effective(c, key) := c.securityContext[key]

effective(c, key) := pod_spec.securityContext[key] if not has_key(object.get(c, "securityContext", {}), key)

has_key(obj, key) if _ = obj[key]
