use std::convert::Infallible;
use std::future::Future;
use std::time::{Duration, Instant};

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;

/// How often a live page's stream looks at the store: runs and trains started by another
/// process (the CLI) are only seen there.
const POLL: Duration = Duration::from_millis(500);

/// How long one stream lasts before the browser reconnects (`EventSource` does by itself):
/// a server that stops waits for open streams, so none may last long.
const LIFETIME: Duration = Duration::from_secs(20);

/// A Server-Sent Events answer that sends the fragment `read` renders, as event `name`,
/// whenever it changes; and `done` once `read` says the thing watched has finished.
pub(crate) struct LiveStream;

/// One reading: the HTML fragment and whether the watched thing is finished.
pub(crate) struct Frame {
    pub html: String,
    pub finished: bool,
}

enum Phase {
    Watching,
    Finished,
    Over,
}

impl LiveStream {
    pub(crate) fn answer<F, Fut>(name: &'static str, read: F) -> Response
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<std::sync::Arc<Frame>>> + Send,
    {
        let started = Instant::now();
        let state = (read, None::<String>, Phase::Watching, true);
        let events = stream::unfold(state, move |(read, mut last, phase, first)| async move {
            match phase {
                Phase::Over => return None,
                Phase::Finished => {
                    let done = Event::default().event("done").data("finished");
                    return Some((Ok::<_, Infallible>(done), (read, last, Phase::Over, false)));
                }
                Phase::Watching => {}
            }
            let mut first = first;
            loop {
                if !first {
                    if started.elapsed() > LIFETIME {
                        return None;
                    }
                    tokio::time::sleep(POLL).await;
                }
                first = false;
                let Some(frame) = read().await else {
                    continue;
                };
                if last.as_deref() == Some(frame.html.as_str()) && !frame.finished {
                    continue;
                }
                let event = Event::default().event(name).data(frame.html.as_str());
                let next = if frame.finished {
                    Phase::Finished
                } else {
                    Phase::Watching
                };
                last = Some(frame.html.clone());
                return Some((Ok(event), (read, last, next, false)));
            }
        });
        Sse::new(events)
            .keep_alive(KeepAlive::default())
            .into_response()
    }
}
