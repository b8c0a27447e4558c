# Control-plane nodes are never cordoned or drained.
package fluxops

control_plane_labels := {"node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"}

deny contains msg if {
	input.target.kind == "Node"
	input.action.name in {"cordon", "drain"}
	some label in control_plane_labels
	label in object.keys(input.target.labels)
	msg := sprintf("%s is a control-plane node (label %s): it is never cordoned or drained", [input.target.name, label])
}
