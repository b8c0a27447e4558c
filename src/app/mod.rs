//! The app: the only owner of `State`.

pub mod action;
