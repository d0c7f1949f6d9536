use std::process::ExitCode;

fn main() -> ExitCode {
    match viewtally::cli::run() {
        Ok(code) => code,
        Err(e) => {
            viewtally::cli::print_fatal(&e);
            viewtally::error::exit_code(&e)
        }
    }
}
