# The action allow-list and the read-only mode.
package fluxops

deny contains msg if {
	not input.action.name in allowed_actions
	msg := sprintf("action '%s' is not in the allow-list (data.settings.shipped.allowed_actions)", [input.action.name])
}

deny contains "read-only mode: no action may change the cluster" if input.mode == "readonly"

# Asking is part of acting: a dangerous action needs the target's name typed, any other write a yes.
confirm contains "typed" if input.action.dangerous

confirm contains "simple" if writes
