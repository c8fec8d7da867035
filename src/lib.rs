//! tessera: the protocol layer for tokens.
//!
//! This facade re-exports the tessera crates behind features, so an application can depend on
//! one crate; libraries should depend on the individual crates they use.

pub use tessera_core as core;
#[cfg(feature = "jose")]
pub use tessera_jose as jose;
#[cfg(feature = "jwt")]
pub use tessera_jwt as jwt;
#[cfg(feature = "pkce")]
pub use tessera_pkce as pkce;
#[cfg(feature = "reqwest")]
pub use tessera_reqwest as reqwest;

/// The README's examples, compiled as doctests.
#[cfg(all(doctest, feature = "jwt", feature = "reqwest"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
