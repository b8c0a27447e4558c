//! Reading the files a user points fluxops at — keymaps, themes, `.fluxops.yaml`, scenarios, repository files,
//! `fluxops diagnose` input, the kubeconfig — with limits: **only regular files** (after following symbolic
//! links) and **at most a size cap**. A FIFO named `keymap.yaml` must not hang startup, a symlink to `/dev/zero`
//! must not read gigabytes.
//!
//! Every file the program reads goes through [`read`] / [`read_to_string`] (or [`check`] where a library reads
//! the file itself, as kube does the kubeconfig); `tests/file_reads.rs` fails on any other `std::fs` read in
//! `src/`. The file is opened with `O_NONBLOCK | O_NOCTTY` so opening a FIFO or a terminal never blocks, then
//! checked with `fstat` on the open descriptor (no race between the check and the read), and read through
//! `take(cap + 1)` so a file that grows while read is still cut. Errors name the file and what is wrong.
//!
//! Caps ([`Limit`]): [`CONFIG`] 1 MiB (keymap, theme, `.fluxops.yaml`), [`KUBECONFIG`] 16 MiB,
//! [`DATA`] 64 MiB per file (scenarios, GitOps repository files, `diagnose` input, standard input included).

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// A size cap and what it is for (named in the error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    pub what: &'static str,
}

/// Keymaps, themes, `.fluxops.yaml`: 1 MiB.
pub const CONFIG: Limit = Limit {
    bytes: 1 << 20,
    what: "config files",
};

/// Kubeconfig files (many clusters with embedded certificates): 16 MiB.
pub const KUBECONFIG: Limit = Limit {
    bytes: 16 << 20,
    what: "kubeconfig files",
};

/// Scenarios, GitOps repository files and `fluxops diagnose` input: 64 MiB per file.
pub const DATA: Limit = Limit {
    bytes: 64 << 20,
    what: "scenario, repository and diagnose input files",
};

/// A file that was not read, and why.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", .path.display())]
pub struct Error {
    pub path: PathBuf,
    pub problem: Problem,
}

/// What is wrong with a file.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("no such file")]
    NotFound,
    /// A directory, FIFO, device or socket (after following symbolic links).
    #[error("is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("is {size} bytes, more than the {} limit for {}", human(.limit.bytes), .limit.what)]
    TooLarge { size: u64, limit: Limit },
    #[error("is not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 { offset: usize },
    #[error("cannot read: {0}")]
    Io(#[source] io::Error),
}

impl Error {
    fn new(path: &Path, problem: Problem) -> Self {
        Self {
            path: path.to_path_buf(),
            problem,
        }
    }

    /// The file does not exist (optional files: use the defaults).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        matches!(self.problem, Problem::NotFound)
    }
}

/// Reads a regular file of at most `limit.bytes`.
///
/// # Errors
/// The file is missing, not a regular file, too large, or unreadable.
pub fn read(path: &Path, limit: Limit) -> Result<Vec<u8>, Error> {
    let file = open(path)?;
    let meta = file
        .metadata()
        .map_err(|e| Error::new(path, Problem::Io(e)))?;
    let file_type = meta.file_type();
    if !file_type.is_file() {
        return Err(Error::new(path, Problem::NotRegular(describe(&file_type))));
    }
    if meta.len() > limit.bytes {
        return Err(Error::new(
            path,
            Problem::TooLarge {
                size: meta.len(),
                limit,
            },
        ));
    }
    read_capped(file, limit).map_err(|problem| Error::new(path, problem))
}

/// Reads a regular file of at most `limit.bytes` as UTF-8 text.
///
/// # Errors
/// As [`read`], and text that is not UTF-8.
pub fn read_to_string(path: &Path, limit: Limit) -> Result<String, Error> {
    let bytes = read(path, limit)?;
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            path,
            Problem::NotUtf8 {
                offset: e.utf8_error().valid_up_to(),
            },
        )
    })
}

/// Reads standard input up to `limit.bytes` (`fluxops diagnose -`); more is an error naming `name`.
///
/// # Errors
/// Unreadable or too long input.
pub fn read_stdin(name: &Path, limit: Limit) -> Result<Vec<u8>, Error> {
    read_capped(io::stdin().lock(), limit).map_err(|problem| Error::new(name, problem))
}

/// Checks that `path` is a regular file of at most `limit.bytes` without reading it, for files a library
/// reads itself (kube reads the kubeconfig).
///
/// # Errors
/// As [`read`].
pub fn check(path: &Path, limit: Limit) -> Result<(), Error> {
    let meta = open(path)?
        .metadata()
        .map_err(|e| Error::new(path, Problem::Io(e)))?;
    if !meta.file_type().is_file() {
        return Err(Error::new(
            path,
            Problem::NotRegular(describe(&meta.file_type())),
        ));
    }
    if meta.len() > limit.bytes {
        return Err(Error::new(
            path,
            Problem::TooLarge {
                size: meta.len(),
                limit,
            },
        ));
    }
    Ok(())
}

fn open(path: &Path) -> Result<File, Error> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading blocks until a writer appears, and a terminal could become the
        // controlling one: neither may happen. Non-blocking has no effect on reading a regular file.
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    options.open(path).map_err(|e| {
        let problem = if e.kind() == io::ErrorKind::NotFound {
            Problem::NotFound
        } else {
            Problem::Io(e)
        };
        Error::new(path, problem)
    })
}

fn read_capped(reader: impl Read, limit: Limit) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::new();
    reader
        .take(limit.bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(Problem::Io)?;
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if size > limit.bytes {
        return Err(Problem::TooLarge { size, limit });
    }
    Ok(bytes)
}

fn describe(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// `1 MiB`, `64 MiB`, `512 KiB`.
fn human(bytes: u64) -> impl fmt::Display {
    struct Human(u64);
    impl fmt::Display for Human {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self.0 {
                b if b >= 1 << 20 && b % (1 << 20) == 0 => write!(f, "{} MiB", b >> 20),
                b if b >= 1 << 10 && b % (1 << 10) == 0 => write!(f, "{} KiB", b >> 10),
                b => write!(f, "{b} bytes"),
            }
        }
    }
    Human(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limit = Limit {
        bytes: 8,
        what: "test files",
    };

    #[test]
    fn a_regular_file_within_the_cap_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.yaml");
        std::fs::write(&path, "12345678").unwrap();
        assert_eq!(read_to_string(&path, SMALL).unwrap(), "12345678");
    }

    #[test]
    fn a_file_over_the_cap_is_refused_with_its_size_and_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.yaml");
        std::fs::write(&path, "123456789").unwrap();
        let err = read(&path, SMALL).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: is 9 bytes, more than the 8 bytes limit for test files",
                path.display()
            )
        );
    }

    #[test]
    fn a_directory_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read(dir.path(), CONFIG).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("is a directory, not a regular file"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_file_is_not_found() {
        let err = read(Path::new("/nonexistent/fluxops/keymap.yaml"), CONFIG).unwrap_err();
        assert!(err.is_not_found());
    }

    #[test]
    fn invalid_utf8_names_the_offset() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bin.yaml");
        std::fs::write(&path, b"ab\xffcd").unwrap();
        let err = read_to_string(&path, SMALL).unwrap_err();
        assert!(err.to_string().contains("offset 2"), "{err}");
    }

    #[test]
    fn caps_read_as_binary_units() {
        assert_eq!(human(CONFIG.bytes).to_string(), "1 MiB");
        assert_eq!(human(DATA.bytes).to_string(), "64 MiB");
        assert_eq!(human(512 << 10).to_string(), "512 KiB");
    }
}
