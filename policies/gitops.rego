# Git is the source of truth: a change to an object that a Flux Kustomization or HelmRelease applies is undone
# on the owner's next reconcile, unless the owner is suspended. Such changes are denied; break-glass with a reason
# allows them with typed confirmation, and the decision names the owner to suspend and says a Git change must follow.
package fluxops

git_owned if {
	input.action.mutates
	input.action.owner_reverts
	input.owner
	not input.owner.suspended
}

break_glass_ok if {
	input.break_glass.declared
	count(trim_space(input.break_glass.reason)) >= limit("break_glass_min_reason")
}

interval_words := sprintf(" (every %s)", [input.owner.interval]) if {
	input.owner.interval
} else := ""

deny contains msg if {
	git_owned
	not break_glass_ok
	msg := sprintf("%s is applied from Git by %s, which is not suspended: it will revert this change within its interval%s. Change Git, or suspend the owner first, or declare break-glass with a reason", [target_ref, owner_ref, interval_words])
}

deny contains msg if {
	git_owned
	input.break_glass.declared
	not break_glass_ok
	msg := sprintf("break-glass needs a reason of at least %d characters", [limit("break_glass_min_reason")])
}

confirm contains "typed" if {
	git_owned
	break_glass_ok
}

warn contains msg if {
	git_owned
	break_glass_ok
	msg := sprintf("break-glass: suspend %s first, then make the same change in Git before resuming it", [owner_ref])
}

break_glass_plan := {
	"suspend_owner": {"kind": input.owner.kind, "namespace": input.owner.namespace, "name": input.owner.name},
	"git_change_required": true,
	"reason": trim_space(input.break_glass.reason),
} if {
	git_owned
	break_glass_ok
}

warn contains msg if {
	input.action.mutates
	input.action.owner_reverts
	input.owner.suspended
	msg := sprintf("%s is suspended: make the same change in Git before resuming it, or it will be reverted", [owner_ref])
}

# Suspending a child whose owner's manifest sets spec.suspend is undone on the owner's next apply (flux2#3462).
warn contains msg if {
	input.action.name == "suspend"
	input.owner
	not input.owner.suspended
	msg := sprintf("if %s's manifest sets spec.suspend, its next apply resumes %s: suspend the owner instead", [owner_ref, target_ref])
}
