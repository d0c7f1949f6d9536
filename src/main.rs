use std::process::ExitCode;

fn main() -> ExitCode {
    match viewtally::cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            viewtally::error::exit_code(&e)
        }
    }
}
