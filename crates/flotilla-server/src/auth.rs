//! Who is asking and what they may do: the signed-in person (or token) behind a request, and
//! the roles that gate every page and action.

pub(crate) mod auth_config;
pub(crate) mod csrf;
pub(crate) mod local_path;
pub(crate) mod login;
pub(crate) mod page_principal;
pub(crate) mod principal;
pub(crate) mod role;
pub(crate) mod session_cookie;
pub(crate) mod token_secret;

pub use auth_config::AuthConfig;
#[allow(unused_imports, reason = "the dashboard's pages take it")]
pub use page_principal::PagePrincipal;
pub(crate) use principal::Principal;
pub(crate) use role::Action;
pub use role::Role;
pub use token_secret::TokenSecret;
