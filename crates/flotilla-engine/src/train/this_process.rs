//! Which process and machine this is, to tell our own processes' leases from other machines'
//! and a dead holder on this machine from a live one.

/// This machine's name.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map_or_else(|_| "localhost".to_owned(), |h| h.trim().to_owned())
}

/// Whether process `pid` of machine `host` is known to be gone: only a process of this machine
/// (`this_host`) can be checked; holders on other machines are never presumed dead.
pub fn is_gone(pid: u32, host: &str, this_host: &str) -> bool {
    host == this_host && !std::path::Path::new(&format!("/proc/{pid}")).exists()
}
