//! Whether the `kubectl` the simulator's Job controller runs (and tests call) is installed; when it is not,
//! the test says what it skips instead of failing.

/// `true` when `kubectl version --client` works; otherwise prints "kubectl is not installed: `skipped`".
pub fn installed(skipped: &str) -> bool {
    let found = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("kubectl is not installed: {skipped}");
    }
    found
}
