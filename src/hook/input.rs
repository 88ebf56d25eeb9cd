//! What git hands a pre-receive hook: `<old> <new> <ref>` lines on stdin (read with a size and
//! time bound, parsed strictly), and its environment (quarantine, push options, user).

use crate::error::{Error, Result};
use git2::Oid;
use std::io::Read;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Instant;

/// More stdin than this is not a list of ref updates.
pub const MAX_STDIN_BYTES: u64 = 16 * 1024 * 1024;

/// One ref update of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The ref's value before the push (all zeros when the ref is created).
    pub old: Oid,
    /// The ref's value after the push (all zeros when the ref is deleted).
    pub new: Oid,
    /// The full ref name (`refs/heads/main`).
    pub name: String,
}

impl RefUpdate {
    /// Whether the push creates this ref.
    pub fn is_create(&self) -> bool {
        self.old.is_zero()
    }

    /// Whether the push deletes this ref (nothing to scan).
    pub fn is_delete(&self) -> bool {
        self.new.is_zero()
    }
}

/// Parses every line of a pre-receive hook's stdin. Each line must be exactly
/// `<40 hex> <40 hex> <refs/…>` separated by single spaces; anything else is an error naming the
/// line. Empty input is an error too (git never runs the hook without a ref to update).
pub fn parse_updates(input: &[u8]) -> Result<Vec<RefUpdate>> {
    let text = std::str::from_utf8(input)
        .map_err(|_| Error::input("malformed hook input: stdin is not valid UTF-8"))?;
    let mut updates = Vec::new();
    let mut names = std::collections::HashSet::new();
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return Err(Error::input(
            "malformed hook input: no `<old> <new> <ref>` line on stdin",
        ));
    }
    for (i, line) in body.split('\n').enumerate() {
        let update = parse_line(line).map_err(|why| {
            Error::input(format!(
                "malformed hook input, line {}: {why} (expected `<old-id> <new-id> <ref>`, got {:?})",
                i + 1,
                truncate(line, 120)
            ))
        })?;
        if !names.insert(update.name.clone()) {
            return Err(Error::input(format!(
                "malformed hook input, line {}: ref {} is updated twice",
                i + 1,
                update.name
            )));
        }
        updates.push(update);
    }
    Ok(updates)
}

fn parse_line(line: &str) -> std::result::Result<RefUpdate, String> {
    let fields: Vec<&str> = line.split(' ').collect();
    if fields.len() != 3 {
        return Err(format!(
            "{} space-separated fields instead of 3",
            fields.len()
        ));
    }
    let old = parse_id(fields[0], "old")?;
    let new = parse_id(fields[1], "new")?;
    let name = fields[2];
    if !name.starts_with("refs/")
        || name.len() <= 5
        || name.bytes().any(|b| b.is_ascii_control() || b == b' ')
    {
        return Err(format!("{name:?} is not a full ref name (refs/…)"));
    }
    if old.is_zero() && new.is_zero() {
        return Err("both ids are zero".into());
    }
    Ok(RefUpdate {
        old,
        new,
        name: name.to_string(),
    })
}

fn parse_id(field: &str, which: &str) -> std::result::Result<Oid, String> {
    if field.len() != 40 || !field.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "the {which} id {:?} is not 40 hexadecimal digits",
            truncate(field, 80)
        ));
    }
    Oid::from_str(field).map_err(|e| format!("the {which} id: {}", e.message()))
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

/// Reads all of `reader` (at most [`MAX_STDIN_BYTES`]) on a helper thread, giving up at
/// `deadline` (a timeout error): a hook must never hang on a stdin that is not closed.
pub fn read_bounded<R: Read + Send + 'static>(reader: R, deadline: Instant) -> Result<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let res = reader
            .take(MAX_STDIN_BYTES + 1)
            .read_to_end(&mut buf)
            .map(|_| buf);
        let _ = tx.send(res);
    });
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(Ok(buf)) if buf.len() as u64 > MAX_STDIN_BYTES => Err(Error::input(format!(
            "malformed hook input: more than {MAX_STDIN_BYTES} bytes on stdin"
        ))),
        Ok(Ok(buf)) => Ok(buf),
        Ok(Err(e)) => Err(Error::input(format!("cannot read the hook's stdin: {e}"))),
        // Not closed in time: the budget ran out, so `on_timeout` decides.
        Err(_) => Err(Error::new(crate::error::ErrorKind::Timeout)),
    }
}

/// The parts of git's environment a pre-receive hook uses. Built from the process environment
/// with [`HookEnv::from_vars`]; tests can build one from any list of variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HookEnv {
    /// The repository's git directory (`GIT_DIR`, relative to the current directory).
    pub git_dir: PathBuf,
    /// Where the push's objects wait: `GIT_QUARANTINE_PATH`, else `GIT_OBJECT_DIRECTORY`.
    /// `None` for a push without quarantine (deletions only, or a git older than 2.11).
    pub quarantine: Option<PathBuf>,
    /// Push options (`GIT_PUSH_OPTION_<n>`), in order.
    pub push_options: Vec<String>,
    /// Who pushed: `GL_USERNAME`, `GITHUB_USER_LOGIN`, `REMOTE_USER`, else `USER`.
    pub user: Option<String>,
    /// A repository name for the audit log (`GL_PROJECT_PATH`, `GITHUB_REPO_NAME`, else the
    /// git directory).
    pub repo_name: String,
}

impl HookEnv {
    /// Builds the hook environment from `(name, value)` pairs (for example `std::env::vars_os()`);
    /// relative paths are resolved against `cwd`.
    pub fn from_vars<I, K, V>(vars: I, cwd: &std::path::Path) -> HookEnv
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<std::ffi::OsStr>,
        V: AsRef<std::ffi::OsStr>,
    {
        let map: std::collections::HashMap<String, std::ffi::OsString> = vars
            .into_iter()
            .filter_map(|(k, v)| {
                k.as_ref()
                    .to_str()
                    .map(|k| (k.to_string(), v.as_ref().to_os_string()))
            })
            .collect();
        let text = |k: &str| {
            map.get(k)
                .and_then(|v| v.to_str())
                .map(str::to_string)
                .filter(|v| !v.is_empty())
        };
        let path = |k: &str| {
            map.get(k)
                .filter(|v| !v.is_empty())
                .map(|v| cwd.join(PathBuf::from(v)))
        };
        let git_dir = path("GIT_DIR").unwrap_or_else(|| cwd.to_path_buf());
        let quarantine = path("GIT_QUARANTINE_PATH").or_else(|| path("GIT_OBJECT_DIRECTORY"));
        let count: usize = text("GIT_PUSH_OPTION_COUNT")
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let push_options = (0..count.min(1000))
            .filter_map(|i| {
                map.get(&format!("GIT_PUSH_OPTION_{i}"))
                    .map(|v| v.to_string_lossy().into_owned())
            })
            .collect();
        let user = ["GL_USERNAME", "GITHUB_USER_LOGIN", "REMOTE_USER", "USER"]
            .iter()
            .find_map(|k| text(k));
        let repo_name = ["GL_PROJECT_PATH", "GITHUB_REPO_NAME"]
            .iter()
            .find_map(|k| text(k))
            .unwrap_or_else(|| {
                let dir = git_dir.canonicalize().unwrap_or_else(|_| git_dir.clone());
                dir.display().to_string()
            });
        HookEnv {
            git_dir,
            quarantine,
            push_options,
            user,
            repo_name,
        }
    }

    /// The bypass reason from `-o rolecall.bypass=<reason>`, if the pusher sent one (the last
    /// one wins). An empty reason counts as a request without a reason.
    pub fn bypass_reason(&self) -> Option<String> {
        self.push_options
            .iter()
            .rev()
            .find_map(|o| match o.as_str() {
                "rolecall.bypass" => Some(""),
                _ => o.strip_prefix("rolecall.bypass="),
            })
            .map(|reason| reason.trim().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn every_line_is_parsed() {
        let text =
            format!("{Z} {A} refs/heads/new\n{A} {B} refs/heads/main\n{B} {Z} refs/tags/v1\n");
        let u = parse_updates(text.as_bytes()).unwrap();
        assert_eq!(u.len(), 3);
        assert!(u[0].is_create() && !u[0].is_delete());
        assert!(!u[1].is_create() && !u[1].is_delete());
        assert!(u[2].is_delete());
        assert_eq!(u[2].name, "refs/tags/v1");
    }

    #[test]
    fn malformed_lines_are_errors_naming_the_line() {
        let cases = [
            ("".to_string(), "no `<old> <new> <ref>` line"),
            ("\n".to_string(), "no `<old> <new> <ref>` line"),
            (format!("{A} {B}\n"), "line 1: 2 space-separated fields"),
            (
                format!("{A} {B} refs/heads/a\n\n"),
                "line 2: 1 space-separated",
            ),
            (
                format!("{A} {B} refs/heads/a\n{A} xyz refs/heads/b\n"),
                "line 2: the new id",
            ),
            (format!("{A}  {B} refs/heads/a"), "4 space-separated"),
            (format!("{A} {B} main"), "not a full ref name"),
            (format!("{Z} {Z} refs/heads/a"), "both ids are zero"),
            (format!("{A} {B} refs/heads/a\r"), "not a full ref name"),
            (
                format!("{A} {B} refs/heads/a\n{B} {A} refs/heads/a"),
                "updated twice",
            ),
        ];
        for (text, needle) in cases {
            let err = parse_updates(text.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?} → {err}");
            assert!(err.starts_with("malformed hook input"), "{err}");
        }
        assert!(parse_updates(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn environment_is_read_without_parsing_directory_names() {
        let cwd = std::path::Path::new("/srv/repo.git");
        let env = HookEnv::from_vars(
            [
                ("GIT_DIR", "."),
                ("GIT_OBJECT_DIRECTORY", "/srv/repo.git/./objects/ghq_0123"),
                ("GIT_PUSH_OPTION_COUNT", "2"),
                ("GIT_PUSH_OPTION_0", "ci.skip"),
                ("GIT_PUSH_OPTION_1", "rolecall.bypass=fixture for a test"),
                ("REMOTE_USER", "dana"),
                ("USER", "git"),
            ],
            cwd,
        );
        assert_eq!(env.git_dir, cwd.join("."));
        assert_eq!(
            env.quarantine.as_deref(),
            Some(std::path::Path::new("/srv/repo.git/./objects/ghq_0123"))
        );
        assert_eq!(env.user.as_deref(), Some("dana"));
        assert_eq!(env.bypass_reason().as_deref(), Some("fixture for a test"));
        let none = HookEnv::from_vars([("GIT_PUSH_OPTION_COUNT", "0")], cwd);
        assert_eq!(none.bypass_reason(), None);
        assert_eq!(none.quarantine, None);
    }

    #[test]
    fn stdin_that_never_closes_does_not_hang() {
        struct Never;
        impl Read for Never {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                std::thread::sleep(std::time::Duration::from_secs(3600));
                Ok(0)
            }
        }
        let start = Instant::now();
        let deadline = start + std::time::Duration::from_millis(100);
        let err = read_bounded(Never, deadline).unwrap_err();
        assert!(
            matches!(err.kind(), crate::error::ErrorKind::Timeout),
            "{err}"
        );
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
    }
}
