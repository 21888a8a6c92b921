//! The token of a graph.png link: hex HMAC-SHA256 of the alert id under a server
//! secret, so Slack can fetch one alert's graph without a login, and nobody can
//! guess the link of another.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::secret::Secret;
use crate::store::{Store, StoreError};

type HmacSha256 = Hmac<Sha256>;

/// The token of `alert_id` under `secret`.
pub fn token(secret: &Secret, alert_id: &str) -> String {
    let bytes = mac(secret, alert_id).finalize().into_bytes();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `given` is the token of `alert_id`, compared in constant time.
pub fn verify(secret: &Secret, alert_id: &str, given: &str) -> bool {
    let expected = token(secret, alert_id);
    // Lengths differ only for a malformed token; the comparison of equal lengths
    // takes the same time wherever they differ.
    expected.len() == given.len() && bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

fn mac(secret: &Secret, alert_id: &str) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC takes a key of any length");
    m.update(alert_id.as_bytes());
    m
}

/// The secret: `ASAKAI_GRAPH_SECRET` when set, else the one the database keeps
/// (made once, from the system's random source).
pub async fn secret(store: &Store, configured: Option<&Secret>) -> Result<Secret, StoreError> {
    if let Some(s) = configured {
        return Ok(s.clone());
    }
    let fresh = Secret::random();
    Ok(Secret::new(store.graph_secret(fresh.expose()).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_the_rfc_4231_hmac() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let t = token(&Secret::new("Jefe"), "what do ya want for nothing?");
        assert_eq!(
            t,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_the_alerts_own_token_verifies() {
        let s = Secret::new("s3cret");
        let good = token(&s, "a1");
        assert!(verify(&s, "a1", &good));
        assert!(!verify(&s, "a2", &good), "another alert");
        assert!(
            !verify(&Secret::new("other"), "a1", &good),
            "another secret"
        );
        assert!(!verify(&s, "a1", &good[..10]), "cut short");
        assert!(!verify(&s, "a1", ""));
        assert_eq!(Secret::random().expose().len(), 64);
        assert_ne!(Secret::random().expose(), Secret::random().expose());
    }
}
