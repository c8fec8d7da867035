//! The standard claims of OpenID Connect Core §5.1, typed, beside the caller's own.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The standard claims (Core §5.1), each optional; read them from an ID token with
/// [`IdToken::claims_as`](crate::IdToken::claims_as) or from UserInfo with `serde_json`.
/// Other members land in [`StandardClaims::other`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StandardClaims {
    /// `sub`.
    pub sub: Option<String>,
    /// `name`.
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// `middle_name`.
    pub middle_name: Option<String>,
    /// `nickname`.
    pub nickname: Option<String>,
    /// `preferred_username`.
    pub preferred_username: Option<String>,
    /// `profile`.
    pub profile: Option<String>,
    /// `picture`.
    pub picture: Option<String>,
    /// `website`.
    pub website: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `email_verified`.
    pub email_verified: Option<bool>,
    /// `gender`.
    pub gender: Option<String>,
    /// `birthdate`.
    pub birthdate: Option<String>,
    /// `zoneinfo`.
    pub zoneinfo: Option<String>,
    /// `locale`.
    pub locale: Option<String>,
    /// `phone_number`.
    pub phone_number: Option<String>,
    /// `phone_number_verified`.
    pub phone_number_verified: Option<bool>,
    /// `address`.
    pub address: Option<Address>,
    /// `updated_at`.
    pub updated_at: Option<u64>,
    /// Every other member.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The `address` claim (Core §5.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Address {
    /// `formatted`.
    pub formatted: Option<String>,
    /// `street_address`.
    pub street_address: Option<String>,
    /// `locality`.
    pub locality: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// `postal_code`.
    pub postal_code: Option<String>,
    /// `country`.
    pub country: Option<String>,
}
