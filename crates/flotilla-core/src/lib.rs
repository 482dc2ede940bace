//! flotilla-core
