//! Which objects of a snapshot a restore takes: `--only` patterns, `Kind/namespace/name` (or `Kind/name` for
//! cluster-scoped objects), each part a glob (`*` any run, `?` one character). The kind is matched as typed by a
//! person: its name in any case, `Kind.group`, or a Flux short name (`ks`, `hr`, `gitrepo`). No pattern: every
//! object. A pattern that matches nothing is an error (a typo must not restore less than asked). Pure.

use super::object::ObjectKey;

/// One `--only` pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    text: String,
    kind: String,
    namespace: Option<String>,
    name: String,
}

/// Why a pattern is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("--only '{0}': expected Kind/namespace/name or Kind/name (globs allowed: *, ?)")]
    Form(String),
    #[error("--only '{0}' matches no object of the snapshot")]
    NoMatch(String),
}

impl Pattern {
    /// Parses `Kind/namespace/name` or `Kind/name`.
    ///
    /// # Errors
    /// Another number of parts, or an empty part.
    pub fn parse(text: &str) -> Result<Self, SelectError> {
        let shown = || SelectError::Form(crate::text::sanitize(text).into_owned());
        let parts: Vec<&str> = text.split('/').collect();
        if parts.iter().any(|p| p.trim().is_empty()) {
            return Err(shown());
        }
        let kind = match crate::flux::FluxKind::from_user(parts[0]) {
            Some(k) if !parts[0].contains(['*', '?']) => k.as_str().to_owned(),
            _ => parts[0].to_owned(),
        };
        let (namespace, name) = match parts.as_slice() {
            [_, ns, name] => (Some((*ns).to_owned()), (*name).to_owned()),
            [_, name] => (None, (*name).to_owned()),
            _ => return Err(shown()),
        };
        Ok(Self {
            text: text.to_owned(),
            kind,
            namespace,
            name,
        })
    }

    /// Whether `key` matches.
    #[must_use]
    pub fn matches(&self, key: &ObjectKey) -> bool {
        let kind_lower = self.kind.to_ascii_lowercase();
        let qualified = super::manifest::kind_key(&key.group, &key.kind).to_ascii_lowercase();
        let kind_ok =
            glob(&kind_lower, &key.kind.to_ascii_lowercase()) || glob(&kind_lower, &qualified);
        let ns_ok = match &self.namespace {
            Some(ns) => !key.namespace.is_empty() && glob(ns, &key.namespace),
            None => key.namespace.is_empty(),
        };
        kind_ok && ns_ok && glob(&self.name, &key.name)
    }
}

/// The keys of `keys` that `patterns` select (all when there are none).
///
/// # Errors
/// A pattern that matches nothing.
pub fn select<'a>(
    keys: impl Iterator<Item = &'a ObjectKey> + Clone,
    patterns: &[Pattern],
) -> Result<Vec<ObjectKey>, SelectError> {
    if patterns.is_empty() {
        return Ok(keys.cloned().collect());
    }
    for p in patterns {
        if !keys.clone().any(|k| p.matches(k)) {
            return Err(SelectError::NoMatch(
                crate::text::sanitize(&p.text).into_owned(),
            ));
        }
    }
    Ok(keys
        .filter(|k| patterns.iter().any(|p| p.matches(k)))
        .cloned()
        .collect())
}

/// `*` and `?` wildcard match of the whole text.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(group: &str, kind: &str, ns: &str, name: &str) -> ObjectKey {
        ObjectKey {
            group: group.into(),
            kind: kind.into(),
            namespace: ns.into(),
            name: name.into(),
        }
    }

    #[test]
    fn patterns_select_by_kind_namespace_and_name_globs() {
        let keys = [
            key(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                "apps",
            ),
            key(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                "infra",
            ),
            key("", "ConfigMap", "apps", "app-config"),
            key("", "Namespace", "", "apps"),
        ];
        let pick = |ps: &[&str]| {
            let ps: Vec<Pattern> = ps.iter().map(|p| Pattern::parse(p).unwrap()).collect();
            select(keys.iter(), &ps).map(|v| v.iter().map(ToString::to_string).collect::<Vec<_>>())
        };
        assert_eq!(
            pick(&["ks/flux-system/apps"]).unwrap(),
            vec!["Kustomization/flux-system/apps"]
        );
        assert_eq!(pick(&["Kustomization/*/*"]).unwrap().len(), 2);
        assert_eq!(
            pick(&["configmap/apps/app-*"]).unwrap(),
            vec!["ConfigMap/apps/app-config"]
        );
        assert_eq!(pick(&["Namespace/apps"]).unwrap(), vec!["Namespace/apps"]);
        assert_eq!(pick(&["*/*/*"]).unwrap().len(), 3);
        assert_eq!(pick(&[]).unwrap().len(), 4);
        assert!(matches!(
            pick(&["ks/flux-system/app"]),
            Err(SelectError::NoMatch(_))
        ));
        assert!(matches!(Pattern::parse("ks"), Err(SelectError::Form(_))));
        assert!(matches!(Pattern::parse("ks//x"), Err(SelectError::Form(_))));
        assert!(matches!(
            Pattern::parse("a/b/c/d"),
            Err(SelectError::Form(_))
        ));
    }

    #[test]
    fn globs() {
        assert!(glob("a*c", "abbbc"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "abbc"));
        assert!(glob("*", ""));
        assert!(!glob("a", "ab"));
    }
}
