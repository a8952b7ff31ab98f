//! The Make modules the target uses, each with the version confirmed in published blueprints
//! (sources in `docs/targets/make.md`). The validator accepts nothing else.

/// A module name and its version.
pub type Known = (&'static str, u32);

pub const WEBHOOK: Known = ("gateway:CustomWebHook", 1);
pub const RESPOND: Known = ("gateway:WebhookRespond", 1);
pub const SET_VARIABLES: Known = ("util:SetVariables", 1);
pub const ROUTER: Known = ("builtin:BasicRouter", 1);
pub const HTTP: Known = ("http:MakeRequest", 4);
pub const ADD_RECORD: Known = ("datastore:AddRecord", 1);
pub const GET_RECORD: Known = ("datastore:GetRecord", 1);
pub const SEARCH_RECORDS: Known = ("datastore:SearchRecord", 1);
pub const EMAIL: Known = ("email:ActionSendEmail", 7);
pub const SLACK: Known = ("slack:CreateMessage", 4);
pub const BREAK: Known = ("builtin:Break", 1);
pub const ROLLBACK: Known = ("builtin:Rollback", 1);

/// Every module the output may contain.
pub const CATALOGUE: &[Known] = &[
    WEBHOOK,
    RESPOND,
    SET_VARIABLES,
    ROUTER,
    HTTP,
    ADD_RECORD,
    GET_RECORD,
    SEARCH_RECORDS,
    EMAIL,
    SLACK,
    BREAK,
    ROLLBACK,
];

/// Make's error-handling directives (the only `builtin:` modules allowed in `onerror`).
pub const DIRECTIVES: &[&str] = &[
    "builtin:Break",
    "builtin:Resume",
    "builtin:Ignore",
    "builtin:Rollback",
    "builtin:Commit",
];
