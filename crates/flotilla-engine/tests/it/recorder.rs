//! The engine's progress as the tests see it: every event of one or more engines, in the
//! order they happened.

use std::sync::{Arc, Mutex};

use flotilla_engine::{Progress, ProgressSink};

/// Progress events of several engines in one sequence, each tagged with its engine's name.
#[derive(Clone, Default)]
pub struct Recorder {
    events: Arc<Mutex<Vec<(&'static str, Progress)>>>,
}

impl Recorder {
    /// A sink for the engine called `name`; `also` sees every event first, on the engine's
    /// thread, before the engine goes on.
    pub fn sink_with(
        &self,
        name: &'static str,
        also: impl Fn(&Progress) + Send + Sync + 'static,
    ) -> ProgressSink {
        let events = Arc::clone(&self.events);
        Arc::new(move |event| {
            also(&event);
            events.lock().unwrap().push((name, event));
        })
    }

    pub fn sink(&self, name: &'static str) -> ProgressSink {
        self.sink_with(name, |_| {})
    }

    /// The position of the first event of `engine` that `matches`, if any.
    pub fn position(&self, engine: &str, matches: impl Fn(&Progress) -> bool) -> Option<usize> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .position(|(name, event)| *name == engine && matches(event))
    }

    /// Like [`Recorder::position`], failing the test with every event when there is none.
    #[track_caller]
    pub fn expect(&self, engine: &str, what: &str, matches: impl Fn(&Progress) -> bool) -> usize {
        self.position(engine, matches)
            .unwrap_or_else(|| panic!("{engine} reported no {what}:\n{:#?}", self.events()))
    }

    pub fn events(&self) -> Vec<(&'static str, Progress)> {
        self.events.lock().unwrap().clone()
    }
}
