//! `rolecall hook install PATH`: writes a plain repository's `hooks/pre-receive` that runs this
//! binary by absolute path.

use crate::error::{Error, Result};
use crate::git::open_repo;
use std::path::{Path, PathBuf};

/// The line that marks a hook file as written by rolecall (so it may be replaced).
pub const MARKER: &str = "# rolecall pre-receive hook";

/// The hook script for `binary` (an absolute path).
pub fn script(binary: &Path) -> String {
    let quoted = binary.display().to_string().replace('\'', r"'\''");
    format!(
        "#!/bin/sh\n{MARKER} (written by `rolecall hook install`; edit the server policy in\n\
         # rolecall.toml in this repository's git directory, or point ROLECALL_CONFIG at a file).\n\
         exec '{quoted}' hook pre-receive\n"
    )
}

/// Installs the hook into the repository at `repo` (bare or not) and returns the hook's path.
/// An existing `pre-receive` that rolecall did not write is kept unless `force` is set.
pub fn install(repo: &Path, binary: &Path, force: bool) -> Result<PathBuf> {
    let git = open_repo(repo)?;
    let binary = binary.canonicalize().map_err(|e| Error::io(binary, e))?;
    let hooks = git.path().join("hooks");
    std::fs::create_dir_all(&hooks).map_err(|e| Error::io(&hooks, e))?;
    let hook = hooks.join("pre-receive");
    if let Ok(existing) = std::fs::read_to_string(&hook) {
        if !existing.contains(MARKER) && !force {
            return Err(Error::input(format!(
                "{} already exists and was not written by rolecall; keep it (chain rolecall from \
                 it, see hooks/README.md) or replace it with --force",
                hook.display()
            )));
        }
    } else if hook.exists() && !force {
        return Err(Error::input(format!(
            "{} already exists and cannot be read; replace it with --force",
            hook.display()
        )));
    }
    let tmp = hooks.join(".pre-receive.rolecall.tmp");
    std::fs::write(&tmp, script(&binary)).map_err(|e| Error::io(&tmp, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, &hook).map_err(|e| Error::io(&hook, e))?;
    Ok(hook)
}
