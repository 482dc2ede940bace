use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::dashboard::live_stream::Frame;

/// The latest reading of each thing people watch live (a train, a run), shared by all their
/// streams: a hundred browsers on one train cost the store one reading per interval, not a
/// hundred.
#[derive(Default)]
pub(crate) struct LiveFrames {
    frames: Mutex<HashMap<String, (Instant, Arc<Frame>)>>,
}

/// How old a reading may be and still be handed out: under the streams' polling interval.
const FRESH: Duration = Duration::from_millis(400);

/// Readings not asked for in this long are dropped.
const FORGET: Duration = Duration::from_secs(30);

impl LiveFrames {
    /// The reading of `key`, from another stream's when it is fresh, else from `read`.
    pub(crate) async fn get<Fut>(&self, key: &str, read: Fut) -> Option<Arc<Frame>>
    where
        Fut: Future<Output = Option<Frame>>,
    {
        if let Ok(frames) = self.frames.lock()
            && let Some((at, frame)) = frames.get(key)
            && at.elapsed() < FRESH
        {
            return Some(Arc::clone(frame));
        }
        let frame = Arc::new(read.await?);
        if let Ok(mut frames) = self.frames.lock() {
            frames.retain(|_, (at, _)| at.elapsed() < FORGET);
            frames.insert(key.to_owned(), (Instant::now(), Arc::clone(&frame)));
        }
        Some(frame)
    }
}
