# The decision fluxops reads: data.fluxops.decision (docs/POLICIES.md).
#
# Every shipped rule lives in package fluxops. The partial sets `deny`, `warn` and `confirm` collect what the
# other files of this directory say; user policies (package user.<name>, in the config directory) add to them
# through `data.user[_]` below and can do nothing else: every helper here is a complete rule or a function, so a
# second definition is a conflict, an evaluation error, and fluxops then denies (fail closed).
package fluxops

default allow := false

allow if count(deny) == 0

# User policies: `deny`, `warn` and `confirm` sets in any package user.<name>.
deny contains msg if {
	some name
	some reason in data.user[name].deny
	msg := sprintf("%s (user policy %s)", [reason, name])
}

warn contains msg if {
	some name
	some msg in data.user[name].warn
}

confirm contains level if {
	some name
	some level in data.user[name].confirm
}

# The strongest confirmation any rule asks for.
confirmation := "typed" if {
	"typed" in confirm
} else := "simple" if {
	"simple" in confirm
} else := "none"

default break_glass_plan := null

decision := {
	"allow": allow,
	"deny": deny,
	"warnings": warn,
	"confirmation": confirmation,
	"break_glass": break_glass_plan,
}

# ---- settings: data.settings.shipped (policies/data.json), tightened by data.settings.user ---------------

shipped := data.settings.shipped

user_settings := object.get(data.settings, "user", {})

# A numeric limit: the shipped one, or the user's when it is lower.
limit(name) := min({shipped.limits[name], user_settings.limits[name]}) if {
	is_number(user_settings.limits[name])
} else := shipped.limits[name]

# Shipped names plus the user's.
protected_namespaces := {ns | some ns in shipped.protected_namespaces} | {ns | some ns in object.get(user_settings, "protected_namespaces", [])}

# Shipped labels plus the user's.
critical_labels := object.union(shipped.critical_labels, object.get(user_settings, "critical_labels", {}))

# The shipped allow-list, narrowed to the user's list when the user gives one.
allowed_actions := {a | some a in shipped.allowed_actions; user_keeps(a)}

user_keeps(a) if not user_settings.allowed_actions

user_keeps(a) if a in user_settings.allowed_actions

# ---- facts about the input --------------------------------------------------------------------------------

target_ref := sprintf("%s/%s/%s", [input.target.kind, input.target.namespace, input.target.name]) if {
	input.target.namespace
} else := sprintf("%s/%s", [input.target.kind, input.target.name])

owner_ref := sprintf("%s/%s/%s", [input.owner.kind, input.owner.namespace, input.owner.name])

# Bytes of a parameter: a string's length, or the `bytes` of a secret or long value (given as a digest).
param_bytes(p) := p.bytes if is_object(p)

param_bytes(p) := count(p) if is_string(p)

# Every action either changes the cluster or creates a Job that runs in it.
writes if input.action.mutates

writes if input.action.executor == "job"
