//! Several files in one fuzz input: the fuzz targets' helpers, shared with the robustness tests
//! that replay the fuzz regressions (`fuzz/src/lib.rs` includes this file).
#![allow(dead_code)]

use std::io::Write;

/// Split `data` at `\n#####\n` into `n` parts (missing parts empty, the last takes the rest).
pub fn parts(data: &[u8], n: usize) -> Vec<Vec<u8>> {
    const SEP: &[u8] = b"\n#####\n";
    let mut out = Vec::with_capacity(n);
    let mut rest = data;
    while out.len() + 1 < n {
        match rest.windows(SEP.len()).position(|w| w == SEP) {
            Some(at) => {
                out.push(rest[..at].to_vec());
                rest = &rest[at + SEP.len()..];
            }
            None => break,
        }
    }
    out.push(rest.to_vec());
    out.resize(n, Vec::new());
    out
}

/// A ZIP (stored or deflated) holding these entries.
pub fn zip_of(entries: &[(&str, &[u8])], deflate: bool) -> Vec<u8> {
    let method = if deflate {
        zip::CompressionMethod::Deflated
    } else {
        zip::CompressionMethod::Stored
    };
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in entries {
        z.start_file(*name, options).expect("zip entry");
        z.write_all(content).expect("zip write");
    }
    z.finish().expect("zip finish").into_inner()
}
