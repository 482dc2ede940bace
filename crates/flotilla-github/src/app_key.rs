use std::fmt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::SystemRandom;
use ring::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};

use crate::github_error::GithubError;
use crate::secret::Secret;

/// A GitHub App's RSA private key, which signs the App's JWTs (RS256). Read from the PEM file
/// GitHub generates (PKCS#1, `RSA PRIVATE KEY`) or a PKCS#8 `PRIVATE KEY`; `Debug` shows none
/// of it.
#[derive(Clone)]
pub struct AppKey {
    pair: Arc<RsaKeyPair>,
}

/// A JWT is valid for at most 10 minutes; 9 leave room for a clock running a little fast.
const JWT_LIFETIME_SECS: i64 = 9 * 60;
/// GitHub's advice: date the JWT a minute back against clock drift.
const JWT_BACKDATE_SECS: i64 = 60;

impl AppKey {
    /// Parses a PEM text; `origin` names where it came from in errors (never the text).
    pub fn from_pem(pem: &str, origin: &str) -> Result<Self, GithubError> {
        let unusable = |cause: &str| GithubError::PrivateKey {
            origin: origin.to_owned(),
            cause: cause.to_owned(),
        };
        let mut label = None;
        let mut base64 = String::new();
        for line in pem.lines().map(str::trim) {
            if let Some(rest) = line.strip_prefix("-----BEGIN ") {
                label = Some(rest.trim_end_matches('-').to_owned());
                base64.clear();
            } else if line.starts_with("-----END ") {
                break;
            } else if label.is_some() {
                base64.push_str(line);
            }
        }
        let label = label.ok_or_else(|| unusable("no `-----BEGIN …-----` line: not a PEM file"))?;
        let der = STANDARD
            .decode(base64.as_bytes())
            .map_err(|_| unusable("the PEM body is not base64"))?;
        let pair = match label.as_str() {
            "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der),
            "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der),
            other => {
                return Err(unusable(&format!(
                    "a PEM `{other}`, not an RSA private key"
                )));
            }
        }
        .map_err(|e| unusable(&format!("not a usable RSA key ({e})")))?;
        Ok(Self {
            pair: Arc::new(pair),
        })
    }

    /// Reads the PEM from the environment variable `var`.
    pub fn from_env(var: &str) -> Result<Self, GithubError> {
        let origin = format!("the environment variable `{var}`");
        let pem = std::env::var(var).map_err(|_| GithubError::PrivateKey {
            origin: origin.clone(),
            cause: "it is unset or not UTF-8".to_owned(),
        })?;
        Self::from_pem(&pem, &origin)
    }

    /// Reads the PEM from a file.
    pub fn from_file(path: &Path) -> Result<Self, GithubError> {
        let origin = format!("the file {}", path.display());
        let pem = std::fs::read_to_string(path).map_err(|e| GithubError::PrivateKey {
            origin: origin.clone(),
            cause: e.to_string(),
        })?;
        Self::from_pem(&pem, &origin)
    }

    /// The public key (PKCS#1 `RSAPublicKey`, DER): what GitHub verifies the JWTs with.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }

    /// A JWT for App `app_id` issued at `now` (seconds since the epoch): `iat` a minute back,
    /// `exp` nine minutes ahead, `iss` the App id, signed RS256.
    pub fn jwt(&self, app_id: u64, now: i64) -> Result<Secret, GithubError> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "iat": now - JWT_BACKDATE_SECS,
            "exp": now + JWT_LIFETIME_SECS,
            "iss": app_id.to_string(),
        });
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes());
        let signing_input = format!("{header}.{claims}");
        let mut signature = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .map_err(|_| GithubError::PrivateKey {
                origin: "the App key".to_owned(),
                cause: "signing the JWT failed".to_owned(),
            })?;
        Ok(Secret::new(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        )))
    }
}

impl fmt::Debug for AppKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppKey(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_an_rsa_private_key_without_quoting_it() {
        let secretish = "-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END EC PRIVATE KEY-----\n";
        let error = AppKey::from_pem(secretish, "the test").unwrap_err();
        assert!(error.to_string().contains("EC PRIVATE KEY"), "{error}");
        assert!(!error.to_string().contains("c2VjcmV0"), "{error}");
        let error = AppKey::from_pem(
            "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0\n-----END RSA PRIVATE KEY-----",
            "x",
        )
        .unwrap_err();
        assert!(
            error.to_string().contains("not a usable RSA key"),
            "{error}"
        );
        assert!(!error.to_string().contains("c2VjcmV0"), "{error}");
        assert!(AppKey::from_pem("hello", "x").is_err());
    }
}
