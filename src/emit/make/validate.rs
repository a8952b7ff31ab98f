//! The structural validator: every rule of Make's blueprint format that the target relies on,
//! checked on the JSON itself (so tests can mutate a blueprint and see the rule fire).
//!
//! Each problem starts with the name of the rule it breaks (see [`RULES`]).

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::modules;

/// The rules, by name.
pub const RULES: &[&str] = &[
    "top-level-keys",
    "name",
    "flow-non-empty",
    "metadata-version",
    "scenario-settings",
    "designer-orphans",
    "module-id",
    "unique-ids",
    "module-name",
    "module-version",
    "known-module",
    "designer-place",
    "designer-layout",
    "router-mapper",
    "router-routes",
    "filter-on-router",
    "filter-shape",
    "first-module-filter",
    "if-else-shape",
    "if-else-one-else",
    "if-else-empty-branch",
    "if-else-no-branching",
    "if-else-merge",
    "reference",
    "onerror",
    "binding",
    "placeholder",
    "exporter-metadata",
];

const SETTINGS: &[&str] = &[
    "roundtrips",
    "maxErrors",
    "autoCommit",
    "autoCommitTriggerLast",
    "freshVariables",
];
const EXPORTER_ONLY: &[&str] = &["restore", "expect", "interface", "parameters", "advanced"];
/// Top-level keys of a published blueprint.
const TOP_LEVEL: &[&str] = &["name", "description", "flow", "metadata"];
/// Parameters that bind a blueprint to one account (connections, keys, webhooks, data stores,
/// agents, keychains): users attach them after import. `account` is the connection of the
/// Google apps.
const BINDINGS: &[&str] = &[
    "__IMTCONN__",
    "__IMTKEY__",
    "hook",
    "datastore",
    "agent",
    "account",
    "apiKeyKeychain",
    "basicAuthKeychain",
    "oAuthAccount",
    "proxyKeychain",
    "bodyDataStructure",
];

/// Checks one blueprint; returns every problem found (empty when valid).
pub fn validate(bp: &Value) -> Vec<String> {
    let mut v = Validator::default();
    v.top(bp);
    v.problems
}

#[derive(Default)]
struct Validator {
    problems: Vec<String>,
    ids: HashSet<u64>,
    references: BTreeSet<(u64, String)>,
}

impl Validator {
    #[allow(clippy::needless_pass_by_value)]
    fn fail(&mut self, rule: &str, what: String) {
        self.problems.push(format!("{rule}: {what}"));
    }

    fn top(&mut self, bp: &Value) {
        if let Some(o) = bp.as_object() {
            for key in o.keys() {
                if !TOP_LEVEL.contains(&key.as_str()) {
                    self.fail(
                        "top-level-keys",
                        format!("unexpected top-level key `{key}`"),
                    );
                }
            }
        } else {
            self.fail("top-level-keys", "a blueprint is a JSON object".into());
        }
        match bp.get("name").and_then(Value::as_str) {
            Some(n) if (1..=120).contains(&n.chars().count()) => {}
            _ => self.fail(
                "name",
                "`name` must be a string of 1 to 120 characters".into(),
            ),
        }
        let flow = bp.get("flow").and_then(Value::as_array);
        match flow {
            Some(f) if !f.is_empty() => {}
            _ => self.fail("flow-non-empty", "`flow` must be a non-empty array".into()),
        }
        let meta = bp.get("metadata");
        if meta.and_then(|m| m.get("version")).and_then(Value::as_u64) != Some(1) {
            self.fail("metadata-version", "`metadata.version` must be 1".into());
        }
        match meta
            .and_then(|m| m.get("scenario"))
            .and_then(Value::as_object)
        {
            Some(s) => {
                for key in SETTINGS {
                    if !s.contains_key(*key) {
                        self.fail(
                            "scenario-settings",
                            format!("`metadata.scenario.{key}` is missing"),
                        );
                    }
                }
            }
            None => self.fail(
                "scenario-settings",
                "`metadata.scenario` must be an object".into(),
            ),
        }
        let orphans = meta
            .and_then(|m| m.get("designer"))
            .and_then(|d| d.get("orphans"))
            .and_then(Value::as_array);
        if !orphans.is_some_and(Vec::is_empty) {
            self.fail(
                "designer-orphans",
                "`metadata.designer.orphans` must be `[]`".into(),
            );
        }
        if let Some(flow) = flow {
            if flow
                .first()
                .and_then(|m| m.get("filter"))
                .is_some_and(|f| !f.is_null())
            {
                self.fail(
                    "first-module-filter",
                    "the first module of a scenario has a filter".into(),
                );
            }
            // Modules are walked with an explicit stack: nesting depth is not bounded by the
            // call stack.
            let mut stack: Vec<(&Value, bool)> = flow.iter().rev().map(|m| (m, false)).collect();
            while let Some((m, in_onerror)) = stack.pop() {
                self.module(m, in_onerror);
                for key in ["routes", "branches"] {
                    for r in m
                        .get(key)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .rev()
                    {
                        if let Some(f) = r.get("flow").and_then(Value::as_array) {
                            stack.extend(f.iter().rev().map(|m| (m, in_onerror)));
                        }
                    }
                }
                if let Some(handlers) = m.get("onerror").and_then(Value::as_array) {
                    stack.extend(handlers.iter().rev().map(|m| (m, true)));
                }
            }
            for f in flows(flow) {
                self.flow(f);
            }
        }
        let refs = std::mem::take(&mut self.references);
        for (id, text) in refs {
            if !self.ids.contains(&id) {
                self.fail(
                    "reference",
                    format!("`{text}` refers to module {id}, which does not exist"),
                );
            }
        }
        self.bindings(bp);
    }

    fn module(&mut self, m: &Value, in_onerror: bool) {
        let id = m.get("id").and_then(Value::as_u64).filter(|&i| i >= 1);
        let Some(id) = id else {
            self.fail("module-id", "a module's `id` must be an integer ≥ 1".into());
            return;
        };
        if !self.ids.insert(id) {
            self.fail("unique-ids", format!("module id {id} is used twice"));
        }
        let name = m.get("module").and_then(Value::as_str).unwrap_or("");
        if !module_name_ok(name) {
            self.fail(
                "module-name",
                format!("module {id}: `{name}` is not `app:Module`"),
            );
        }
        let version = m.get("version").and_then(Value::as_u64).filter(|&v| v >= 1);
        match version {
            None => self.fail(
                "module-version",
                format!("module {id}: `version` must be a positive integer"),
            ),
            Some(v) => {
                let known = modules::CATALOGUE
                    .iter()
                    .any(|(n, kv)| *n == name && u64::from(*kv) == v);
                let directive = in_onerror && modules::DIRECTIVES.contains(&name);
                if !(known || directive) {
                    self.fail(
                        "known-module",
                        format!("module {id}: `{name}` version {v} is not a confirmed module"),
                    );
                }
            }
        }
        if name == "placeholder:Placeholder" {
            self.fail("placeholder", format!("module {id} is a placeholder"));
        }
        let designer = m.get("metadata").and_then(|md| md.get("designer"));
        let placed = designer.is_some_and(|d| {
            d.get("x").is_some_and(Value::is_i64) && d.get("y").is_some_and(Value::is_i64)
        });
        if !placed {
            self.fail(
                "designer-place",
                format!("module {id}: `metadata.designer.x` and `.y` must be integers"),
            );
        }
        if let Some(md) = m.get("metadata").and_then(Value::as_object) {
            for key in EXPORTER_ONLY {
                if md.contains_key(*key) {
                    self.fail(
                        "exporter-metadata",
                        format!("module {id}: `metadata.{key}` is exporter-only"),
                    );
                }
            }
        }
        let filter = m.get("filter").filter(|f| !f.is_null());
        if name == "builtin:BasicRouter" {
            if !m.get("mapper").is_some_and(Value::is_null) {
                self.fail(
                    "router-mapper",
                    format!("router {id}: `mapper` must be null"),
                );
            }
            let routes_ok = m.get("routes").and_then(Value::as_array).is_some_and(|rs| {
                !rs.is_empty()
                    && rs.iter().all(|r| {
                        r.get("flow")
                            .and_then(Value::as_array)
                            .is_some_and(|f| !f.is_empty())
                    })
            });
            if !routes_ok {
                self.fail(
                    "router-routes",
                    format!("router {id}: every route needs a non-empty `flow`"),
                );
            }
            if filter.is_some() {
                self.fail(
                    "filter-on-router",
                    format!("router {id} has a filter; filters sit on a route's first module"),
                );
            }
        }
        if let Some(f) = filter {
            if !filter_ok(f) {
                self.fail(
                    "filter-shape",
                    format!("module {id}: a filter is `{{name, conditions: [[{{a, o, b}}]]}}`"),
                );
            }
        }
        if in_onerror && name.starts_with("builtin:") && !modules::DIRECTIVES.contains(&name) {
            self.fail(
                "onerror",
                format!("module {id}: `{name}` is not an error-handling directive"),
            );
        }
        if let Some(h) = m.get("onerror") {
            let last_is_directive = h
                .as_array()
                .and_then(|a| a.last())
                .and_then(|l| l.get("module"))
                .and_then(Value::as_str)
                .is_some_and(|n| modules::DIRECTIVES.contains(&n));
            if !last_is_directive {
                self.fail(
                    "onerror",
                    format!("module {id}: an `onerror` flow must end with a directive"),
                );
            }
        }
        for key in ["mapper", "filter", "parameters"] {
            if let Some(value) = m.get(key) {
                self.collect_references(value);
            }
        }
        if let Some(params) = m.get("parameters").and_then(Value::as_object) {
            for key in BINDINGS {
                if params.contains_key(*key) {
                    self.fail(
                        "binding",
                        format!("module {id}: `parameters.{key}` is attached after import"),
                    );
                }
            }
        }
        if name == "builtin:BasicIfElse" {
            self.if_else(id, m);
        }
        if name == "builtin:BasicMerge" && !m.get("mapper").is_some_and(Value::is_null) {
            self.fail(
                "if-else-merge",
                format!("merge {id}: `mapper` must be null"),
            );
        }
    }

    /// `builtin:BasicIfElse`: `mapper: null`; branches of type `condition` (with conditions)
    /// or `else` (at most one, without); no empty branch; no router or if-else inside.
    fn if_else(&mut self, id: u64, m: &Value) {
        if !m.get("mapper").is_some_and(Value::is_null) {
            self.fail(
                "if-else-shape",
                format!("if-else {id}: `mapper` must be null"),
            );
        }
        let branches = m.get("branches").and_then(Value::as_array);
        let Some(branches) = branches.filter(|b| !b.is_empty()) else {
            self.fail(
                "if-else-shape",
                format!("if-else {id}: `branches` must be a non-empty array"),
            );
            return;
        };
        let mut elses = 0;
        for (b, br) in branches.iter().enumerate() {
            let ty = br.get("type").and_then(Value::as_str);
            let conditions = br.get("conditions");
            match ty {
                Some("else") => {
                    elses += 1;
                    if conditions.is_some() {
                        self.fail(
                            "if-else-shape",
                            format!("if-else {id}: the `else` branch {b} has conditions"),
                        );
                    }
                }
                Some("condition") => {
                    if conditions
                        .and_then(Value::as_array)
                        .is_none_or(Vec::is_empty)
                    {
                        self.fail(
                            "if-else-empty-branch",
                            format!("if-else {id}: branch {b} has no conditions"),
                        );
                    }
                }
                _ => self.fail(
                    "if-else-shape",
                    format!("if-else {id}: branch {b} is neither `condition` nor `else`"),
                ),
            }
            let flow = br.get("flow").and_then(Value::as_array);
            let Some(flow) = flow.filter(|f| !f.is_empty()) else {
                self.fail(
                    "if-else-empty-branch",
                    format!("if-else {id}: branch {b} has an empty `flow`"),
                );
                continue;
            };
            for inner in flows(flow).into_iter().flatten() {
                let n = inner.get("module").and_then(Value::as_str).unwrap_or("");
                if n == "builtin:BasicRouter" || n == "builtin:BasicIfElse" {
                    self.fail(
                        "if-else-no-branching",
                        format!("if-else {id}: branch {b} holds `{n}`"),
                    );
                }
            }
        }
        if elses > 1 {
            self.fail(
                "if-else-one-else",
                format!("if-else {id}: {elses} `else` branches, at most one"),
            );
        }
    }

    /// One flow: modules left to right, each if-else followed by its merge, each merge after
    /// an if-else, and the routes of a router right of it, each starting on its own row.
    fn flow(&mut self, flow: &[Value]) {
        let x = |m: &Value| m.pointer("/metadata/designer/x").and_then(Value::as_i64);
        let y = |m: &Value| m.pointer("/metadata/designer/y").and_then(Value::as_i64);
        let name = |m: &Value| {
            m.get("module")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let id = |m: &Value| m.get("id").and_then(Value::as_u64).unwrap_or(0);
        for pair in flow.windows(2) {
            if let (Some(a), Some(b)) = (x(&pair[0]), x(&pair[1])) {
                if b <= a {
                    self.fail(
                        "designer-layout",
                        format!(
                            "module {} is not right of module {}",
                            id(&pair[1]),
                            id(&pair[0])
                        ),
                    );
                }
            }
        }
        for (i, m) in flow.iter().enumerate() {
            let next = flow.get(i + 1).map(name);
            let previous = i.checked_sub(1).and_then(|p| flow.get(p)).map(name);
            if name(m) == "builtin:BasicIfElse" && next.as_deref() != Some("builtin:BasicMerge") {
                self.fail(
                    "if-else-merge",
                    format!("if-else {} is not followed by `builtin:BasicMerge`", id(m)),
                );
            }
            if name(m) == "builtin:BasicMerge" && previous.as_deref() != Some("builtin:BasicIfElse")
            {
                self.fail(
                    "if-else-merge",
                    format!("merge {} does not follow a `builtin:BasicIfElse`", id(m)),
                );
            }
            let Some(routes) = m.get("routes").and_then(Value::as_array) else {
                continue;
            };
            let mut rows = BTreeSet::new();
            for r in routes {
                let Some(first) = r.pointer("/flow/0") else {
                    continue;
                };
                if let (Some(router), Some(start)) = (x(m), x(first)) {
                    if start <= router {
                        self.fail(
                            "designer-layout",
                            format!("route of router {} starts left of it", id(m)),
                        );
                    }
                }
                if let Some(row) = y(first) {
                    if !rows.insert(row) {
                        self.fail(
                            "designer-layout",
                            format!("two routes of router {} start on row {row}", id(m)),
                        );
                    }
                }
            }
        }
    }

    fn collect_references(&mut self, value: &Value) {
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) => {
                    for (id, text) in references(s) {
                        self.references.insert((id, text));
                    }
                }
                Value::Array(a) => stack.extend(a),
                Value::Object(o) => stack.extend(o.values()),
                _ => {}
            }
        }
    }

    fn bindings(&mut self, bp: &Value) {
        let mut stack = vec![bp];
        while let Some(v) = stack.pop() {
            match v {
                Value::String(s) if s.contains("__IMTCONN__") || s.contains("__IMTKEY__") => {
                    self.fail(
                        "binding",
                        "a connection or key binding is in the blueprint".into(),
                    );
                }
                Value::Array(a) => stack.extend(a),
                Value::Object(o) => {
                    if o.keys().any(|k| k == "__IMTCONN__" || k == "__IMTKEY__") {
                        self.fail(
                            "binding",
                            "a connection or key binding is in the blueprint".into(),
                        );
                    }
                    stack.extend(o.values());
                }
                _ => {}
            }
        }
    }
}

/// `^[a-z][a-z0-9-]*:[A-Za-z0-9]+$`
fn module_name_ok(name: &str) -> bool {
    let Some((app, module)) = name.split_once(':') else {
        return false;
    };
    let mut app_chars = app.chars();
    app_chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && app_chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !module.is_empty()
        && module.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Every flow of a blueprint: `flow` itself and, nested, every route, branch and `onerror`
/// (collected with an explicit stack).
fn flows(top: &[Value]) -> Vec<&[Value]> {
    let mut out = Vec::new();
    let mut stack = vec![top];
    while let Some(f) = stack.pop() {
        out.push(f);
        for m in f {
            for key in ["routes", "branches"] {
                for r in m.get(key).and_then(Value::as_array).into_iter().flatten() {
                    if let Some(inner) = r.get("flow").and_then(Value::as_array) {
                        stack.push(inner);
                    }
                }
            }
            if let Some(h) = m.get("onerror").and_then(Value::as_array) {
                stack.push(h);
            }
        }
    }
    out
}

/// Filter operators: `exist`, `notexist`, or `type:operator` with an optional `:ci`.
fn operator_ok(o: &str) -> bool {
    if o == "exist" || o == "notexist" {
        return true;
    }
    let mut parts = o.split(':');
    let ty = parts.next().unwrap_or("");
    let op = parts.next().unwrap_or("");
    let rest: Vec<&str> = parts.collect();
    ["text", "number", "date", "time", "boolean", "array"].contains(&ty)
        && !op.is_empty()
        && op.chars().all(|c| c.is_ascii_lowercase())
        && (rest.is_empty() || rest == ["ci"])
}

fn filter_ok(f: &Value) -> bool {
    f.get("name").is_some_and(Value::is_string)
        && f.get("conditions")
            .and_then(Value::as_array)
            .is_some_and(|ors| {
                !ors.is_empty()
                    && ors.iter().all(|and| {
                        and.as_array().is_some_and(|atoms| {
                            !atoms.is_empty()
                                && atoms.iter().all(|c| {
                                    c.get("a").is_some_and(Value::is_string)
                                        && c.get("o")
                                            .and_then(Value::as_str)
                                            .is_some_and(operator_ok)
                                })
                        })
                    })
            })
}

/// The module ids referenced by `{{N.…}}` (directly or inside a formula) in a mapped text.
fn references(s: &str) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let inner = &rest[start + 2..];
        let end = inner.find("}}").unwrap_or(inner.len());
        let formula = &inner[..end];
        // Inside a formula, a module reference is digits followed by a dot, not part of a name
        // or a number.
        let bytes = formula.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i].is_ascii_digit()
                && (i == 0
                    || !(bytes[i - 1].is_ascii_alphanumeric()
                        || bytes[i - 1] == b'.'
                        || bytes[i - 1] == b'_'
                        || bytes[i - 1] == b'"'))
            {
                let j = bytes[i..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .map_or(bytes.len(), |p| i + p);
                if bytes.get(j) == Some(&b'.')
                    && bytes
                        .get(j + 1)
                        .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
                {
                    if let Ok(id) = formula[i..j].parse() {
                        out.push((id, format!("{{{{{formula}}}}}")));
                    }
                }
                i = j;
            } else {
                i += 1;
            }
        }
        rest = &inner[end.min(inner.len())..];
    }
    out
}
