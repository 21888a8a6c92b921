//! Advisory locks on files beside the database. The OS drops a lock when its process
//! dies, so a killed pass never leaves one stuck.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A lock held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// What kept a lock from being taken.
#[derive(Debug)]
pub enum LockError {
    /// Another process holds it.
    Held,
    /// The lock file could not be made or locked (a read-only directory, say).
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
}

/// The lock file `<db><suffix>` beside the database.
pub fn lock_path(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl FileLock {
    /// Takes the lock at once, or says it is held.
    pub fn try_acquire(path: &Path) -> Result<FileLock, LockError> {
        let io = |cause| LockError::Io {
            path: path.to_owned(),
            cause,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => Ok(FileLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }

    /// Waits up to `patience` for the lock.
    pub async fn acquire_within(path: &Path, patience: Duration) -> Result<FileLock, LockError> {
        let deadline = Instant::now() + patience;
        loop {
            match FileLock::try_acquire(path) {
                Err(LockError::Held) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => return other,
            }
        }
    }
}
