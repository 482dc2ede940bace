//! A scripted HTTP server for unit tests: answers each connection with the next canned
//! response and records what it was sent.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

/// One request as received: the request line, the headers (names lowercase) and the body.
#[derive(Debug)]
pub(crate) struct Recorded {
    pub(crate) line: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) struct FakeServer {
    listener: Option<TcpListener>,
    pub(crate) address: String,
}

impl FakeServer {
    pub(crate) fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        Self {
            listener: Some(listener),
            address,
        }
    }

    /// Answers one connection per response, each closed after its answer; the handle yields
    /// the requests once every response is sent.
    pub(crate) fn serve(mut self, responses: Vec<String>) -> JoinHandle<Vec<Recorded>> {
        let listener = self.listener.take().unwrap();
        std::thread::spawn(move || {
            let mut recorded = Vec::new();
            for response in responses {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let mut headers = Vec::new();
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    let header = header.trim_end();
                    if header.is_empty() {
                        break;
                    }
                    let (name, value) = header.split_once(':').unwrap();
                    headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
                }
                let len = headers
                    .iter()
                    .find(|(n, _)| n == "content-length")
                    .map_or(0, |(_, v)| v.parse().unwrap());
                let mut body = vec![0; len];
                reader.read_exact(&mut body).unwrap();
                let mut stream = stream;
                stream.write_all(response.as_bytes()).unwrap();
                stream.flush().unwrap();
                recorded.push(Recorded {
                    line: line.trim_end().to_owned(),
                    headers,
                    body,
                });
            }
            recorded
        })
    }
}

/// A complete response that closes its connection.
pub(crate) fn response(status: &str, headers: &[(&str, &str)], body: &str) -> String {
    let mut text = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (name, value) in headers {
        let _ = write!(text, "{name}: {value}\r\n");
    }
    let _ = write!(text, "content-length: {}\r\n\r\n{body}", body.len());
    text
}
