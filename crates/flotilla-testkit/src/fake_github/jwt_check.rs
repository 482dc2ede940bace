use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, UnparsedPublicKey};

/// Checks a GitHub App JWT as GitHub does: RS256 over `header.claims` with the App's public key
/// (PKCS#1 DER), `iss` the App id (a string or a number), `iat` not in the future (a minute of
/// drift allowed), `exp` ahead and at most 10 minutes after now. The error is GitHub's kind of
/// message.
pub(crate) fn check(jwt: &str, app_id: u64, public_key: &[u8]) -> Result<(), String> {
    let undecodable = || "A JSON web token could not be decoded".to_owned();
    let mut parts = jwt.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(undecodable());
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|_| undecodable());
    let header: serde_json::Value =
        serde_json::from_slice(&decode(header)?).map_err(|_| undecodable())?;
    if header["alg"] != "RS256" {
        return Err(undecodable());
    }
    let signed = &jwt[..jwt.rfind('.').unwrap_or(0)];
    UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, public_key)
        .verify(signed.as_bytes(), &decode(signature)?)
        .map_err(|_| {
            "'Issuer' claim ('iss') must be an Integer or the JWT signature does not match the App's key"
                .to_owned()
        })?;
    let claims: serde_json::Value =
        serde_json::from_slice(&decode(claims)?).map_err(|_| undecodable())?;
    let iss_ok = claims["iss"].as_u64() == Some(app_id)
        || claims["iss"].as_str() == Some(app_id.to_string().as_str());
    if !iss_ok {
        return Err("'Issuer' claim ('iss') does not name this App".to_owned());
    }
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
    )
    .unwrap_or(i64::MAX);
    let (Some(iat), Some(exp)) = (claims["iat"].as_i64(), claims["exp"].as_i64()) else {
        return Err(undecodable());
    };
    if iat > now + 60 {
        return Err(
            "'Issued at' claim ('iat') must be an Integer representing a time in the past"
                .to_owned(),
        );
    }
    if exp <= now || exp > now + 600 + 60 {
        return Err("'Expiration time' claim ('exp') is too far in the future".to_owned());
    }
    Ok(())
}
