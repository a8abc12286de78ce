//! Physics: units, the Aliev–Panfilov cell model, P1 finite elements and the
//! explicit time-step limit.

pub mod fem;
pub mod model;
pub mod stability;
pub mod units;
