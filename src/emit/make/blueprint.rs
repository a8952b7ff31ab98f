//! The serde structs of Make's blueprint format, as far as the target writes it.

use serde::Serialize;
use serde_json::Value;

/// One scenario.
#[derive(Serialize)]
pub struct Blueprint {
    pub name: String,
    pub flow: Vec<Module>,
    pub metadata: Metadata,
}

/// Scenario metadata.
#[derive(Serialize)]
pub struct Metadata {
    pub version: u32,
    pub scenario: Settings,
    pub designer: Designer,
}

/// Scenario settings (Make's own flags, hence the many bools).
#[derive(Serialize)]
#[allow(clippy::struct_excessive_bools)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub roundtrips: u32,
    pub max_errors: u32,
    pub auto_commit: bool,
    pub auto_commit_trigger_last: bool,
    pub sequential: bool,
    pub confidential: bool,
    pub data_loss: bool,
    pub dlq: bool,
    pub fresh_variables: bool,
}

impl Default for Settings {
    fn default() -> Self {
        // Incomplete executions are kept (`dlq`) so that an irreversible step that failed waits
        // for the owner instead of being lost.
        Settings {
            roundtrips: 1,
            max_errors: 3,
            auto_commit: true,
            auto_commit_trigger_last: true,
            sequential: false,
            confidential: false,
            data_loss: false,
            dlq: true,
            fresh_variables: true,
        }
    }
}

/// `designer.orphans`: always empty.
#[derive(Serialize)]
pub struct Designer {
    pub orphans: Vec<Value>,
}

/// A module.
#[derive(Serialize)]
pub struct Module {
    pub id: u32,
    pub module: &'static str,
    pub version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<Filter>,
    pub parameters: Value,
    pub mapper: Value,
    pub metadata: ModuleMetadata,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<Route>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub onerror: Vec<Module>,
}

/// A module's metadata: only its place and its name in the designer.
#[derive(Serialize)]
pub struct ModuleMetadata {
    pub designer: Place,
}

/// Where a module sits, and the name shown on it.
#[derive(Serialize)]
pub struct Place {
    pub x: i64,
    pub y: i64,
    pub name: String,
}

/// A route of a router.
#[derive(Serialize)]
pub struct Route {
    pub flow: Vec<Module>,
}

/// A filter on the first module of a route: an OR of ANDs.
#[derive(Serialize, Clone)]
pub struct Filter {
    pub name: String,
    pub conditions: Vec<Vec<Condition>>,
}

/// One comparison of a filter.
#[derive(Serialize, Clone)]
pub struct Condition {
    pub a: String,
    pub o: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<String>,
}
