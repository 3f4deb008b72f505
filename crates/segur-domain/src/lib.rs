#![doc = include_str!("../README.md")]

pub mod authz;
pub mod calendar;
pub mod candidature;
pub mod catalogue;
pub mod collaboration;
pub mod decision;
pub mod error;
pub mod events;
pub mod financing;
pub mod holidays;
pub mod identity;
pub mod instruction;
pub mod monitoring;
pub mod org;
pub mod proof;
pub mod referencing;
pub mod register;
pub mod rem_diff;
pub mod rules;
pub mod solution;
pub mod text;
pub mod version;
pub mod world;
pub mod world_file;

pub use error::ParseError;
