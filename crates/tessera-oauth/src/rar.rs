//! Rich Authorization Requests (RFC 9396): `authorization_details`, typed and extensible, in
//! authorization, PAR and token requests and in token responses.
//!
//! ```
//! use serde_json::json;
//! use tessera_oauth::rar::AuthorizationDetail;
//!
//! let payment = AuthorizationDetail::new("payment_initiation")
//!     .actions(["initiate", "status"])
//!     .locations(["https://example.com/payments"])
//!     .field("instructedAmount", json!({"currency": "EUR", "amount": "123.50"}));
//! let param = AuthorizationDetail::to_param(&[payment])?;
//! assert!(param.starts_with(r#"[{"type":"payment_initiation""#));
//! let back = AuthorizationDetail::from_value(&serde_json::from_str(&param).unwrap())?;
//! assert_eq!(back[0].fields["instructedAmount"]["currency"], "EUR");
//! # Ok::<(), tessera_oauth::Error>(())
//! ```

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
use crate::error::{ParameterProblem, ResponseProblem};

/// One authorization detail (RFC 9396 §2): its `type`, the common fields of §2.2, and the
/// type-specific fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthorizationDetail {
    /// `type`: what kind of authorization this is.
    #[serde(rename = "type")]
    pub kind: String,
    /// `locations`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
    /// `actions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<String>,
    /// `datatypes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub datatypes: Vec<String>,
    /// `identifier`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// `privileges`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileges: Vec<String>,
    /// The type-specific fields.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}

impl AuthorizationDetail {
    /// A detail of type `kind`.
    pub fn new(kind: impl Into<String>) -> Self {
        AuthorizationDetail {
            kind: kind.into(),
            locations: Vec::new(),
            actions: Vec::new(),
            datatypes: Vec::new(),
            identifier: None,
            privileges: Vec::new(),
            fields: Map::new(),
        }
    }

    /// Sets `actions`.
    pub fn actions<S: Into<String>>(mut self, v: impl IntoIterator<Item = S>) -> Self {
        self.actions = v.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `locations`.
    pub fn locations<S: Into<String>>(mut self, v: impl IntoIterator<Item = S>) -> Self {
        self.locations = v.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `identifier`.
    pub fn identifier(mut self, id: impl Into<String>) -> Self {
        self.identifier = Some(id.into());
        self
    }

    /// Adds a type-specific field.
    pub fn field(mut self, name: impl Into<String>, value: Value) -> Self {
        self.fields.insert(name.into(), value);
        self
    }

    /// The `authorization_details` request parameter: a JSON array (RFC 9396 §2).
    pub fn to_param(details: &[AuthorizationDetail]) -> Result<String, Error> {
        if details.iter().any(|d| d.kind.is_empty()) {
            return Err(Error::InvalidParameter {
                name: "authorization_details".into(),
                problem: ParameterProblem::Empty,
            });
        }
        serde_json::to_string(details).map_err(|_| Error::InvalidParameter {
            name: "authorization_details".into(),
            problem: ParameterProblem::Syntax,
        })
    }

    /// Reads `authorization_details` from a token response or an introspection response: an
    /// array of objects, each with a string `type` (RFC 9396 §7).
    pub fn from_value(v: &Value) -> Result<Vec<AuthorizationDetail>, Error> {
        let bad = || Error::InvalidResponse {
            what: "authorization_details",
            problem: ResponseProblem::Invalid {
                member: "authorization_details",
                expected: "an array of objects with a string \"type\"",
            },
        };
        let Value::Array(items) = v else {
            return Err(bad());
        };
        items
            .iter()
            .map(|i| {
                if !i.get("type").is_some_and(Value::is_string) {
                    return Err(bad());
                }
                serde_json::from_value(i.clone()).map_err(|_| bad())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rfc9396_example_round_trips_and_bad_shapes_are_refused() {
        let example = json!([{
            "type": "account_information",
            "actions": ["list_accounts", "read_balances", "read_transactions"],
            "locations": ["https://example.com/accounts"]
        }, {
            "type": "payment_initiation",
            "actions": ["initiate", "status", "cancel"],
            "locations": ["https://example.com/payments"],
            "instructedAmount": {"currency": "EUR", "amount": "123.50"},
            "creditorName": "Merchant A"
        }]);
        let d = AuthorizationDetail::from_value(&example).unwrap();
        assert_eq!(d[1].fields["creditorName"], "Merchant A");
        let back: Value =
            serde_json::from_str(&AuthorizationDetail::to_param(&d).unwrap()).unwrap();
        assert_eq!(back, example);
        for bad in [
            json!({"type": "x"}),
            json!([{"actions": []}]),
            json!([{"type": 5}]),
            json!(["x"]),
        ] {
            assert!(AuthorizationDetail::from_value(&bad).is_err(), "{bad}");
        }
        assert!(AuthorizationDetail::to_param(&[AuthorizationDetail::new("")]).is_err());
    }
}
