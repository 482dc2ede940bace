use std::fmt::Write as _;

use super::image_match::ImagePushed;
use super::image_version::ImageVersion;

/// What started a deployment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum DeployTrigger {
    /// A registry reported a new tag (by notification or by polling its tag list).
    ImagePushed(ImagePushed),
    /// Someone asked to go back to an earlier version.
    Rollback { requested_by: String },
}

/// The commit that writes a deployment into a GitOps deploy repository.
///
/// The message is readable in `git log` and ends with `Flotilla-*` trailers, so that a restarted
/// engine can recognise its own commits (`git log --format=%(trailers)`).
#[derive(Debug, Clone, Copy)]
pub struct DeployCommit<'a> {
    pub service: &'a str,
    pub version: &'a ImageVersion,
    pub environment: &'a str,
    pub trigger: &'a DeployTrigger,
    /// Who approved it, for a protected environment.
    pub approved_by: Option<&'a str>,
    /// The engine's id of the deployment record.
    pub deployment_id: Option<&'a str>,
}

impl DeployCommit<'_> {
    /// The full commit message, ending with a newline.
    pub fn message(&self) -> String {
        let service = one_line(self.service);
        let environment = one_line(self.environment);
        let version = self.version;
        let mut text = match self.trigger {
            DeployTrigger::ImagePushed(pushed) => format!(
                "[CI/CD] deploy {service} {version} to {environment}\n\nThe registry reported \
                 {}:{} ({}).\n",
                one_line(&pushed.image),
                one_line(&pushed.tag),
                one_line(&pushed.digest),
            ),
            DeployTrigger::Rollback { requested_by } => format!(
                "[CI/CD] roll back {service} to {version} in {environment}\n\nRollback \
                 requested by {}.\n",
                one_line(requested_by),
            ),
        };
        let trigger = match self.trigger {
            DeployTrigger::ImagePushed(pushed) => format!(
                "image-pushed {}:{}@{}",
                one_line(&pushed.image),
                one_line(&pushed.tag),
                one_line(&pushed.digest),
            ),
            DeployTrigger::Rollback { requested_by } => {
                format!("rollback by {}", one_line(requested_by))
            }
        };
        text.push('\n');
        let _ = writeln!(text, "Flotilla-Service: {service}");
        let _ = writeln!(text, "Flotilla-Version: {version}");
        let _ = writeln!(text, "Flotilla-Environment: {environment}");
        let _ = writeln!(text, "Flotilla-Trigger: {trigger}");
        if let Some(approver) = self.approved_by {
            let _ = writeln!(text, "Flotilla-Approved-By: {}", one_line(approver));
        }
        if let Some(id) = self.deployment_id {
            let _ = writeln!(text, "{}", Self::trailer(id));
        }
        text
    }

    /// The message line naming deployment `id`: how a deployment finds the commit it made.
    pub fn trailer(id: &str) -> String {
        format!("Flotilla-Deployment: {}", one_line(id))
    }
}

/// Registry and API input ends up in the message: one line each, so that none can forge a
/// subject or a trailer.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}
