//! The integration suite: one binary, one module per resource. Most tests call the router
//! directly (`helpers::spawn_app`); `server` runs the real binary on a socket.

// A failed expectation in a test is a test failure, which is what panics are for here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod approver_management;
mod attestation;
mod auth;
mod blockchain;
mod capabilities;
mod certificates;
mod cipher;
mod cli;
mod clock;
mod concurrency;
mod control;
mod csr;
mod dashboard;
mod deterministic;
mod dsa_bls;
mod durability;
mod ec;
mod errors;
mod extraction;
mod fidelity;
mod fixtures;
mod hardening;
mod helpers;
mod hostile;
mod keycache;
mod keys;
mod openapi;
mod openssl;
mod packaging;
mod pool;
mod pqc;
mod properties;
mod routes;
mod secret;
mod server;
mod service;
mod sign;
mod ska;
mod ska_approved;
mod ska_script;
mod snapshot;
mod transfer;
mod transport;
mod wrap_matrix;
