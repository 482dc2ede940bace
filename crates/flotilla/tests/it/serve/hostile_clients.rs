//! Clients that hold connections instead of using them, against the real binary: a body that
//! trickles in, a connection that sends nothing, one left idle after its answer, and floods of
//! idle connections past the connection cap and past the process's file limit. The server must
//! let each go and keep answering the health check and signed deliveries.

use std::collections::BTreeSet;
use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::harness::{HOOK_SECRET, Server, cd_fleet, http, sign};
use flotilla_testkit::{free_port, wait};

/// A post-receive delivery for a branch no flow starts on (so processing it runs nothing).
fn hook_body(delivery: &str) -> String {
    format!(
        r#"{{"repo":"identity","delivery":"{delivery}","updates":[{{"ref":"refs/heads/feature-x","before":"{}","after":"{}"}}]}}"#,
        "1".repeat(40),
        "2".repeat(40)
    )
}

fn deliver(server: &Server, body: &str) -> u16 {
    let signature = sign(HOOK_SECRET, body.as_bytes());
    http(
        "POST",
        &server.url("/hooks/git"),
        &[
            ("Content-Type", "application/json"),
            ("X-Flotilla-Signature-256", &signature),
        ],
        Some(body.as_bytes()),
    )
    .status
}

/// The ids of the stored events: one event may show in two statuses while it is processed.
fn event_ids(server: &Server) -> BTreeSet<String> {
    server
        .events()
        .iter()
        .map(|event| event["id"].as_str().unwrap().to_owned())
        .collect()
}

fn connect(server: &Server) -> TcpStream {
    let addr: SocketAddr = server.addr.parse().unwrap();
    TcpStream::connect_timeout(&addr, Duration::from_secs(10)).unwrap()
}

/// How a connection ended, seen by a client that reads from it.
#[derive(Debug, PartialEq)]
enum End {
    /// The server closed it (end of stream or reset), after sending these bytes.
    Closed(String),
    /// Nothing happened within the wait.
    StillOpen,
}

/// Reads until the server closes the connection, for at most `wait`.
fn read_to_close(stream: &mut TcpStream, wait: Duration) -> End {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0_u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return End::Closed(String::from_utf8_lossy(&got).into_owned()),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return End::StillOpen;
            }
            Err(_) => return End::Closed(String::from_utf8_lossy(&got).into_owned()),
        }
    }
}

#[test]
fn a_body_sent_one_byte_every_two_seconds_is_cut_at_the_body_timeout() {
    let sandbox = cd_fleet();
    let server = Server::start_with(&sandbox, free_port(), &["--body-timeout", "3"]);
    let mut stream = connect(&server);
    let head = "POST /hooks/git HTTP/1.1\r\nHost: flotilla\r\nContent-Type: application/json\r\n\
                X-Flotilla-Signature-256: sha256=00\r\nContent-Length: 100\r\n\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    // One byte, then two seconds of listening, up to 20 of the 100 bytes: a server without a
    // body timeout reads them all and still waits for the rest.
    let mut answer = Vec::new();
    let mut sent = 0;
    let mut buf = [0_u8; 4096];
    let cut = 'trickle: loop {
        if sent == 20 {
            break false;
        }
        if stream.write_all(b"x").is_err() {
            break true;
        }
        sent += 1;
        loop {
            match stream.read(&mut buf) {
                Ok(0) => break 'trickle true,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
                Err(err) if matches!(err.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    break;
                }
                Err(_) => break 'trickle true,
            }
        }
    };
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        cut,
        "still open after {sent} bytes; answered {answer:?}\n{}",
        server.log()
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer:?}");
    assert!(answer.contains("did not arrive within 3 s"), "{answer:?}");
    // Nothing was recorded, and the server still takes deliveries.
    assert!(server.events().is_empty());
    assert_eq!(deliver(&server, &hook_body("after-slow-body")), 200);
}

#[test]
fn a_connection_that_sends_nothing_or_half_a_head_is_closed_at_the_header_timeout() {
    let sandbox = cd_fleet();
    // The default header timeout (10 s).
    let server = Server::start(&sandbox, free_port());
    let mut silent = connect(&server);
    let mut half = connect(&server);
    half.write_all(b"GET /healthz HTTP/1.1\r\nHost: flotilla\r\n")
        .unwrap();
    // Well past the 10 s: the server must have hung up on both by then.
    assert!(matches!(
        read_to_close(&mut silent, Duration::from_secs(40)),
        End::Closed(_)
    ));
    assert!(matches!(
        read_to_close(&mut half, Duration::from_secs(40)),
        End::Closed(_)
    ));
    assert_eq!(http("GET", &server.url("/healthz"), &[], None).status, 200);
}

#[test]
fn a_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let sandbox = cd_fleet();
    let server = Server::start_with(
        &sandbox,
        free_port(),
        &["--idle-timeout", "2", "--header-timeout", "600"],
    );
    let mut stream = connect(&server);
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: flotilla\r\n\r\n")
        .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0_u8; 1024];
    while !String::from_utf8_lossy(&got).ends_with("ok\n") {
        let n = stream.read(&mut buf).unwrap();
        assert_ne!(
            n,
            0,
            "closed before answering: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    assert!(String::from_utf8_lossy(&got).starts_with("HTTP/1.1 200"));
    // Answered and kept alive; idle from now on, the server lets it go after 2 s, though the
    // header timeout is ten minutes.
    assert_eq!(
        read_to_close(&mut stream, Duration::from_secs(30)),
        End::Closed(String::new())
    );
}

#[test]
fn past_the_connection_cap_the_oldest_idle_connections_make_room_for_health_and_deliveries() {
    let sandbox = cd_fleet();
    // Timeouts long enough that only the cap can free a place during the test.
    let server = Server::start_with(
        &sandbox,
        free_port(),
        &[
            "--max-connections",
            "20",
            "--header-timeout",
            "600",
            "--idle-timeout",
            "600",
        ],
    );
    let mut idle: Vec<TcpStream> = (0..40).map(|_| connect(&server)).collect();
    // Half of them send part of a head, as a slow-header client would.
    for stream in idle.iter_mut().skip(1).step_by(2) {
        stream.write_all(b"POST /hooks/git HTTP/1.1\r\n").unwrap();
    }
    assert_eq!(http("GET", &server.url("/healthz"), &[], None).status, 200);
    assert_eq!(deliver(&server, &hook_body("past-the-cap")), 200);
    // The oldest ones were closed to make room: at least the first 20 of the 40.
    wait::until("the oldest idle connections to be closed", || {
        let mut closed = 0;
        for stream in idle.iter_mut().take(20) {
            if matches!(
                read_to_close(stream, Duration::from_millis(50)),
                End::Closed(_)
            ) {
                closed += 1;
            }
        }
        (closed == 20).then_some(())
    });
    drop(idle);
    assert_eq!(event_ids(&server).len(), 1);
}

#[test]
fn eleven_hundred_idle_connections_under_a_1024_file_limit_do_not_starve_health_or_deliveries() {
    let sandbox = cd_fleet();
    let server = Server::start_with_file_limit(&sandbox, free_port(), &[], 1024);
    let addr: SocketAddr = server.addr.parse().unwrap();
    // Connections the kernel completes but the server cannot take are left in its backlog;
    // those the backlog cannot hold either fail here, which is fine: the flood is the point.
    let flood: Vec<TcpStream> = (0..1100)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok())
        .collect();
    assert!(
        flood.len() >= 1024,
        "only {} connections opened",
        flood.len()
    );
    let health = http("GET", &server.url("/healthz"), &[], None);
    assert_eq!(health.status, 200, "{}\n{}", health.body, server.log());
    assert_eq!(deliver(&server, &hook_body("under-the-flood")), 200);
    drop(flood);
    assert_eq!(event_ids(&server).len(), 1);
}
