//! TODO (in progress)
