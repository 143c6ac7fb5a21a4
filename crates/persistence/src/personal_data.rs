//! Personal data at rest: resident ID numbers and phone numbers are stored encrypted
//! (XChaCha20-Poly1305) beside a keyed hash (HMAC-SHA-256) used for exact lookup and for the
//! one-current-member-per-number rule. A copy of the database alone reveals neither.

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why the keys could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no data key is configured")]
    NoDataKey,
    #[error("key `{0}` is not `id:base64` of 32 bytes")]
    Malformed(String),
    #[error("the lookup key must be base64 of at least 32 bytes")]
    LookupKey,
    #[error("the audit key must be base64 of at least 32 bytes")]
    AuditKey,
    #[error("a stored value is sealed with key `{0}`, which is not configured")]
    UnknownKey(String),
    #[error("a stored value does not decrypt with its key: the data or the key is wrong")]
    Undecryptable,
}

/// The data keys (the first seals, all open), the lookup key, and the key of the audit chain
/// (see `audit`): the server's secrets, none of them held by the database.
#[derive(Clone)]
pub struct PersonalDataKeys {
    sealing_id: String,
    ciphers: HashMap<String, XChaCha20Poly1305>,
    lookup: Hmac<Sha256>,
    audit: Hmac<Sha256>,
}

impl std::fmt::Debug for PersonalDataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PersonalDataKeys(sealing with `{}`, {} keys)",
            self.sealing_id,
            self.ciphers.len()
        )
    }
}

impl PersonalDataKeys {
    /// `data_keys`: `id:base64,id:base64,...`, the first used for new values.
    /// `lookup_key`: base64 of at least 32 bytes; changing it means recomputing every hash.
    pub fn parse(data_keys: &str, lookup_key: &str) -> Result<Self, KeyError> {
        let mut sealing_id = None;
        let mut ciphers = HashMap::new();
        for entry in data_keys
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (id, encoded) = entry
                .split_once(':')
                .ok_or_else(|| KeyError::Malformed(redact(entry)))?;
            let bytes = STANDARD
                .decode(encoded)
                .map_err(|_| KeyError::Malformed(id.to_owned()))?;
            let cipher = XChaCha20Poly1305::new_from_slice(&bytes)
                .map_err(|_| KeyError::Malformed(id.to_owned()))?;
            if bytes.len() != 32 || id.is_empty() || id.contains('.') {
                return Err(KeyError::Malformed(id.to_owned()));
            }
            sealing_id.get_or_insert_with(|| id.to_owned());
            ciphers.insert(id.to_owned(), cipher);
        }
        let lookup_key = STANDARD
            .decode(lookup_key.trim())
            .map_err(|_| KeyError::LookupKey)?;
        if lookup_key.len() < 32 {
            return Err(KeyError::LookupKey);
        }
        let lookup =
            <Hmac<Sha256> as Mac>::new_from_slice(&lookup_key).map_err(|_| KeyError::LookupKey)?;
        Ok(Self {
            sealing_id: sealing_id.ok_or(KeyError::NoDataKey)?,
            ciphers,
            lookup,
            audit: audit_mac(DEMO_AUDIT_KEY)?,
        })
    }

    /// The same keys with the audit chain keyed by `audit_key` (base64 of at least 32 bytes).
    /// Until this is called the chain is keyed with the public demo key: the server's
    /// configuration always calls it, and refuses to start without a key outside demo mode.
    pub fn with_audit_key(mut self, audit_key: &str) -> Result<Self, KeyError> {
        self.audit = audit_mac(audit_key)?;
        Ok(self)
    }

    /// The keyed hash (HMAC-SHA-256, hex) of an audit entry's content or of the chain's head.
    pub fn audit_mac(&self, content: &[u8]) -> String {
        let mut mac = self.audit.clone();
        mac.update(content);
        hex(&mac.finalize().into_bytes())
    }

    /// Encrypts a value: `key-id.base64(nonce ‖ ciphertext)`.
    pub fn seal(&self, plaintext: &str) -> Result<String, KeyError> {
        let cipher = self
            .ciphers
            .get(&self.sealing_id)
            .ok_or_else(|| KeyError::UnknownKey(self.sealing_id.clone()))?;
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .map_err(|_| KeyError::Undecryptable)?;
        let mut bytes = nonce.to_vec();
        bytes.extend(sealed);
        Ok(format!("{}.{}", self.sealing_id, STANDARD.encode(bytes)))
    }

    pub fn open(&self, sealed: &str) -> Result<String, KeyError> {
        let (id, encoded) = sealed.split_once('.').ok_or(KeyError::Undecryptable)?;
        let cipher = self
            .ciphers
            .get(id)
            .ok_or_else(|| KeyError::UnknownKey(id.to_owned()))?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| KeyError::Undecryptable)?;
        if bytes.len() < 24 {
            return Err(KeyError::Undecryptable);
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), ciphertext)
            .map_err(|_| KeyError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| KeyError::Undecryptable)
    }

    /// The keyed hash of a resident ID number, for lookup and uniqueness.
    pub fn id_number_hash(&self, id_number: &str) -> String {
        self.keyed_hash("resident-id", id_number)
    }

    fn keyed_hash(&self, purpose: &str, value: &str) -> String {
        let mut mac = self.lookup.clone();
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Keys for demo mode and tests only: they are public, so data under them is not protected.
    pub fn demo() -> Result<Self, KeyError> {
        Self::parse(DEMO_DATA_KEYS, DEMO_LOOKUP_KEY)
    }
}

/// Public demo keys: anyone can read data sealed with them.
pub const DEMO_DATA_KEYS: &str = "demo1:ZGVtby1vbmx5LWRhdGEta2V5LW5vdC1zZWNyZXQtISE=";
pub const DEMO_LOOKUP_KEY: &str = "ZGVtby1vbmx5LWxvb2t1cC1rZXktbm90LXNlY3JldC0hIQ==";
pub const DEMO_AUDIT_KEY: &str = "ZGVtby1vbmx5LWF1ZGl0LWNoYWluLWtleS1ub3Qtc2VjcmV0IQ==";

fn audit_mac(audit_key: &str) -> Result<Hmac<Sha256>, KeyError> {
    let bytes = STANDARD
        .decode(audit_key.trim())
        .map_err(|_| KeyError::AuditKey)?;
    if bytes.len() < 32 {
        return Err(KeyError::AuditKey);
    }
    <Hmac<Sha256> as Mac>::new_from_slice(&bytes).map_err(|_| KeyError::AuditKey)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn redact(entry: &str) -> String {
    entry.chars().take(8).collect::<String>() + "…"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_and_hide_the_plaintext() {
        let keys = PersonalDataKeys::demo().unwrap();
        let sealed = keys.seal("61011719730512123X").unwrap();
        assert!(!sealed.contains("610117"));
        assert!(sealed.starts_with("demo1."));
        assert_ne!(
            sealed,
            keys.seal("61011719730512123X").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(keys.open(&sealed).unwrap(), "61011719730512123X");
    }

    #[test]
    fn hashes_are_stable_and_keyed() {
        let keys = PersonalDataKeys::demo().unwrap();
        assert_eq!(keys.id_number_hash("1"), keys.id_number_hash("1"));
        assert_ne!(keys.id_number_hash("1"), keys.id_number_hash("2"));
        let other = PersonalDataKeys::parse(DEMO_DATA_KEYS, &STANDARD.encode([7u8; 32])).unwrap();
        assert_ne!(keys.id_number_hash("1"), other.id_number_hash("1"));
    }

    #[test]
    fn old_keys_still_open_after_rotation() {
        let old = PersonalDataKeys::demo().unwrap();
        let sealed = old.seal("13812345678").unwrap();
        let new_key = STANDARD.encode([9u8; 32]);
        let rotated =
            PersonalDataKeys::parse(&format!("k2:{new_key},{DEMO_DATA_KEYS}"), DEMO_LOOKUP_KEY)
                .unwrap();
        assert_eq!(rotated.open(&sealed).unwrap(), "13812345678");
        assert!(rotated.seal("x").unwrap().starts_with("k2."));
        let without_old =
            PersonalDataKeys::parse(&format!("k2:{new_key}"), DEMO_LOOKUP_KEY).unwrap();
        assert_eq!(
            without_old.open(&sealed),
            Err(KeyError::UnknownKey("demo1".into()))
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        assert_eq!(
            PersonalDataKeys::parse("", DEMO_LOOKUP_KEY).unwrap_err(),
            KeyError::NoDataKey
        );
        assert!(PersonalDataKeys::parse("k1:short", DEMO_LOOKUP_KEY).is_err());
        assert_eq!(
            PersonalDataKeys::parse(DEMO_DATA_KEYS, "c2hvcnQ=").unwrap_err(),
            KeyError::LookupKey
        );
    }
}
