# The mass-change guard: a bulk action or a delete touching more than N objects needs typed confirmation; more
# than M is denied (N, M: data.settings.shipped.limits).
package fluxops

deny contains msg if {
	writes
	input.counts.objects > limit("mass_change_deny_above")
	msg := sprintf("this touches %d objects, more than the %d allowed at once: split it", [input.counts.objects, limit("mass_change_deny_above")])
}

confirm contains "typed" if {
	writes
	input.counts.objects > limit("mass_change_typed_above")
}

warn contains msg if {
	writes
	input.counts.objects > limit("mass_change_typed_above")
	msg := sprintf("this touches %d objects", [input.counts.objects])
}
