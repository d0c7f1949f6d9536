mod common;
mod config_errors;
mod demo;
mod exports;
mod import;
