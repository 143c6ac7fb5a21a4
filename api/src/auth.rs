//! Bearer tokens: issuing and verifying JWTs, and the `Caller` every protected handler gets.
//!
//! Tokens are HS256-signed with the first configured key; every configured key verifies, so a
//! key can be rotated by adding the new one first and removing the old one after the longest
//! token lifetime. Only the configured algorithm is accepted (never `none`).

use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
pub use fupin_app::caller::{forbidden_action, forbidden_region, Caller};
use fupin_domain::access::{Action, Role};
use fupin_domain::region::RegionCode;
use fupin_persistence::{accounts, DbPool};
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
use serde::{Deserialize, Serialize};

use crate::middleware::RequestId;
use crate::problem::{AppError, Kind, Problem};
use fupin_app::run as db;

mod subject_status;
use subject_status::Lookup;
pub use subject_status::SubjectStatus;

/// What a token says about its bearer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// The user's or client's id.
    pub sub: String,
    /// Username or client id, for the audit trail.
    pub name: String,
    pub role: Role,
    /// A client system's grants (its role is `client`); absent for people.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<Action>,
    /// The region code the bearer may act in (and everything under it).
    pub scope: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: String,
}

/// Why the signing keys could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("FUPIN_JWT_KEYS must be `kid:base64-secret` entries of at least 32 bytes each, the signing key first")]
pub struct SigningKeyError;

/// Tokens whose signature and claims were checked, so that a client's next requests with the
/// same token skip the HMAC and the JSON: only the time claims are checked again.
const VERIFIED_TOKENS_KEPT: usize = 10_000;
const LEEWAY_SECS: i64 = 5;

/// Issues and verifies access tokens.
pub struct TokenService {
    signing_kid: String,
    signing_key: EncodingKey,
    verifying_keys: HashMap<String, DecodingKey>,
    verified: Mutex<HashMap<Box<str>, Claims>>,
    pub issuer: String,
    pub audience: String,
    pub access_lifetime: Duration,
}

impl TokenService {
    pub fn new(
        keys: &str,
        issuer: &str,
        audience: &str,
        access_lifetime: Duration,
    ) -> Result<Self, SigningKeyError> {
        let mut signing = None;
        let mut verifying_keys = HashMap::new();
        for entry in keys.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (kid, encoded) = entry.split_once(':').ok_or(SigningKeyError)?;
            let secret = STANDARD.decode(encoded).map_err(|_| SigningKeyError)?;
            if kid.is_empty() || secret.len() < 32 {
                return Err(SigningKeyError);
            }
            if signing.is_none() {
                signing = Some((kid.to_owned(), EncodingKey::from_secret(&secret)));
            }
            verifying_keys.insert(kid.to_owned(), DecodingKey::from_secret(&secret));
        }
        let (signing_kid, signing_key) = signing.ok_or(SigningKeyError)?;
        Ok(Self {
            signing_kid,
            signing_key,
            verifying_keys,
            verified: Mutex::new(HashMap::new()),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            access_lifetime,
        })
    }

    /// An access token for a subject, valid from `now` for the access lifetime.
    pub fn issue(
        &self,
        subject: &str,
        name: &str,
        (role, permissions): (Role, &[Action]),
        scope: &str,
        now: DateTime<Utc>,
    ) -> Result<String, AppError> {
        let lifetime = i64::try_from(self.access_lifetime.as_secs()).unwrap_or(600);
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.to_owned(),
            name: name.to_owned(),
            role,
            permissions: permissions.to_vec(),
            scope: scope.to_owned(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: now.timestamp() + lifetime,
            jti: uuid::Uuid::now_v7().to_string(),
        };
        self.sign(&claims)
    }

    /// Signs any claims with the current key (tests use it to forge edge cases).
    pub fn sign(&self, claims: &Claims) -> Result<String, AppError> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.signing_kid.clone());
        encode(&header, claims, &self.signing_key).map_err(|_| AppError::internal())
    }

    /// Checks signature, algorithm, key id, issuer, audience, expiry and not-before, by the
    /// system clock (not the request clock: tests move that by days).
    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        let now = i64::try_from(jsonwebtoken::get_current_timestamp()).unwrap_or(i64::MAX);
        self.verify_at(token, now)
    }

    /// `verify` at `now` (seconds since the epoch). The signature and the other claims of a
    /// token seen before are not checked again; its time claims are, at every use.
    pub fn verify_at(&self, token: &str, now: i64) -> Result<Claims, AppError> {
        let remembered = self
            .verified
            .lock()
            .ok()
            .and_then(|verified| verified.get(token).cloned());
        let claims = match remembered {
            Some(claims) => claims,
            None => {
                let claims = self.verify_signed(token)?;
                if let Ok(mut verified) = self.verified.lock() {
                    if verified.len() >= VERIFIED_TOKENS_KEPT {
                        verified.clear();
                    }
                    verified.insert(token.into(), claims.clone());
                }
                claims
            }
        };
        if claims.exp < now - LEEWAY_SECS {
            return Err(unauthorized("The token has expired"));
        }
        if claims.nbf > now + LEEWAY_SECS {
            return Err(unauthorized("The token is not valid yet"));
        }
        Ok(claims)
    }

    fn verify_signed(&self, token: &str) -> Result<Claims, AppError> {
        let header = decode_header(token).map_err(|_| unauthorized("The token is malformed"))?;
        if header.alg != Algorithm::HS256 {
            return Err(unauthorized("The token's algorithm is not accepted"));
        }
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifying_keys.get(kid))
            .ok_or_else(|| unauthorized("The token was signed with an unknown key"))?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        // Expiry and not-before are checked by `verify_at`, for new and remembered tokens alike.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        decode::<Claims>(token, key, &validation)
            .map(|data| data.claims)
            .map_err(|error| {
                use jsonwebtoken::errors::ErrorKind;
                unauthorized(match error.kind() {
                    ErrorKind::InvalidIssuer => "The token's issuer is not accepted",
                    ErrorKind::InvalidAudience => "The token's audience is not this API",
                    ErrorKind::InvalidSignature => "The token's signature does not verify",
                    _ => "The token is not valid",
                })
            })
    }
}

/// A 401 with the reason in English and Chinese.
pub fn unauthorized(reason: &str) -> AppError {
    let zh = match reason {
        "The token has expired" => "令牌已过期",
        "The token is not valid yet" => "令牌尚未生效",
        "A bearer token is required" => "需要 Bearer 令牌",
        "The account is disabled" => "账号已停用",
        _ => "令牌无效",
    };
    AppError::new(Kind::Unauthorized).with_detail(reason, zh)
}

async fn authenticate(req: &HttpRequest) -> Result<Caller, AppError> {
    let tokens = req
        .app_data::<web::Data<TokenService>>()
        .ok_or_else(AppError::internal)?;
    let raw = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("A bearer token is required"))?;
    let token = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "))
        .ok_or_else(|| unauthorized("A bearer token is required"))?;
    let claims = tokens.verify(token.trim())?;
    let region =
        RegionCode::parse(&claims.scope).map_err(|_| unauthorized("The token is not valid"))?;
    let status = req
        .app_data::<web::Data<SubjectStatus>>()
        .ok_or_else(AppError::internal)?;
    let now = Instant::now();
    let disabled = match status.lookup(&claims.sub, now) {
        Lookup::Disabled(disabled) => disabled,
        Lookup::Read => {
            let pool = req
                .app_data::<web::Data<DbPool>>()
                .ok_or_else(AppError::internal)?;
            let subject = claims.sub.clone();
            let disabled = db::read(pool, move |conn| {
                Ok(accounts::subject_disabled(conn, &subject)?)
            })
            .await?;
            status.remember(&claims.sub, disabled, now);
            disabled
        }
    };
    if disabled {
        return Err(unauthorized("The account is disabled"));
    }
    let request_id = req.extensions().get::<RequestId>().map(|r| r.0.clone());
    let now = req
        .app_data::<web::Data<dyn crate::Clock>>()
        .map(|clock| clock.now())
        .unwrap_or_else(Utc::now);
    Ok(Caller {
        subject: claims.sub,
        name: claims.name,
        role: claims.role,
        grants: claims.permissions,
        region,
        request_id,
        now,
    })
}

/// Names an action at the type level, so that a handler's signature says what it needs.
pub trait Permission {
    const ACTION: Action;
}

macro_rules! permission {
    ($($name:ident => $action:ident),+ $(,)?) => {$(
        /// Marker for the permission of the same name.
        pub struct $name;
        impl Permission for $name {
            const ACTION: Action = Action::$action;
        }
    )+};
}

permission! {
    ReadRegistry => ReadRegistry,
    WriteRegistry => WriteRegistry,
    ManageRegions => ManageRegions,
    ReadAudit => ReadAudit,
    ManageAccounts => ManageAccounts,
    ManageReferenceData => ManageReferenceData,
    VerifyExit => VerifyExit,
    ApproveExit => ApproveExit,
    RunDataQuality => RunDataQuality,
    ReadChanges => ReadChanges,
    ApproveLoans => ApproveLoans,
    RecordLoanEvents => RecordLoanEvents,
    RestructureLoans => RestructureLoans,
    RecordSubsidies => RecordSubsidies,
    RecordHistory => RecordHistory,
}

/// A caller whose role the permission matrix allows `P`: the one place permissions are checked.
pub struct Allowed<P: Permission> {
    pub caller: Caller,
    permission: PhantomData<P>,
}

impl<P: Permission> std::ops::Deref for Allowed<P> {
    type Target = Caller;
    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<P: Permission + 'static> FromRequest for Allowed<P> {
    type Error = Problem;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Problem>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(&req).await?;
            if !caller.may(P::ACTION) {
                return Err(forbidden_action(caller.role, P::ACTION).into());
            }
            Ok(Allowed {
                caller,
                permission: PhantomData,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &str = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    fn service() -> TokenService {
        TokenService::new(KEYS, "fupin", "fupin-api", Duration::from_secs(600)).unwrap()
    }

    /// A village officer's token for `subject`, issued at `issued`.
    fn clerk_token(tokens: &TokenService, subject: &str, issued: DateTime<Utc>) -> String {
        tokens
            .issue(
                subject,
                "clerk",
                (Role::VillageOfficer, &[]),
                "610117001001",
                issued,
            )
            .unwrap()
    }

    fn refusal(result: Result<Claims, AppError>) -> String {
        result.unwrap_err().detail.unwrap().en
    }

    #[test]
    fn a_remembered_token_still_expires() {
        let tokens = service();
        let issued = Utc::now();
        let token = clerk_token(&tokens, "u1", issued);
        let now = issued.timestamp();
        assert_eq!(tokens.verify_at(&token, now).unwrap().sub, "u1");
        assert_eq!(
            tokens
                .verify_at(&token, now + 600 + LEEWAY_SECS)
                .unwrap()
                .sub,
            "u1"
        );
        assert_eq!(
            refusal(tokens.verify_at(&token, now + 601 + LEEWAY_SECS)),
            "The token has expired"
        );
        let unseen = clerk_token(&tokens, "u2", issued);
        assert_eq!(
            refusal(tokens.verify_at(&unseen, now + 3600)),
            "The token has expired"
        );
    }

    #[test]
    fn a_token_is_not_used_before_its_time_even_when_remembered() {
        let tokens = service();
        let issued = Utc::now();
        let token = clerk_token(&tokens, "u1", issued);
        let now = issued.timestamp();
        assert!(tokens.verify_at(&token, now).is_ok());
        assert_eq!(
            refusal(tokens.verify_at(&token, now - LEEWAY_SECS - 1)),
            "The token is not valid yet"
        );
    }

    #[test]
    fn a_changed_token_is_checked_in_full_even_after_the_original_was_remembered() {
        let tokens = service();
        let token = clerk_token(&tokens, "u1", Utc::now());
        assert!(tokens.verify(&token).is_ok());
        let at = token.len() - 10;
        let flipped = if &token[at..=at] == "A" { "B" } else { "A" };
        let forged = format!("{}{flipped}{}", &token[..at], &token[at + 1..]);
        assert_eq!(
            refusal(tokens.verify(&forged)),
            "The token's signature does not verify"
        );
        let other = TokenService::new(
            "k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
            "fupin",
            "fupin-api",
            Duration::from_secs(600),
        )
        .unwrap();
        assert_eq!(
            refusal(other.verify(&token)),
            "The token's signature does not verify"
        );
    }
}
