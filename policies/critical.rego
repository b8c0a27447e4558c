# Workloads labelled critical are never scaled to zero.
package fluxops

is_critical if {
	some key, value in critical_labels
	input.target.labels[key] == value
}

deny contains msg if {
	input.action.name == "scale"
	input.parameters.replicas == 0
	is_critical
	msg := sprintf("%s is labelled critical: it is never scaled to zero", [target_ref])
}

warn contains msg if {
	input.action.name == "scale"
	input.parameters.replicas == 0
	not is_critical
	msg := sprintf("scaling %s to zero stops it entirely", [target_ref])
}
