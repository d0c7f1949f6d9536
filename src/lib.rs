//! viewtally: how far a campaign video has travelled across social platforms, with proof.
//!
//! The pipeline flows one way: exports and APIs → [`store`] → [`timeline`] (polars) →
//! [`render`] (plotters charts, reports) and [`sinks`] (CSV, JSON, Parquet files). The [`cli`]
//! drives it.

pub mod cli;
pub mod config;
pub mod daemon;
pub mod error;
pub mod exports;
pub mod model;
pub mod render;
pub mod sinks;
pub mod sources;
pub mod store;
pub mod timeline;
