//! `fluxops config validate [FILE…]`: reads each file (through `bounded_file`) and prints every problem
//! `config::validate` finds as `FILE:LINE: what is wrong` (sanitised: the text quotes the file), then a summary.
//! Without files: `theme.yaml`, `keymap.yaml` and `settings.yaml` in the config directory, those that exist.
//! Exit 0 when every file is clean, 1 when one has a problem (or cannot be read, or is of an unknown kind).

use crate::cli::{ConfigFileKind, ConfigValidateArgs};
use crate::config::validate::{self, FileKind};
use crate::config::{ConfigPaths, settings::SETTINGS_FILE};
use crate::text::sanitize_line;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Runs the command, printing to standard output.
#[must_use]
pub fn run(args: &ConfigValidateArgs) -> ExitCode {
    let (files, dir) = if args.files.is_empty() {
        match ConfigPaths::discover() {
            Some(paths) => (defaults(&paths), Some(paths.dir)),
            None => (Vec::new(), None),
        }
    } else {
        (args.files.clone(), None)
    };
    let mut out = std::io::stdout().lock();
    let clean = validate_files(&files, args.kind, dir.as_deref(), &mut out);
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The config directory's files that exist.
fn defaults(paths: &ConfigPaths) -> Vec<PathBuf> {
    [paths.theme(), paths.keymap(), paths.dir.join(SETTINGS_FILE)]
        .into_iter()
        .filter(|p| p.exists())
        .collect()
}

/// Checks `files` and writes the report to `out`; whether all were clean. `dir`: the config directory looked
/// in (for the message when it holds nothing).
pub fn validate_files(
    files: &[PathBuf],
    kind: Option<ConfigFileKind>,
    dir: Option<&Path>,
    out: &mut impl Write,
) -> bool {
    if files.is_empty() {
        let _ = match dir {
            Some(dir) => writeln!(
                out,
                "no config files in {} (theme.yaml, keymap.yaml, settings.yaml): nothing to check",
                sanitize_line(&dir.display().to_string())
            ),
            None => writeln!(
                out,
                "no config directory (no home directory): nothing to check"
            ),
        };
        return true;
    }
    let mut problems = 0;
    for file in files {
        let shown = sanitize_line(&file.display().to_string()).into_owned();
        let kind = match kind {
            Some(ConfigFileKind::Theme) => Some(FileKind::Theme),
            Some(ConfigFileKind::Keymap) => Some(FileKind::Keymap),
            Some(ConfigFileKind::Settings) => Some(FileKind::Settings),
            None => FileKind::of(file),
        };
        let Some(kind) = kind else {
            problems += 1;
            let _ = writeln!(
                out,
                "{shown}: cannot tell a theme, keymap or settings file from its name; pass --kind"
            );
            continue;
        };
        let text = match crate::bounded_file::read_to_string(file, crate::bounded_file::CONFIG) {
            Ok(text) => text,
            Err(e) => {
                problems += 1;
                let _ = writeln!(out, "{}", sanitize_line(&e.to_string()));
                continue;
            }
        };
        let found = validate::check(kind, &text, file);
        if found.is_empty() {
            let _ = writeln!(out, "{shown}: ok ({})", kind.name());
        }
        for p in &found {
            let _ = writeln!(out, "{}", sanitize_line(&p.to_string()));
        }
        problems += found.len();
    }
    if problems > 0 {
        let _ = writeln!(
            out,
            "{problems} problem{} found",
            if problems == 1 { "" } else { "s" }
        );
    }
    problems == 0
}
