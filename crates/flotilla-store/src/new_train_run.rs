use crate::NewStep;

/// One planned run of a train and its steps, as
/// [`TrainStore::create_train_with_runs`](crate::TrainStore::create_train_with_runs) and
/// [`RunStore::add_train_runs`](crate::RunStore::add_train_runs) record them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTrainRun {
    pub repo: String,
    pub event: String,
    pub version: String,
    pub wave: u32,
    pub steps: Vec<NewStep>,
}
