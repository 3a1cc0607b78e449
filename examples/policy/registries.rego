# Images come only from the approved registries of the data file
# registries.yaml (data.approved_registries): an entry is a registry
# (registry.example.com) or a repository prefix (ghcr.io/acme).
package main

deny_unapproved_registry contains msg if {
	some c in containers
	not approved(c.image)
	msg := sprintf("%s: container %q pulls %q from %s, which is not an approved registry (%s)",
		[resource, c.name, c.image, registry(c.image), concat(", ", data.approved_registries)])
}

approved(image) if registry(image) in data.approved_registries

approved(image) if {
	some prefix in data.approved_registries
	contains(prefix, "/")
	startswith(image, concat("", [prefix, "/"]))
}
