//! The dashboard: server-rendered pages at `/` for people. Fleet, trains, runs, deployments,
//! trace, plan and the audit log; minijinja templates, a stylesheet and a few lines of script
//! embedded in the binary. Every page reads without JavaScript; the script only makes the train and run
//! pages follow their Server-Sent Events. Forms post to the JSON API's endpoints.

mod assets;
mod audit_page;
mod deployments_page;
pub(crate) mod fleet_cache;
mod fleet_page;
mod format;
pub(crate) mod live_frames;
mod live_stream;
mod plan_page;
mod run_page;
mod templates;
mod trace_page;
mod train_page;
mod train_view;
mod trains_page;
mod viewer;

use axum::Router;
use axum::routing::get;

use crate::app_state::AppState;

use assets::Assets;
use audit_page::AuditPage;
use deployments_page::DeploymentsPage;
use fleet_page::FleetPage;
use plan_page::PlanPage;
use run_page::RunPage;
use trace_page::TracePage;
use train_page::TrainPage;
use trains_page::TrainsPage;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(FleetPage::get))
        .route("/trains", get(TrainsPage::get))
        .route("/trains/{id}", get(TrainPage::get))
        .route("/trains/{id}/events", get(TrainPage::events))
        .route("/runs/{id}", get(RunPage::get))
        .route("/runs/{id}/events", get(RunPage::events))
        .route("/deployments", get(DeploymentsPage::get))
        .route("/trace", get(TracePage::get))
        .route("/plan", get(PlanPage::get))
        .route("/audit", get(AuditPage::get))
        .route("/assets/dashboard.css", get(Assets::css))
        .route("/assets/dashboard.js", get(Assets::js))
}
