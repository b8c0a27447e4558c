//! Walking a repository directory for `repo`: the manifest files (`*.yaml`, `*.yml`, `Kustomization`) in path
//! order, and the templates that are not loaded, each with why (see the `repo` module doc). Hidden
//! directories and `archive/` are skipped; symbolic links to directories are not followed.

use super::repo::{LoadProblem, NotLoaded};
use std::path::{Path, PathBuf};

/// Template file extensions (Jinja, Go templates, generic): such files are rendered before anything applies
/// them, so they are reported as not loaded.
const TEMPLATE_EXTENSIONS: [&str; 11] = [
    "j2", "jinja", "jinja2", "tmpl", "tpl", "gotmpl", "template", "tftpl", "mustache", "hbs", "erb",
];

/// Why `name` is a template the loader does not read, if it is one: a template extension on a YAML file
/// (`x.yaml.j2`) or on a name without another extension (`x.j2`).
#[must_use]
pub fn template_reason(name: &str) -> Option<String> {
    let (stem, ext) = name.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    if !TEMPLATE_EXTENSIONS.contains(&ext.as_str()) || stem.is_empty() {
        return None;
    }
    let inner = stem.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    matches!(inner.as_deref(), None | Some("yaml" | "yml"))
        .then(|| format!("a .{ext} template (rendered before it is applied)"))
}

/// Collects regular `*.yaml`/`*.yml`/`Kustomization` files under a directory, relative to `root`, sorted;
/// templates go to `not_loaded` (when asked for).
pub struct Walk<'a> {
    pub root: &'a Path,
    pub files: &'a mut Vec<PathBuf>,
    pub problems: &'a mut Vec<LoadProblem>,
    pub not_loaded: Option<&'a mut Vec<NotLoaded>>,
}

impl Walk<'_> {
    fn skip(&mut self, full: &Path, reason: String) {
        if let Some(list) = self.not_loaded.as_deref_mut() {
            let file = full.strip_prefix(self.root).unwrap_or(full).to_path_buf();
            list.push(NotLoaded { file, reason });
        }
    }

    /// Walks `dir` (and below).
    pub fn dir(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.problems.push(LoadProblem {
                    file: dir.to_path_buf(),
                    line: None,
                    message: format!("cannot read directory: {e}"),
                });
                return;
            }
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        let chart = entries
            .iter()
            .any(|e| e.file_name() == "Chart.yaml" || e.file_name() == "Chart.yml");
        for entry in entries {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let full = entry.path();
            if file_type.is_dir() {
                if name.starts_with('.') || name == "archive" {
                    continue;
                }
                if chart && name == "templates" {
                    self.skip(&full, "Helm chart templates (rendered by Helm)".to_owned());
                    continue;
                }
                self.dir(&full);
            } else if !(file_type.is_file() || full.is_file()) {
                continue;
            } else if let Some(reason) = template_reason(&name) {
                self.skip(&full, reason);
            } else if (name.ends_with(".yaml") || name.ends_with(".yml") || name == "Kustomization")
                && let Ok(rel) = full.strip_prefix(self.root)
            {
                self.files.push(rel.to_path_buf());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_templates_are_recognised_by_their_extension() {
        for name in [
            "helmrelease.yaml.j2",
            "ks.yml.tmpl",
            "values.j2",
            "x.yaml.gotmpl",
            "a.yaml.TPL",
        ] {
            assert!(template_reason(name).is_some(), "{name}");
        }
        for name in [
            "helmrelease.yaml",
            "README.md.tmpl",
            "config.toml.j2",
            ".j2",
            "j2",
        ] {
            assert_eq!(template_reason(name), None, "{name}");
        }
    }
}
