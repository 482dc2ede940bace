//! What a docker-registry's access log says was asked of it.

use std::fmt::Write as _;

/// The requests of a docker-registry log that were answered with success, as
/// `METHOD URI STATUS`.
pub fn requests(log: &str) -> String {
    let mut out = String::new();
    for line in log.lines() {
        let field = |key: &str| {
            line.split_once(&format!("{key}="))
                .map(|(_, rest)| rest.trim_start_matches('"'))
                .and_then(|rest| rest.split(['"', ' ']).next())
        };
        if let (Some(method), Some(uri), Some(status)) = (
            field("http.request.method"),
            field("http.request.uri"),
            field("http.response.status"),
        ) && status.starts_with('2')
        {
            let _ = writeln!(out, "{method} {uri} {status}");
        }
    }
    out
}

/// How many successful `method` requests went to a URI starting with `prefix`.
pub fn count_requests(log: &str, method: &str, prefix: &str) -> usize {
    requests(log)
        .lines()
        .filter(|l| {
            l.split_once(' ')
                .is_some_and(|(m, rest)| m == method && rest.starts_with(prefix))
        })
        .count()
}

/// The digests of the blob uploads a docker-registry log shows completed into `name`, sorted.
pub fn uploaded_digests(log: &str, name: &str) -> Vec<String> {
    let prefix = format!("PUT /v2/{name}/blobs/uploads/");
    let mut digests: Vec<String> = requests(log)
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .filter_map(|l| {
            let (_, query) = l.split_once("digest=")?;
            Some(query.split(['&', ' ']).next()?.replace("%3A", ":"))
        })
        .collect();
    digests.sort();
    digests
}
