use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use flotilla_store::{Deployment, Id, PairDeployments, Store, StoreError};

/// (service, environment).
pub(crate) type Pair = (String, String);

/// Above this many changed pairs, reading everything again costs less than reading each.
const MOST_PAIRS_READ_ONE_BY_ONE: usize = 64;

/// What the fleet page reads from the store, kept between requests: the page is the one
/// people leave open and reload, and with 1,000 services reading it all costs more than
/// rendering it. After a change only the (service, environment) pairs the store's journal of
/// deployment changes names are read again.
#[derive(Default)]
pub(crate) struct FleetCache {
    /// The view last read; one refresh at a time, so concurrent reloads after a change read
    /// the store once.
    last: tokio::sync::Mutex<Option<Arc<FleetData>>>,
    /// The last page rendered, by the view's version and everything else it shows (the
    /// filter, the viewer): a reload of an unchanged fleet is answered from it.
    page: Mutex<Option<(String, Arc<str>)>>,
}

#[derive(Clone)]
pub(crate) struct FleetData {
    /// The journal's head and the artifacts' count this view is as of.
    head: i64,
    artifacts: i64,
    /// Every pair with a deployment, in service then environment order.
    pub pairs: BTreeMap<Pair, PairDeployments>,
    /// The train that published each running digest.
    pub trains: HashMap<String, Id>,
}

impl FleetData {
    /// What changes whenever the view does: part of a rendered page's key.
    pub(crate) fn version(&self) -> String {
        format!("{}:{}", self.head, self.artifacts)
    }

    fn running_digests<'a>(&self, pairs: impl Iterator<Item = &'a PairDeployments>) -> Vec<String> {
        pairs
            .filter_map(|p| p.current.as_ref())
            .map(|d| d.digest.clone())
            .filter(|d| !d.is_empty() && !self.trains.contains_key(d))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

impl FleetCache {
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

    /// The fleet's view now: the kept one when the store has not changed since, brought up to
    /// date pair by pair when the journal says which changed, read whole otherwise.
    pub(crate) async fn current(&self, store: &dyn Store) -> Result<Arc<FleetData>, StoreError> {
        let mut last = self.last.lock().await;
        let changes = store
            .deployment_changes(last.as_ref().map(|data| data.head))
            .await?;
        let data = match (last.take(), changes.pairs) {
            (Some(data), Some(pairs))
                if pairs.is_empty() && data.artifacts == changes.artifacts =>
            {
                data
            }
            (Some(mut data), Some(pairs)) if pairs.len() <= MOST_PAIRS_READ_ONE_BY_ONE => {
                // In place, unless a page being rendered still holds it.
                let view = Arc::make_mut(&mut data);
                let mut refreshed = Vec::with_capacity(pairs.len());
                for (service, environment) in pairs {
                    let read = store.pair_deployments(&service, &environment).await?;
                    let key = (service, environment);
                    if read.current.is_none() && read.latest.is_none() && read.pending.is_empty() {
                        view.pairs.remove(&key);
                    } else {
                        refreshed.push(key.clone());
                        view.pairs.insert(key, read);
                    }
                }
                // A new artifact may name the train of a digest already running anywhere.
                if view.artifacts != changes.artifacts {
                    view.trains.clear();
                }
                let digests = if view.trains.is_empty() {
                    view.running_digests(view.pairs.values())
                } else {
                    view.running_digests(refreshed.iter().filter_map(|key| view.pairs.get(key)))
                };
                let trains = store.trains_of_digests(&digests).await?;
                view.trains.extend(trains);
                view.head = changes.head;
                view.artifacts = changes.artifacts;
                data
            }
            _ => Arc::new(read_all(store, changes.head, changes.artifacts).await?),
        };
        *last = Some(Arc::clone(&data));
        Ok(data)
    }
}

/// The whole view, as of the journal's `head` (changes after it are read again next time).
async fn read_all(store: &dyn Store, head: i64, artifacts: i64) -> Result<FleetData, StoreError> {
    let (matrix, latest, pending) = tokio::try_join!(
        store.deployment_matrix(),
        store.latest_deployments(),
        store.pending_deployments()
    )?;
    let mut pairs: BTreeMap<Pair, PairDeployments> = BTreeMap::new();
    let pair = |d: &Deployment| (d.service.clone(), d.environment.clone());
    for d in latest {
        let key = pair(&d);
        pairs.entry(key).or_default().latest = Some(d);
    }
    for d in matrix {
        let key = pair(&d);
        pairs.entry(key).or_default().current = Some(d);
    }
    for d in pending {
        let key = pair(&d);
        pairs.entry(key).or_default().pending.push(d);
    }
    let mut data = FleetData {
        head,
        artifacts,
        pairs,
        trains: HashMap::new(),
    };
    let digests = data.running_digests(data.pairs.values());
    data.trains.extend(store.trains_of_digests(&digests).await?);
    Ok(data)
}
