//! Advisory locks on files beside the database. The OS drops a lock when its process
//! dies, so a killed pass never leaves one stuck.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A lock held until dropped.
#[derive(Debug)]
pub struct FileLock {
    file: File,
}

/// Unlocked before the file closes. The lock belongs to the open file, and a
/// process another thread spawns holds a copy of every descriptor from its fork
/// to its exec: closing ours alone left the lock held for that moment, and a pass
/// started right after was told another was running (a `SyncError::Busy` seen
/// twice in CI, while other tests spawned processes).
impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
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
            Ok(()) => Ok(FileLock { file }),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_lock_is_free_though_a_copy_of_its_descriptor_is_still_open() {
        let dir = std::env::temp_dir().join(format!("asakai-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.sync-lock");
        let lock = FileLock::try_acquire(&path).unwrap();
        // What a process spawned at this moment holds until its exec.
        let copy = lock.file.try_clone().unwrap();
        assert!(matches!(FileLock::try_acquire(&path), Err(LockError::Held)));
        drop(lock);
        let again = FileLock::try_acquire(&path);
        assert!(again.is_ok(), "{again:?}");
        drop(copy);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
