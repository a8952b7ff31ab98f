//! The Make modules the target uses, each with the version confirmed in published blueprints
//! (sources in `docs/targets/make.md`). The validator accepts nothing else.

/// A module name and its version.
pub type Known = (&'static str, u32);

pub const WEBHOOK: Known = ("gateway:CustomWebHook", 1);
pub const RESPOND: Known = ("gateway:WebhookRespond", 1);
/// Sets one variable (`mapper: {name, scope, value}`), read back as `{{N.name}}`.
pub const SET_VARIABLE: Known = ("util:SetVariable2", 1);
pub const ROUTER: Known = ("builtin:BasicRouter", 1);
pub const HTTP: Known = ("http:MakeRequest", 4);
pub const ADD_RECORD: Known = ("datastore:AddRecord", 1);
/// Loads one record (`mapper: {key, returnWrapped: false}`); its fields are read back as
/// `{{N.field}}`.
pub const GET_RECORD: Known = ("datastore:GetRecord", 1);
/// Finds records (`parameters: {continueWhenNoRes, limit}`, `mapper: {filter, sort}`, the
/// filter naming record fields bare); each record found is read back as `{{N.key}}` and
/// `{{N.data.field}}`.
pub const SEARCH_RECORDS: Known = ("datastore:SearchRecord", 1);
pub const EMAIL: Known = ("google-email:ActionSendEmail", 2);
pub const SLACK: Known = ("slack:CreateMessage", 4);
pub const BREAK: Known = ("builtin:Break", 1);
pub const IGNORE: Known = ("builtin:Ignore", 1);
/// Confirmed, and checked by the validator's `if-else` rules, but not emitted: routes out of a
/// step are a router (every route whose filter holds runs, as §6 says).
pub const IF_ELSE: Known = ("builtin:BasicIfElse", 1);
pub const MERGE: Known = ("builtin:BasicMerge", 1);

/// Every module the validator accepts.
pub const CATALOGUE: &[Known] = &[
    WEBHOOK,
    RESPOND,
    SET_VARIABLE,
    ROUTER,
    HTTP,
    ADD_RECORD,
    GET_RECORD,
    SEARCH_RECORDS,
    EMAIL,
    SLACK,
    BREAK,
    IGNORE,
    IF_ELSE,
    MERGE,
];

/// Make's error-handling directives (the only `builtin:` modules allowed in `onerror`, and
/// the last module of every `onerror` flow).
pub const DIRECTIVES: &[&str] = &[
    "builtin:Break",
    "builtin:Resume",
    "builtin:Ignore",
    "builtin:Rollback",
    "builtin:Commit",
];
