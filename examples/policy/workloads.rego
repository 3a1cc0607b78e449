# Helpers shared by the starter policies: the pod spec of every kind of
# workload, its containers, and how a resource is named in messages.
package main

# The kinds whose spec.template.spec is a pod spec.
templated := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

pod_spec := input.spec if input.kind == "Pod"

pod_spec := input.spec.template.spec if input.kind in templated

pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"

# Every container of the workload, init and ephemeral containers included.
containers contains c if {
	some field in ["containers", "initContainers", "ephemeralContainers"]
	some c in pod_spec[field]
}

# The resource as messages name it: Deployment/api.
resource := sprintf("%s/%s", [input.kind, input.metadata.name])

# The registry an image is pulled from: the first part of its name when it
# names a host (a dot or a port, or localhost), else Docker Hub.
registry(image) := parts[0] if {
	parts := split(image, "/")
	names_host(parts)
}

registry(image) := "docker.io" if not names_host(split(image, "/"))

names_host(parts) if {
	count(parts) > 1
	host(parts[0])
}

host(s) if contains(s, ".")

host(s) if contains(s, ":")

host("localhost")
