//! Live progress on a terminal: a line per wave and a spinner per running repository.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flotilla_engine::{Progress, ProgressSink};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

pub fn sink() -> ProgressSink {
    let multi = MultiProgress::new();
    let bars: Mutex<HashMap<String, ProgressBar>> = Mutex::new(HashMap::new());
    let style = ProgressStyle::with_template("  {spinner} {prefix:<32} {wide_msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    Arc::new(move |event: Progress| {
        let Ok(mut bars) = bars.lock() else { return };
        match &event {
            Progress::RunStarted { repo, .. } => {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(style.clone());
                bar.set_prefix(repo.clone());
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.insert(repo.clone(), bar);
            }
            Progress::StepStarted {
                repo,
                step,
                summary,
                ..
            } => {
                if let Some(bar) = bars.get(repo) {
                    bar.set_message(format!("{step} {summary}"));
                }
            }
            Progress::RunFinished { repo, .. } => {
                let line = crate::progress_line::progress_line(&event).unwrap_or_default();
                match bars.remove(repo) {
                    Some(bar) => {
                        bar.finish_and_clear();
                        drop(multi.println(line));
                    }
                    None => drop(multi.println(line)),
                }
            }
            other => {
                if let Some(line) = crate::progress_line::progress_line(other) {
                    drop(multi.println(line));
                }
            }
        }
    })
}
