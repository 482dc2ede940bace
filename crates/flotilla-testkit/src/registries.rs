use crate::server::Server;
use crate::services;

/// The three registries a train publishes to, as `http://host:port` each, with the servers
/// this test had to start itself.
pub struct Registries {
    pub oci: String,
    pub pypi: String,
    pub npm: String,
    _own: Vec<Server>,
}

impl Registries {
    pub fn get() -> Option<Self> {
        let oci = services::oci_registry()?;
        let pypi = services::pypi()?;
        let npm = services::npm()?;
        let urls = [&oci, &pypi, &npm].map(|e| e.url().to_owned());
        let [oci_url, pypi_url, npm_url] = urls;
        Some(Self {
            oci: oci_url,
            pypi: pypi_url,
            npm: npm_url,
            _own: [oci, pypi, npm]
                .into_iter()
                .filter_map(crate::endpoint::Endpoint::into_own)
                .collect(),
        })
    }

    /// `host:port` of the OCI registry, as skopeo's `docker://` references take it.
    pub fn oci_host(&self) -> &str {
        self.oci
            .split_once("://")
            .map_or(self.oci.as_str(), |(_, rest)| rest)
    }

    /// The manifest's `registries:` section; charts go under `NAMESPACE/charts`.
    pub fn section(&self, namespace: &str) -> String {
        format!(
            "registries:\n  images: {{kind: image, url: {oci}, insecure: true}}\n  \
             pypi: {{kind: pypi, url: {pypi}, insecure: true}}\n  \
             npm: {{kind: npm, url: {npm}, insecure: true}}\n  \
             charts: {{kind: chart, url: {oci}/{namespace}/charts, insecure: true}}\n",
            oci = self.oci,
            pypi = self.pypi,
            npm = self.npm,
        )
    }
}
