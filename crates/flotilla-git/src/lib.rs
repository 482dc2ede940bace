//! flotilla-git
