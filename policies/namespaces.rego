# Protected namespaces: no workload remediation (job actions) in kube-system, flux-system, …
# Flux control (reconcile, suspend, …) of the objects there stays allowed.
package fluxops

deny contains msg if {
	input.action.executor == "job"
	input.action.mutates
	input.target.namespace in protected_namespaces
	msg := sprintf("namespace '%s' is protected: no %s there (data.settings.shipped.protected_namespaces)", [input.target.namespace, input.action.name])
}
