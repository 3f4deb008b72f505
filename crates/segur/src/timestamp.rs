//! RFC 3161 time-stamping of the audit trail's daily heads: the request is built and the
//! reply read with a few lines of DER (the two structures involved are small and fixed), the
//! token is kept as the authority returned it, so that anyone can check it with
//! `openssl ts -verify` (see `docs/security.md`).

use anyhow::{Context, bail};
use segur_store::{DayHead, Store};

/// `AlgorithmIdentifier { id-sha256, NULL }`.
const SHA256_ALGORITHM: [u8; 15] = [
    0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
];

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// A DER `TimeStampReq` (version 1, SHA-256 imprint, nonce, certReq true).
pub fn request_der(imprint: &[u8; 32], nonce: u64) -> Vec<u8> {
    let mut message_imprint = SHA256_ALGORITHM.to_vec();
    message_imprint.extend(der(0x04, imprint));
    let mut nonce_bytes = nonce.to_be_bytes().to_vec();
    while nonce_bytes.len() > 1 && nonce_bytes[0] == 0 && nonce_bytes[1] < 0x80 {
        nonce_bytes.remove(0);
    }
    if nonce_bytes[0] >= 0x80 {
        nonce_bytes.insert(0, 0);
    }
    let mut body = vec![0x02, 0x01, 0x01];
    body.extend(der(0x30, &message_imprint));
    body.extend(der(0x02, &nonce_bytes));
    body.extend([0x01, 0x01, 0xff]);
    der(0x30, &body)
}

/// One TLV at the start of `bytes`: (tag, the whole TLV, its content), bounds-checked.
fn read_tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *bytes.first()?;
    let first = *bytes.get(1)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *bytes.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = header.checked_add(len)?;
    let whole = bytes.get(..end)?;
    Some((tag, whole, &whole[header..]))
}

/// The `TimeStampToken` of a `TimeStampResp`, once its status says granted (0) or granted
/// with modifications (1) and the token carries our imprint.
pub fn token_from_reply(reply: &[u8], imprint: &[u8; 32]) -> anyhow::Result<Vec<u8>> {
    let (tag, _, body) = read_tlv(reply).context("réponse d'horodatage illisible (DER)")?;
    if tag != 0x30 {
        bail!("réponse d'horodatage illisible : SEQUENCE attendue");
    }
    let (tag, status_tlv, status_info) =
        read_tlv(body).context("réponse d'horodatage sans statut")?;
    if tag != 0x30 {
        bail!("réponse d'horodatage : statut illisible");
    }
    let (tag, _, status) = read_tlv(status_info).context("réponse d'horodatage : statut vide")?;
    if tag != 0x02 || status.len() != 1 {
        bail!("réponse d'horodatage : statut illisible");
    }
    if status[0] > 1 {
        bail!(
            "l'autorité d'horodatage a refusé la demande (statut PKI {})",
            status[0]
        );
    }
    let rest = &body[status_tlv.len()..];
    let (tag, token, _) = read_tlv(rest).context("réponse d'horodatage sans jeton")?;
    if tag != 0x30 {
        bail!("réponse d'horodatage : jeton illisible");
    }
    if !token_covers(token, imprint) {
        bail!("le jeton d'horodatage ne porte pas l'empreinte demandée");
    }
    Ok(token.to_vec())
}

/// True when the token's `TSTInfo` carries this SHA-256 imprint (as `OCTET STRING` of 32
/// bytes). The signature itself is checked by `openssl ts -verify` against the authority's
/// certificate, which is the operator's trust decision.
pub fn token_covers(token: &[u8], imprint: &[u8; 32]) -> bool {
    let mut needle = vec![0x04, 0x20];
    needle.extend_from_slice(imprint);
    token.windows(needle.len()).any(|w| w == needle.as_slice())
}

/// Stamps every finished day of the trail not stamped yet; returns the days stamped.
pub async fn stamp_pending_days(
    store: &Store,
    tsa_url: &str,
    today: &str,
) -> anyhow::Result<Vec<DayHead>> {
    let system = store.system();
    let heads = system.unstamped_audit_days(today).await?;
    if heads.is_empty() {
        return Ok(heads);
    }
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .context("client HTTP indisponible")?;
    for head in &heads {
        let imprint = head.imprint();
        let nonce = u64::from_be_bytes(imprint[..8].try_into().unwrap_or_default());
        let reply = client
            .post(tsa_url)
            .header("content-type", "application/timestamp-query")
            .body(request_der(&imprint, nonce))
            .send()
            .await
            .with_context(|| {
                format!(
                    "autorité d'horodatage {} injoignable",
                    segur_store::redact_url(tsa_url)
                )
            })?;
        if !reply.status().is_success() {
            bail!(
                "autorité d'horodatage {} : réponse HTTP {}",
                segur_store::redact_url(tsa_url),
                reply.status()
            );
        }
        let bytes = reply
            .bytes()
            .await
            .context("réponse d'horodatage tronquée")?;
        let token = token_from_reply(&bytes, &imprint)?;
        system.record_audit_timestamp(head, tsa_url, &token).await?;
    }
    Ok(heads)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_is_well_formed_der() {
        let imprint = [7u8; 32];
        let req = request_der(&imprint, 0x80_00_00_00_00_00_00_01);
        let (tag, whole, body) = read_tlv(&req).unwrap();
        assert_eq!(tag, 0x30);
        assert_eq!(whole.len(), req.len());
        // version 1
        assert_eq!(&body[..3], &[0x02, 0x01, 0x01]);
        assert!(token_covers(&req, &imprint));
        // A nonce with the high bit set is encoded as a positive INTEGER (leading zero).
        assert!(req.windows(3).any(|w| w == [0x02, 0x09, 0x00]));
    }

    #[test]
    fn hostile_replies_are_refused_without_panic() {
        let imprint = [1u8; 32];
        for reply in [
            &[][..],
            &[0x30],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x03, 0x30, 0x01, 0x02],
            // status 2 (rejection)
            &[0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x02],
            // granted but no token
            &[0x30, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00],
        ] {
            assert!(token_from_reply(reply, &imprint).is_err(), "{reply:?}");
        }
    }
}
