//! Reads the one `migrations/` folder: which migrations there are and which file each backend
//! runs. The build script embeds what this finds; the unit tests check the rules.
//!
//! A migration folder `<version>_<name>` holds `up.sql` (and `down.sql`), shared by both
//! backends. Where a backend's SQL differs, the folder holds `up.sqlite.sql` and
//! `up.postgres.sql` instead of `up.sql` (the same for `down`), each beginning with a `--`
//! comment that says why it differs.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The backends a migration can have its own file for, as they appear in file names.
pub const BACKENDS: [&str; 2] = ["sqlite", "postgres"];

/// The SQL of one direction of a migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Files {
    /// One file both backends run.
    Shared(PathBuf),
    /// A file per backend, because their SQL differs.
    PerBackend { sqlite: PathBuf, postgres: PathBuf },
}

impl Files {
    fn paths(&self) -> Vec<&Path> {
        match self {
            Files::Shared(path) => vec![path],
            Files::PerBackend { sqlite, postgres } => vec![sqlite, postgres],
        }
    }
}

/// One migration folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The folder's name, `2026-11-29-000001_registry`.
    pub name: String,
    /// The version Diesel records for it: the part before the first `_` without dashes.
    pub version: String,
    pub up: Files,
    /// `None` when the folder has no `down` file: the migration cannot be reverted.
    pub down: Option<Files>,
}

impl Found {
    /// Every file the migration embeds.
    pub fn paths(&self) -> Vec<&Path> {
        let mut paths = self.up.paths();
        if let Some(down) = &self.down {
            paths.extend(down.paths());
        }
        paths
    }
}

/// The migrations under `root`, in version order, or why the folder is not usable.
pub fn scan(root: &Path) -> Result<Vec<Found>, String> {
    let mut found = Vec::new();
    for entry in entries(root)? {
        if entry.is_dir() {
            found.push(migration(&entry)?);
        }
    }
    found.sort_by(|a, b| a.version.cmp(&b.version));
    for pair in found.windows(2) {
        if pair[0].version == pair[1].version {
            return Err(format!(
                "migrations {} and {} have the same version {}",
                pair[0].name, pair[1].name, pair[0].version
            ));
        }
    }
    if found.is_empty() {
        return Err(format!("{} holds no migration folder", root.display()));
    }
    Ok(found)
}

/// The entries of a folder, without hidden ones, sorted by name.
fn entries(folder: &Path) -> Result<Vec<PathBuf>, String> {
    let read = std::fs::read_dir(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut paths = Vec::new();
    for entry in read {
        let entry = entry.map_err(|e| format!("{}: {e}", folder.display()))?;
        if !entry.file_name().to_string_lossy().starts_with('.') {
            paths.push(entry.path());
        }
    }
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn migration(folder: &Path) -> Result<Found, String> {
    let name = file_name(folder);
    let version = version_of(&name).ok_or_else(|| {
        format!(
            "{}: a migration folder is named <version>_<name>, the version digits and dashes \
             (2026-11-29-000001_registry)",
            folder.display()
        )
    })?;
    let mut names = Vec::new();
    for path in entries(folder)? {
        let file = file_name(&path);
        let known = ["up", "down"].iter().any(|direction| {
            file == format!("{direction}.sql")
                || BACKENDS
                    .iter()
                    .any(|backend| file == format!("{direction}.{backend}.sql"))
        });
        if !known || !path.is_file() {
            return Err(format!(
                "{}: unexpected {file}; a migration holds up.sql and down.sql, or \
                 up.sqlite.sql and up.postgres.sql (and down.sqlite.sql and down.postgres.sql) \
                 where a backend's SQL differs",
                folder.display()
            ));
        }
        names.push(file);
    }
    let up = direction(folder, &names, "up")?.ok_or_else(|| {
        format!(
            "{}: has neither up.sql nor both up.sqlite.sql and up.postgres.sql",
            folder.display()
        )
    })?;
    let down = direction(folder, &names, "down")?;
    Ok(Found {
        name,
        version,
        up,
        down,
    })
}

/// Diesel's version of a folder name, when the name is one Diesel accepts.
fn version_of(name: &str) -> Option<String> {
    let (version, rest) = name.split_once('_')?;
    let digits: String = version.chars().filter(|c| *c != '-').collect();
    let valid =
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && !rest.is_empty();
    valid.then_some(digits)
}

/// The files of one direction (`up` or `down`), checked; `None` when there are none.
fn direction(folder: &Path, names: &[String], direction: &str) -> Result<Option<Files>, String> {
    let shared = format!("{direction}.sql");
    let [sqlite, postgres] = BACKENDS.map(|backend| format!("{direction}.{backend}.sql"));
    let has = |file: &str| names.iter().any(|n| n == file);
    let place = folder.display();
    match (has(&shared), has(&sqlite), has(&postgres)) {
        (true, false, false) => Ok(Some(Files::Shared(folder.join(shared)))),
        (false, false, false) => Ok(None),
        (false, true, true) => {
            let sqlite = folder.join(sqlite);
            let postgres = folder.join(postgres);
            let sqlite_text = backend_file(&sqlite)?;
            let postgres_text = backend_file(&postgres)?;
            if sqlite_text == postgres_text {
                return Err(format!(
                    "{place}: {} and {} are the same; keep one {shared} instead",
                    file_name(&sqlite),
                    file_name(&postgres)
                ));
            }
            Ok(Some(Files::PerBackend { sqlite, postgres }))
        }
        (true, _, _) => Err(format!(
            "{place}: has {shared} and a backend's own {direction} file; a backend file \
             replaces {shared}, so keep either {shared} or both {sqlite} and {postgres}"
        )),
        (false, true, false) => Err(format!(
            "{place}: has {sqlite} but no {postgres}; a backend file replaces {shared}, so \
             each backend needs its own"
        )),
        (false, false, true) => Err(format!(
            "{place}: has {postgres} but no {sqlite}; a backend file replaces {shared}, so \
             each backend needs its own"
        )),
    }
}

/// A backend's own file, which must begin with a `--` comment saying why it differs.
fn backend_file(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let reason = first.strip_prefix("--").map(str::trim).unwrap_or("");
    if reason.is_empty() {
        return Err(format!(
            "{}: a backend's own file begins with a `--` comment saying why its SQL differs \
             from the other backend's",
            path.display()
        ));
    }
    Ok(text)
}

/// The Rust expression (a `&[MigrationFiles]`) that embeds the migrations with `include_str!`.
pub fn generate(found: &[Found]) -> String {
    fn sql(files: &Files) -> String {
        let text = |path: &Path| format!("include_str!({:?})", path.display().to_string());
        match files {
            Files::Shared(path) => format!("Sql::Shared({})", text(path)),
            Files::PerBackend { sqlite, postgres } => format!(
                "Sql::PerBackend {{ sqlite: {}, postgres: {} }}",
                text(sqlite),
                text(postgres)
            ),
        }
    }
    let mut out =
        String::from("// Generated by the build script from migrations/: do not edit.\n&[\n");
    for migration in found {
        let down = migration.down.as_ref().map_or_else(
            || "None".to_owned(),
            |files| format!("Some({})", sql(files)),
        );
        let _ = writeln!(
            out,
            "    MigrationFiles {{\n        name: {:?},\n        version: {:?},\n        \
             up: {},\n        down: {down},\n    }},",
            migration.name,
            migration.version,
            sql(&migration.up),
        );
    }
    out.push_str("]\n");
    out
}
