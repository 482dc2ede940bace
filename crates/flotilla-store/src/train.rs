use jiff::Timestamp;
use serde::Serialize;

use crate::Id;
use crate::text_enum::text_enum;

text_enum! {
    /// The fleet-wide operation a train performs.
    pub enum TrainKind {
        ReleaseStart => "release-start",
        Tag => "tag",
        Final => "final",
        Hotfix => "hotfix",
        Push => "push",
    }
}

text_enum! {
    /// Where a train is in its life.
    pub enum TrainStatus {
        Pending => "pending",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Cancelled => "cancelled",
        /// Finished with some runs succeeded and others not; `resume` can finish it.
        Partial => "partial",
    }
}

impl TrainStatus {
    /// Active trains hold the (kind, version) slot: at most one exists per slot.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Running)
    }

    /// Whether a train in this status may move to `next`. A succeeded train is final; any other
    /// may be resumed, finished or cancelled (becoming active again also needs its slot free,
    /// which the store checks).
    pub fn can_become(self, next: Self) -> bool {
        self != Self::Succeeded || next == Self::Succeeded
    }
}

#[cfg(test)]
mod tests {
    use super::TrainStatus;

    #[test]
    fn only_a_succeeded_train_is_final() {
        for &from in TrainStatus::ALL {
            for &to in TrainStatus::ALL {
                let expected = from != TrainStatus::Succeeded || to == TrainStatus::Succeeded;
                assert_eq!(from.can_become(to), expected, "{from} -> {to}");
            }
        }
    }
}

/// A fleet-wide operation made of runs, in waves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Train {
    pub id: Id,
    pub kind: TrainKind,
    pub version: String,
    /// The request as the user made it (command-line arguments, options), for `resume`.
    pub request: serde_json::Value,
    pub status: TrainStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What [`Store::create_train`](crate::Store::create_train) records; the train starts `pending`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTrain {
    pub kind: TrainKind,
    pub version: String,
    pub request: serde_json::Value,
}
