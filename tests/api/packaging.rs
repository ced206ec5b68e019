//! The Docker build context lets through everything `cargo build --release --locked` needs.

/// `.dockerignore` is an allowlist: every path dependency named in Cargo.toml must be let
/// through, or the image's build stage fails to load the manifest.
#[test]
fn the_docker_context_carries_every_path_dependency() {
    let root = env!("CARGO_MANIFEST_DIR");
    let manifest = std::fs::read_to_string(format!("{root}/Cargo.toml")).expect("Cargo.toml");
    let ignore = std::fs::read_to_string(format!("{root}/.dockerignore")).expect(".dockerignore");
    let allowed: Vec<&str> = ignore
        .lines()
        .filter_map(|line| line.trim().strip_prefix('!'))
        .collect();
    let paths: Vec<&str> = manifest
        .split("path = \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(
        !paths.is_empty(),
        "Cargo.toml names its lib/bin paths at least"
    );
    for path in paths {
        let top = path.split('/').next().unwrap_or(path);
        let let_through = allowed
            .iter()
            .any(|entry| entry.trim_end_matches('/') == top || *entry == path);
        assert!(
            let_through,
            "{path} (from Cargo.toml) is not let through .dockerignore"
        );
    }
}
