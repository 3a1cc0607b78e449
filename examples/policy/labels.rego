# Workloads carry the app.kubernetes.io/name label.
package main

deny_name_label contains msg if {
	pod_spec
	not input.metadata.labels["app.kubernetes.io/name"]
	msg := sprintf("%s: no app.kubernetes.io/name label in metadata.labels", [resource])
}
