//! Where the store lives (`--db`, env `ASAKAI_DB`): a file path for SQLite, the
//! embedded default, or a `postgres://` URL (design §13). A URL's password is never
//! shown: every message names the database by [`Location`]'s `Display`, which hides it.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL connection URL (`postgres://` or `postgresql://`), password and all.
    Postgres(String),
}

impl Location {
    /// The SQLite file, if the store is one.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(p) => Some(p),
            Location::Postgres(_) => None,
        }
    }
}

impl FromStr for Location {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(Location::Postgres(s.to_owned()));
        }
        if let Some((scheme, _)) = s.split_once("://") {
            return Err(format!(
                "{scheme}:// is not a database asakai speaks: give a SQLite file path \
                 or a postgres:// URL"
            ));
        }
        if s.is_empty() {
            return Err("an empty path: give a SQLite file path or a postgres:// URL".into());
        }
        Ok(Location::File(PathBuf::from(s)))
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Self {
        Location::File(p.to_owned())
    }
}

impl From<&PathBuf> for Location {
    fn from(p: &PathBuf) -> Self {
        Location::File(p.clone())
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Self {
        Location::File(p)
    }
}

impl From<&Location> for Location {
    fn from(l: &Location) -> Self {
        l.clone()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

/// As `Display`: a location in a log or a panic message hides its password too.
impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The URL with the password of its user part (`user:password@`) replaced by `***`,
/// and any `password=` query parameter too.
fn redact(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority_end, _) = rest
        .char_indices()
        .find(|&(_, c)| c == '/' || c == '?')
        .unwrap_or((rest.len(), ' '));
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => match user.split_once(':') {
            Some((name, _)) => format!("{name}:***@{host}"),
            None => format!("{user}@{host}"),
        },
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_is_shown_without_its_password() {
        let at: Location = "postgres://asakai:s3cret@db.internal:5432/asakai?sslmode=require"
            .parse()
            .unwrap();
        assert_eq!(
            at.to_string(),
            "postgres://asakai:***@db.internal:5432/asakai?sslmode=require"
        );
        assert!(!format!("{at:?}").contains("s3cret"));
        let q: Location = "postgresql://db/asakai?user=a&password=s3cret"
            .parse()
            .unwrap();
        assert_eq!(q.to_string(), "postgresql://db/asakai?user=a&password=***");
    }

    #[test]
    fn a_path_is_a_sqlite_file_and_other_schemes_are_refused() {
        assert_eq!(
            "data/asakai.db".parse::<Location>().unwrap(),
            Location::File("data/asakai.db".into())
        );
        let err = "mysql://db/asakai".parse::<Location>().unwrap_err();
        assert!(err.contains("mysql://"), "{err}");
    }
}
