use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use flotilla_store::{Deployment, Id, Store, StoreError};

/// What the fleet page reads from the store, kept until the store's deployments change: the
/// page is the one people leave open and reload, and with 1,000 services its queries cost
/// more than rendering it.
#[derive(Default)]
pub(crate) struct FleetCache {
    last: Mutex<Option<(String, Arc<FleetData>)>>,
    /// The last page rendered, by the store's version and everything else it shows (the
    /// filter, the viewer): a reload of an unchanged fleet is answered from it.
    page: Mutex<Option<(String, Arc<str>)>>,
}

pub(crate) struct FleetData {
    /// What runs where (the latest succeeded deployment per service and environment).
    pub matrix: Vec<Deployment>,
    /// The latest deployment per service and environment, whatever its status.
    pub latest: Vec<Deployment>,
    pub pending: Vec<Deployment>,
    /// The train that published each running digest.
    pub trains: Vec<(String, Id)>,
}

impl FleetCache {
    /// The store's version now, the key of [`FleetCache::read`] and of the pages.
    pub(crate) async fn version(&self, store: &dyn Store) -> Result<String, StoreError> {
        store.deployments_version().await
    }

    pub(crate) fn page(&self, key: &str) -> Option<Arc<str>> {
        let page = self.page.lock().ok()?;
        page.as_ref()
            .filter(|(seen, _)| seen == key)
            .map(|(_, html)| Arc::clone(html))
    }

    pub(crate) fn keep_page(&self, key: String, html: Arc<str>) {
        if let Ok(mut page) = self.page.lock() {
            *page = Some((key, html));
        }
    }

    /// The fleet's view at `version` (from [`FleetCache::version`]).
    pub(crate) async fn read(
        &self,
        store: &dyn Store,
        version: String,
    ) -> Result<Arc<FleetData>, StoreError> {
        if let Ok(last) = self.last.lock()
            && let Some((seen, data)) = last.as_ref()
            && *seen == version
        {
            return Ok(Arc::clone(data));
        }
        let (matrix, latest, pending) = tokio::try_join!(
            store.deployment_matrix(),
            store.latest_deployments(),
            store.pending_deployments()
        )?;
        let digests: Vec<String> = matrix
            .iter()
            .map(|d| d.digest.clone())
            .filter(|d| !d.is_empty())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let trains = store.trains_of_digests(&digests).await?;
        let data = Arc::new(FleetData {
            matrix,
            latest,
            pending,
            trains,
        });
        if let Ok(mut last) = self.last.lock() {
            *last = Some((version, Arc::clone(&data)));
        }
        Ok(data)
    }
}
