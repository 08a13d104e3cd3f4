//! Files written by `cargo xtask codegen`.

pub mod catalogue;
