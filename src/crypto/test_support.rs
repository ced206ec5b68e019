//! Test-only helpers shared by the crypto modules' unit tests: the `openssl` command line as
//! the independent referee.

use std::path::Path;
use std::process::Command;

/// Runs `openssl` with whitespace-separated `args` in `dir`; panics with its error output if
/// it fails.
pub(crate) fn openssl(dir: &Path, args: &str) {
    let output = Command::new("openssl")
        .args(args.split_whitespace())
        .current_dir(dir)
        .output()
        .expect("run openssl");
    assert!(
        output.status.success(),
        "openssl {args}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
