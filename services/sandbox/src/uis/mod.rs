//! The UIS (CoMagic platform) simulator: a cloud PBX that rings employees, answers or loses calls and
//! POSTs the HTTP notifications ("Уведомления о событиях") configured for its events, each body a
//! user-written template with `{{variable}}` placeholders. UIS is only a source here: its Data API and
//! Call API are not simulated. Recordings are served at `file_link`.
//!
//! Rooms: `config` (account and notification settings), `template` (placeholder substitution),
//! `variables` (the values per event), `calls` (call model and timeline), `account` (tenant state,
//! registry, call placement), `delivery` (the notification outbox), `media` (recordings),
//! `control` (control handlers).

pub mod account;
pub mod calls;
pub mod config;
pub mod control;
pub mod delivery;
pub mod media;
pub mod template;
pub mod variables;
