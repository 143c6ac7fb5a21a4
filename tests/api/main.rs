//! Black-box HTTP tests: the real app on port 0, a fresh database per test. The same suite runs
//! on SQLite and, with `FUPIN_TEST_BACKEND=postgres TEST_DATABASE_URL=...`, on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod assessments;
mod audit_chain;
mod contract;
mod entities;
mod exchange;
mod exports;
mod faults;
mod hardening;
mod history;
mod household_list;
mod household_views;
mod households;
mod incomes;
mod indicators;
mod lifecycle;
mod loan_policies;
mod loans;
mod login_bursts;
mod logs;
mod members;
mod money_limits;
mod operations;
mod quality;
mod regions;
mod relations;
mod repositories;
mod routes;
mod scope_paths;
mod security;
mod statistics;
mod subsidies;
mod two_hands;
mod upgrades;
