# Production images are pinned by digest: in a namespace of
# data.production_namespaces (registries.yaml), every image names its
# digest (image@sha256:...), so that what runs is exactly what was tested.
package main

deny_unpinned_production contains msg if {
	input.metadata.namespace in data.production_namespaces
	some c in containers
	not regex.match(`@sha256:[a-f0-9]{64}$`, c.image)
	msg := sprintf("%s: container %q runs %q in %s, not pinned by digest (@sha256:...)",
		[resource, c.name, c.image, input.metadata.namespace])
}
