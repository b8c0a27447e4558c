//! Table cells kube-apiserver's built-in printers compute rather than read from one field (`#printer:<name>`
//! columns of `sim::resource`): `2/3` ready counts, a pod's status (`Running`, `CrashLoopBackOff`,
//! `Completed`, `ContainerCreating`…) and restarts, a Job's completions and duration, a node's status and
//! roles, a Service's external IP and ports.

use super::table::human_duration;
use k8s_openapi::jiff::Timestamp;
use serde_json::{Value, json};

fn int(obj: &Value, pointer: &str) -> i64 {
    obj.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn text<'a>(obj: &'a Value, pointer: &str) -> &'a str {
    obj.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

fn items<'a>(obj: &'a Value, pointer: &str) -> &'a [Value] {
    obj.pointer(pointer)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn age(since: &str, until: Timestamp) -> Option<String> {
    let ts = since.parse::<Timestamp>().ok()?;
    Some(human_duration(until.as_second() - ts.as_second()))
}

/// The pod's status column: the first waiting/terminated reason of a container, else the phase (or
/// `Completed` for a pod whose containers all exited 0), `Terminating` when deleting.
fn pod_status(obj: &Value) -> String {
    if obj.pointer("/metadata/deletionTimestamp").is_some() {
        return "Terminating".to_owned();
    }
    let mut reason = match text(obj, "/status/reason") {
        "" => text(obj, "/status/phase").to_owned(),
        r => r.to_owned(),
    };
    for c in items(obj, "/status/containerStatuses") {
        if let Some(r) = c.pointer("/state/waiting/reason").and_then(Value::as_str) {
            return r.to_owned();
        }
        if let Some(t) = c.pointer("/state/terminated") {
            reason = match t.get("reason").and_then(Value::as_str) {
                Some(r) if !r.is_empty() => r.to_owned(),
                _ => format!("ExitCode:{}", int(t, "/exitCode")),
            };
        }
    }
    if reason.is_empty() {
        "Pending".to_owned()
    } else {
        reason
    }
}

fn node_status(obj: &Value) -> String {
    let ready = items(obj, "/status/conditions")
        .iter()
        .find(|c| text(c, "/type") == "Ready")
        .map(|c| text(c, "/status"));
    let mut out = match ready {
        Some("True") => "Ready".to_owned(),
        _ => "NotReady".to_owned(),
    };
    if obj.pointer("/spec/unschedulable").and_then(Value::as_bool) == Some(true) {
        out.push_str(",SchedulingDisabled");
    }
    out
}

fn node_roles(obj: &Value) -> String {
    let mut roles: Vec<&str> = obj
        .pointer("/metadata/labels")
        .and_then(Value::as_object)
        .map(|l| {
            l.keys()
                .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                .filter(|r| !r.is_empty())
                .collect()
        })
        .unwrap_or_default();
    roles.sort_unstable();
    if roles.is_empty() {
        "<none>".to_owned()
    } else {
        roles.join(",")
    }
}

fn service_ports(obj: &Value) -> String {
    let ports: Vec<String> = items(obj, "/spec/ports")
        .iter()
        .map(|p| {
            let proto = match text(p, "/protocol") {
                "" => "TCP",
                other => other,
            };
            match p.get("nodePort").and_then(Value::as_i64) {
                Some(np) => format!("{}:{np}/{proto}", int(p, "/port")),
                None => format!("{}/{proto}", int(p, "/port")),
            }
        })
        .collect();
    if ports.is_empty() {
        "<none>".to_owned()
    } else {
        ports.join(",")
    }
}

/// The cell of `#printer:<name>` for `obj`.
#[must_use]
pub fn cell(name: &str, obj: &Value, now: Timestamp) -> Value {
    match name {
        "ready-replicas" => json!(format!(
            "{}/{}",
            int(obj, "/status/readyReplicas"),
            int(obj, "/spec/replicas")
        )),
        "pod-ready" => {
            let statuses = items(obj, "/status/containerStatuses");
            let total = items(obj, "/spec/containers").len().max(statuses.len());
            let ready = statuses
                .iter()
                .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
                .count();
            json!(format!("{ready}/{total}"))
        }
        "pod-status" => json!(pod_status(obj)),
        "pod-restarts" => {
            let statuses = items(obj, "/status/containerStatuses");
            let restarts: i64 = statuses.iter().map(|c| int(c, "/restartCount")).sum();
            let last = statuses
                .iter()
                .filter_map(|c| c.pointer("/lastState/terminated/finishedAt")?.as_str())
                .max()
                .and_then(|t| age(t, now));
            json!(match last {
                Some(ago) if restarts > 0 => format!("{restarts} ({ago} ago)"),
                _ => restarts.to_string(),
            })
        }
        "job-completions" => json!(format!(
            "{}/{}",
            int(obj, "/status/succeeded"),
            obj.pointer("/spec/completions")
                .and_then(Value::as_i64)
                .map_or_else(|| "1".to_owned(), |c| c.to_string())
        )),
        "job-duration" => {
            let start = text(obj, "/status/startTime");
            let end = match text(obj, "/status/completionTime") {
                "" => now,
                t => t.parse().unwrap_or(now),
            };
            json!(age(start, end).unwrap_or_default())
        }
        "node-status" => json!(node_status(obj)),
        "node-roles" => json!(node_roles(obj)),
        "service-external-ip" => {
            let ingress: Vec<&str> = items(obj, "/status/loadBalancer/ingress")
                .iter()
                .map(|i| text(i, "/ip"))
                .filter(|i| !i.is_empty())
                .collect();
            json!(match (text(obj, "/spec/type"), ingress.is_empty()) {
                ("LoadBalancer", true) => "<pending>".to_owned(),
                (_, false) => ingress.join(","),
                _ => "<none>".to_owned(),
            })
        }
        "service-ports" => json!(service_ports(obj)),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_cells_read_like_kubectl_get_pods() {
        let crash = json!({"spec": {"containers": [{"name": "app"}]}, "status": {"phase": "Running",
            "containerStatuses": [{"ready": false, "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        let now = Timestamp::now();
        assert_eq!(cell("pod-status", &crash, now), json!("CrashLoopBackOff"));
        assert_eq!(cell("pod-ready", &crash, now), json!("0/1"));
        assert_eq!(cell("pod-restarts", &crash, now), json!("4"));
        let done = json!({"spec": {"containers": [{"name": "kubectl"}]}, "status": {"phase": "Succeeded",
            "containerStatuses": [{"ready": false, "restartCount": 0,
                "state": {"terminated": {"reason": "Completed", "exitCode": 0}}}]}});
        assert_eq!(cell("pod-status", &done, now), json!("Completed"));
    }

    #[test]
    fn node_cells_show_cordons_and_roles() {
        let node = json!({"metadata": {"labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": true},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let now = Timestamp::now();
        assert_eq!(
            cell("node-status", &node, now),
            json!("Ready,SchedulingDisabled")
        );
        assert_eq!(cell("node-roles", &node, now), json!("control-plane"));
    }
}
