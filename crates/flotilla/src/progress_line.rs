//! One line of plain text per progress event, for logs and terminals without bars.

use flotilla_engine::Progress;

pub fn progress_line(event: &Progress) -> Option<String> {
    Some(match event {
        Progress::TrainStarted { train, runs, waves } => {
            format!("train {train}: {runs} runs in {waves} waves")
        }
        Progress::WaveStarted {
            wave,
            repos,
            max_parallel,
        } => format!(
            "wave {}: {} (at most {max_parallel} at once)",
            wave + 1,
            repos.join(", ")
        ),
        Progress::GateWaiting { wave, artifacts } => {
            format!("wave {}: waiting for {}", wave + 1, artifacts.join(", "))
        }
        Progress::RunStarted { .. } => return None,
        Progress::StepStarted {
            repo,
            step,
            summary,
            ..
        } => format!("  {repo}: {step} {summary}"),
        Progress::RunFinished {
            repo,
            status,
            error,
        } => match error {
            Some(error) => format!(
                "  {repo}: {status}: {}",
                error.lines().next().unwrap_or_default()
            ),
            None => format!("  {repo}: {status}"),
        },
        Progress::TrainFinished { train, status } => format!("train {train}: {status}"),
    })
}
