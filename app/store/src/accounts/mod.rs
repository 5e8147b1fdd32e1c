//! Accounts, their roles, single-use links (invitations, password resets), sign-in events and the
//! throttling of sign-in attempts: one concept a module, reached as `store::accounts::…`.

mod links;
mod people;
mod sign_ins;
mod throttling;

pub(crate) use links::insert_link;
pub use links::{
    create_reset_link, link_state, link_token_hash, set_password_with_link, LinkState,
};
pub use people::{
    active_actor, find_for_sign_in, invite, list, set_active, set_roles, summary,
    upsert_with_password, AccountError, NewAccount, SignInRecord,
};
pub use sign_ins::{end_sessions, record_failed_sign_in, record_sign_in, record_sign_out};
pub use throttling::{claim_attempt, forget_attempt, Throttled};
