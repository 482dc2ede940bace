use std::net::TcpListener;

/// A loopback port nothing listens on right now: bound, then released. Another process may
/// take it before the test does; the servers started here fail loudly if that happens.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
