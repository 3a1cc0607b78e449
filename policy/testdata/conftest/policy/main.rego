# Fixture policies for the comparison with conftest: every kind of rule
# conftest evaluates, string and object results, exceptions and data.
package main

# A string result.
deny contains msg if {
	input.kind == "Deployment"
	not input.spec.replicas
	msg := sprintf("%s/%s: no replicas", [input.kind, input.metadata.name])
}

# A second definition of deny: conftest counts each one.
deny contains msg if {
	input.kind == "Deployment"
	some c in input.spec.template.spec.containers
	c.securityContext.privileged
	msg := sprintf("%s/%s: container %s is privileged", [input.kind, input.metadata.name, c.name])
}

# Object results with a msg and more fields.
violation_image_tag contains {"msg": msg, "severity": "high", "container": c.name} if {
	input.kind == "Deployment"
	some c in input.spec.template.spec.containers
	endswith(c.image, ":latest")
	msg := sprintf("%s/%s: %s uses the latest tag", [input.kind, input.metadata.name, c.image])
}

warn contains msg if {
	input.kind == "Service"
	input.spec.type == "NodePort"
	msg := sprintf("Service/%s: NodePort", [input.metadata.name])
}

# Data from a file beside the policies (data.yaml).
warn_team contains msg if {
	input.metadata
	not input.metadata.labels.team in data.teams
	msg := sprintf("%v: team %v is not one of %v", [object.get(input.metadata, "name", "?"), object.get(input.metadata, ["labels", "team"], "none"), data.teams])
}

# Helm values: the file's name comes from data.conftest.file.
warn_values contains msg if {
	startswith(data.conftest.file.name, "values")
	input.image.tag == "latest"
	msg := sprintf("%s: image.tag is latest", [data.conftest.file.name])
}

# Documents with the label exempt from violation_image_tag.
exception contains rules if {
	input.metadata.labels["policy.example.com/allow-latest"] == "true"
	rules := ["image_tag"]
}
