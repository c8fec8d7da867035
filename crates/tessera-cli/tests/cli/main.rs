//! Integration tests that run the built `tessera` binary: every command, success and failure
//! paths, output and exit status.

#![allow(clippy::unwrap_used)] // test code

mod common;
mod contract;
mod demo;
mod jwe;
mod jwk;
mod jws;
mod jwt;
mod jwt_verify;
mod kid;
mod login;
mod messages;
mod mldsa;
mod oauth;
mod pipe;
mod pkce;
