# Size limits of ConfigMap and Secret patches.
package fluxops

patch_limits := {
	"patch-configmap": "configmap_patch_max_bytes",
	"patch-secret": "secret_patch_max_bytes",
}

deny contains msg if {
	some action, key in patch_limits
	input.action.name == action
	size := param_bytes(input.parameters.value)
	size > limit(key)
	msg := sprintf("the new value is %d bytes, above the %d-byte limit of %s", [size, limit(key), action])
}
