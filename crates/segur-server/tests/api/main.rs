//! Integration tests of the HTTP layer: the real router, in process, each test on its own
//! database loaded with the demo world (the same data users see with `segur serve --demo`).

mod common;

mod auth;
mod candidatures;
mod catalogue;
mod collaboration;
mod errors;
mod files;
mod financing;
mod identity;
mod instruction;
mod isolation;
mod monitoring;
mod notifications;
mod oidc;
mod openapi;
mod page_isolation;
mod pages;
mod pentest;
mod register;
mod rem_admin;
mod tokens;
mod webhooks;
