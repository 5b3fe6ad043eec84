//! Kenangan: a real-time order hub for restaurants.

pub mod app;
pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod extract;
pub mod floor;
pub mod health;
pub mod hub;
pub mod menu;
pub mod orders;
pub mod server;
pub mod settings;
pub mod stats;
