//! Getting tokens from Amazon Cognito user pools.

pub mod srp;
