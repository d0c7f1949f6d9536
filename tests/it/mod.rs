mod collect;
mod common;
mod config_errors;
mod daemon;
mod demo;
mod exports;
mod import;
mod report;
