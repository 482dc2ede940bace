//! Who is asking and what they may do: the signed-in person (or token) behind a request, and
//! the roles that gate every page and action.

pub(crate) mod principal;
pub(crate) mod role;
pub(crate) mod token_secret;

pub(crate) use principal::Principal;
pub(crate) use role::Action;
pub use role::Role;
pub use token_secret::TokenSecret;
