//! flotilla-store
