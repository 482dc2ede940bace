//! flotilla-engine
