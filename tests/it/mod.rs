mod common;
mod config_errors;
mod demo;
mod import;
mod report;
