//! Getting tokens from Amazon Cognito user pools.

pub mod api;
pub mod challenge;
pub mod errors;
pub mod identity_pool;
pub mod oauth;
pub mod signin;
pub mod source;
pub mod srp;
pub mod totp;
