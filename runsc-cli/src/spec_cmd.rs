//! `runsc spec`: writes a default bundle configuration, as `runc spec` does.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Args;
use oci_spec::runtime::Spec;

#[derive(Args, Debug)]
pub struct SpecArgs {
    /// Directory the config.json is written to (default: the current one).
    #[arg(long, short = 'b', default_value = ".")]
    bundle: PathBuf,
}

/// The default spec: runc's layout (`sh` in a `rootfs` directory, the usual
/// mounts, namespaces, masked and read-only paths), our hostname, and the
/// OCI version we implement.
pub fn default_spec() -> Spec {
    let mut spec = Spec::default();
    spec.set_version(oci_spec::runtime::VERSION.to_string());
    spec.set_hostname(Some("runsc".to_string()));
    spec
}

/// Writes `<bundle>/config.json`, indented as runc writes it; refuses to
/// overwrite one (exit 1, as runc).
pub fn run(args: SpecArgs) -> Result<i32> {
    match write(&args.bundle.join("config.json")) {
        Ok(()) => Ok(0),
        Err(e) => {
            eprintln!("runsc spec: {e:#}");
            Ok(1)
        }
    }
}

fn write(path: &std::path::Path) -> Result<()> {
    if path.exists() {
        bail!("File {} exists. Remove it first", path.display());
    }
    let json = serde_json::to_vec_pretty(&default_spec())?;
    std::fs::write(path, json).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_spec_is_runc_like_and_round_trips() {
        let s = default_spec();
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["ociVersion"], oci_spec::runtime::VERSION);
        assert_eq!(json["process"]["args"], serde_json::json!(["sh"]));
        assert_eq!(json["root"]["path"], "rootfs");
        assert_eq!(json["hostname"], "runsc");
        let back: Spec = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
    }
}
