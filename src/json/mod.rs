//! JSON text handled as bytes: a strict scanner that records spans, and span edits.

pub mod edit;
pub mod scan;
