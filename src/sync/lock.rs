//! Two passes never run at once on one database: an advisory lock on a file beside it.
//! The OS drops the lock when the process dies, so a killed pass never leaves it stuck.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::SyncError;

pub struct PassLock {
    _file: File,
}

/// The lock file beside the database.
fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".sync-lock");
    PathBuf::from(name)
}

impl PassLock {
    pub fn acquire(db: &Path) -> Result<PassLock, SyncError> {
        let path = lock_path(db);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| {
                SyncError::Lock(format!(
                    "cannot create the lock file {}: {e}",
                    path.display()
                ))
            })?;
        match file.try_lock() {
            Ok(()) => Ok(PassLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(SyncError::Busy(db.to_owned())),
            Err(TryLockError::Error(e)) => Err(SyncError::Lock(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }
}
