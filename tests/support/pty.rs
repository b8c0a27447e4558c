//! The real `fluxops` binary in a pseudo-terminal: everything it writes, the tty's modes (termios, read on the
//! master: Linux answers with the slave's), keys typed, signals sent with `kill`, its exit.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long the demo may take to draw its first complete frame on a loaded machine.
pub const START: Duration = Duration::from_secs(120);

/// The tty modes that tell raw from cooked (`c_lflag`, `c_iflag`, `c_oflag`, `c_cflag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modes {
    pub local: u32,
    pub input: u32,
    pub output: u32,
    pub control: u32,
}

impl Modes {
    /// Canonical input and echo: what a shell needs.
    pub fn cooked(&self) -> bool {
        self.local & libc::ICANON != 0 && self.local & libc::ECHO != 0
    }
}

pub struct Console {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    output: Arc<Mutex<Vec<u8>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    pub log: PathBuf,
    /// `FLUXOPS_DATA_DIR` of the process.
    pub data: PathBuf,
    pub pid: u32,
    /// The tty's modes before fluxops started (cooked).
    pub initial: Modes,
    _dir: tempfile::TempDir,
}

impl Console {
    /// `fluxops ARGS` in a 120x32 pty, with its own config directory and log file.
    pub fn spawn(args: &[&str]) -> Console {
        let dir = tempfile::tempdir().unwrap();
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 32,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let initial = modes_of(pty.master.as_ref());
        assert!(initial.cooked(), "a new pty starts cooked: {initial:?}");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_fluxops"));
        cmd.args(args);
        let log = dir.path().join("fluxops.log");
        cmd.env("FLUXOPS_LOG_FILE", &log);
        cmd.env("FLUXOPS_LOG", "info");
        cmd.env("FLUXOPS_CONFIG_DIR", dir.path());
        // Walks, snapshots and the audit log stay in the test's own directory.
        cmd.env("FLUXOPS_DATA_DIR", dir.path().join("data"));
        cmd.env("TERM", "xterm-256color");
        cmd.cwd(dir.path());
        let child = pty.slave.spawn_command(cmd).unwrap();
        // Only the child holds the slave now: reading the master ends when the child is gone.
        drop(pty.slave);
        let pid = child.process_id().unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let mut reader = pty.master.try_clone_reader().unwrap();
        let sink = output.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let writer = pty.master.take_writer().unwrap();
        Console {
            master: pty.master,
            writer,
            child,
            output,
            reader: Some(reader),
            log,
            data: dir.path().join("data"),
            pid,
            initial,
            _dir: dir,
        }
    }

    /// The tty's modes now.
    pub fn modes(&self) -> Modes {
        modes_of(self.master.as_ref())
    }

    /// Everything written so far.
    pub fn output(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    /// How many bytes were written so far.
    pub fn written(&self) -> usize {
        self.output.lock().unwrap().len()
    }

    /// Waits until `probe` holds, checking every 20 ms; panics naming `what` after `within`.
    pub fn wait_until(
        &self,
        what: &str,
        within: Duration,
        mut probe: impl FnMut(&Console) -> bool,
    ) {
        let deadline = Instant::now() + within;
        while !probe(self) {
            assert!(
                Instant::now() < deadline,
                "waited {within:?} for {what}; output so far:\n{}",
                String::from_utf8_lossy(&self.output())
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for the console's first complete frame (from its log) and for raw mode.
    pub fn wait_ready(&self) {
        self.wait_until("the first complete frame", START, |c| {
            std::fs::read_to_string(&c.log).is_ok_and(|l| l.contains("first complete frame"))
        });
        self.wait_until("raw mode", Duration::from_secs(10), |c| !c.modes().cooked());
    }

    /// Types bytes (keys) into the terminal.
    pub fn type_bytes(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// Sends a signal by name (`TERM`, `CONT`, …) with kill(1).
    pub fn kill(&self, signal: &str) {
        let status = Command::new("kill")
            .args(["-s", signal, &self.pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -s {signal} {}", self.pid);
    }

    /// The process state letter from /proc (`T` = stopped).
    pub fn state(&self) -> char {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // The state follows the command name in parentheses.
        stat.rsplit_once(") ")
            .and_then(|(_, rest)| rest.chars().next())
            .unwrap_or('?')
    }

    /// Waits for the process to exit; returns its status and everything it wrote.
    pub fn wait_exit(&mut self, within: Duration) -> (portable_pty::ExitStatus, Vec<u8>) {
        let deadline = Instant::now() + within;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "fluxops did not exit within {within:?}; output:\n{}",
                    String::from_utf8_lossy(&self.output())
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        (status, self.output())
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .args(["-s", "KILL", &self.pid.to_string()])
                .status();
        }
    }
}

fn modes_of(master: &(dyn MasterPty + Send)) -> Modes {
    let t = master.get_termios().unwrap();
    Modes {
        local: t.local_flags.bits(),
        input: t.input_flags.bits(),
        output: t.output_flags.bits(),
        control: t.control_flags.bits(),
    }
}

/// The bytes after the last occurrence of `needle` (`None`: it never occurs).
pub fn after_last<'a>(hay: &'a [u8], needle: &[u8]) -> Option<&'a [u8]> {
    hay.windows(needle.len())
        .rposition(|w| w == needle)
        .map(|i| &hay[i + needle.len()..])
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}
