# A second namespace, with data from a subdirectory (sub/limits.json is
# data.sub).
package k8s.security

deny_host_network contains msg if {
	input.spec.template.spec.hostNetwork
	msg := sprintf("%s/%s: hostNetwork", [input.kind, input.metadata.name])
}

deny_replicas contains msg if {
	input.spec.replicas > data.sub.limits.maxReplicas
	msg := sprintf("%s/%s: %d replicas, more than %d", [input.kind, input.metadata.name, input.spec.replicas, data.sub.limits.maxReplicas])
}

warn_no_namespace contains msg if {
	input.kind
	not input.metadata.namespace
	msg := sprintf("%s/%s: no namespace", [input.kind, input.metadata.name])
}
