//! OpenAPI 3.0 input: Zoho's JSON API specs, read as Zoho writes them (cross-file `$ref`s as
//! absolute URLs, `oneOf` with overlapping arms, schema names reused across files, `$`-prefixed
//! and dotted property names, open `Record` objects), lowered to typed Rust.

pub mod builders;
pub mod emit;
pub mod fixups;
pub mod load;
pub mod ops;
pub mod types;
pub mod validate;

use crate::{Error, GeneratedFile};
use std::path::Path;

/// Generates the types of every spec file of `dir` into `<out_dir>/*.rs`; returns the files and
/// what the fixups did.
pub fn generate(dir: &Path, out_dir: &str) -> Result<(Vec<GeneratedFile>, fixups::Report), Error> {
    generate_specs(load::Specs::load(dir)?, out_dir)
}

/// Generates the types of loaded specs (see [`generate`]); nothing is read from disk.
pub fn generate_specs(
    specs: load::Specs,
    out_dir: &str,
) -> Result<(Vec<GeneratedFile>, fixups::Report), Error> {
    let (tokens, report) = generate_tokens(specs, out_dir)?;
    let files = tokens
        .into_iter()
        .map(crate::Tokens::render)
        .collect::<Result<_, _>>()?;
    Ok((files, report))
}

/// [`generate_specs`] up to the Rust tokens, not yet parsed and formatted.
pub fn generate_tokens(
    mut specs: load::Specs,
    out_dir: &str,
) -> Result<(Vec<crate::Tokens>, fixups::Report), Error> {
    let report = fixups::apply(&mut specs);
    let mut model = types::model(&specs)?;
    Ok((emit::emit_tokens(&specs, &mut model, out_dir)?, report))
}
