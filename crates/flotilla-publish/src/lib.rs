//! flotilla-publish
