# Every container (and init container) sets a memory limit.
package main

deny_memory_limit contains msg if {
	some field in ["containers", "initContainers"]
	some c in pod_spec[field]
	not c.resources.limits.memory
	msg := sprintf("%s: container %q has no memory limit (resources.limits.memory)", [resource, c.name])
}
