//! Keeps `docs/api/openapi.yaml` honest: every route the router serves is documented, every
//! documented operation is served, and each operation says how it succeeds and who may call it.
//! Needs no database: it compares the document with `kenangan::app::route_list()`.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api/openapi.yaml");

/// Routes anyone may call without a token (DESIGN §5; the QR image is for `<img>` tags).
const PUBLIC: &[(&str, &str)] = &[
    ("GET", "/api/v1/health"),
    ("POST", "/api/v1/auth/login"),
    ("GET", "/api/v1/tables/{id}/qr.png"),
    // The WebSocket upgrade: browsers cannot send a header, so the token comes in-band.
    ("GET", "/api/v1/ws"),
];

const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn spec() -> Value {
    let text = std::fs::read_to_string(SPEC_PATH)
        .unwrap_or_else(|e| panic!("cannot read {SPEC_PATH}: {e}"));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{SPEC_PATH} is not valid YAML: {e}"))
}

fn get<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    v.as_mapping()?.get(key)
}

fn str_key(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("unexpected mapping key {other:?}"),
    }
}

/// axum 0.8 writes parameters as `{id}` like OpenAPI; a catch-all `{*rest}` is `{rest}` there.
fn normalize(path: &str) -> String {
    path.replace("{*", "{")
}

/// The path part of the first server URL (`/api/v1`, or `https://host/api/v1`), without a trailing `/`.
fn server_base(doc: &Value) -> String {
    let url = get(doc, "servers")
        .and_then(Value::as_sequence)
        .and_then(|s| s.first())
        .and_then(|s| get(s, "url"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let path = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/').map(|j| &rest[j..]).unwrap_or("")
        }
        None => url,
    };
    path.trim_end_matches('/').to_string()
}

struct Operation<'a> {
    method: String,
    /// The full path, server base included.
    path: String,
    /// The path as written in the document.
    doc_path: String,
    path_item: &'a Value,
    op: &'a Value,
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let base = server_base(doc);
    let paths = get(doc, "paths")
        .and_then(Value::as_mapping)
        .expect("the document has `paths`");
    let mut out = vec![];
    for (p, item) in paths {
        let doc_path = str_key(p);
        let item_map = item
            .as_mapping()
            .unwrap_or_else(|| panic!("path {doc_path} is not a mapping"));
        for (m, op) in item_map {
            let m = str_key(m);
            if !HTTP_METHODS.contains(&m.as_str()) {
                continue;
            }
            out.push(Operation {
                method: m.to_ascii_uppercase(),
                path: normalize(&format!("{base}{doc_path}")),
                doc_path: doc_path.clone(),
                path_item: item,
                op,
            });
        }
    }
    out
}

fn is_public(method: &str, path: &str) -> bool {
    PUBLIC.iter().any(|(m, p)| *m == method && *p == path)
}

#[test]
fn server_url_is_the_api_prefix() {
    let doc = spec();
    let version = get(&doc, "openapi").and_then(Value::as_str).unwrap_or("");
    assert!(
        version.starts_with("3.0"),
        "openapi version should be 3.0.x, is {version:?}"
    );
    assert_eq!(
        server_base(&doc),
        kenangan::app::API_PREFIX,
        "servers[0].url must point at the API prefix, since paths are written relative to it"
    );
}

#[test]
fn every_route_is_documented_and_every_documented_operation_is_served() {
    let doc = spec();
    let routes = kenangan::app::route_list();

    let mut served = BTreeSet::new();
    let mut dup_routes = vec![];
    for (m, p) in &routes {
        if !served.insert((m.as_str().to_string(), normalize(p))) {
            dup_routes.push(format!("{m} {p}"));
        }
    }
    assert!(
        dup_routes.is_empty(),
        "route_list() registers these twice: {dup_routes:#?}"
    );

    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|o| (o.method, o.path))
        .collect();

    let undocumented: Vec<String> = served
        .difference(&documented)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    let unserved: Vec<String> = documented
        .difference(&served)
        .map(|(m, p)| format!("{m} {p}"))
        .collect();
    let mut problems = String::new();
    if !undocumented.is_empty() {
        problems += &format!(
            "\nroutes the router serves but docs/api/openapi.yaml lacks ({}):\n  {}\n",
            undocumented.len(),
            undocumented.join("\n  ")
        );
    }
    if !unserved.is_empty() {
        problems += &format!(
            "\noperations docs/api/openapi.yaml documents but the router lacks ({}):\n  {}\n",
            unserved.len(),
            unserved.join("\n  ")
        );
    }
    assert!(problems.is_empty(), "{problems}");
}

#[test]
fn every_operation_has_a_success_response_and_a_unique_id() {
    let doc = spec();
    let mut missing = vec![];
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for o in operations(&doc) {
        let name = format!("{} {}", o.method, o.path);
        let has_2xx = get(o.op, "responses")
            .and_then(Value::as_mapping)
            .is_some_and(|r| {
                r.keys().map(str_key).any(|code| {
                    // 101 is how a WebSocket upgrade succeeds.
                    code.len() == 3 && code.starts_with('2')
                        || code.eq_ignore_ascii_case("2XX")
                        || code == "101"
                })
            });
        if !has_2xx {
            missing.push(name.clone());
        }
        match get(o.op, "operationId").and_then(Value::as_str) {
            Some(id) => ids.entry(id.to_string()).or_default().push(name),
            None => missing.push(format!("{name} (no operationId)")),
        }
    }
    assert!(
        missing.is_empty(),
        "operations without a 2xx response or an operationId: {missing:#?}"
    );
    let dups: Vec<_> = ids.into_iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(dups.is_empty(), "operationIds used twice: {dups:#?}");
}

#[test]
fn non_public_operations_require_a_bearer_token_and_name_their_roles() {
    let doc = spec();
    let scheme = get(&doc, "components")
        .and_then(|c| get(c, "securitySchemes"))
        .and_then(|s| get(s, "bearerAuth"))
        .expect("components.securitySchemes.bearerAuth is defined");
    assert_eq!(get(scheme, "type").and_then(Value::as_str), Some("http"));
    assert_eq!(
        get(scheme, "scheme")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .as_deref(),
        Some("bearer")
    );

    let global = get(&doc, "security");
    let mut problems = vec![];
    for o in operations(&doc) {
        let name = format!("{} {}", o.method, o.path);
        // Operation-level `security` overrides the document's.
        let effective = get(o.op, "security").or(global);
        let requirements = effective
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        let uses_bearer = requirements
            .iter()
            .any(|req| get(req, "bearerAuth").is_some());
        let anonymous_allowed = requirements.is_empty()
            || requirements
                .iter()
                .any(|req| req.as_mapping().is_some_and(|m| m.is_empty()));
        if is_public(&o.method, &o.path) {
            if !anonymous_allowed {
                problems.push(format!("{name} is public: declare `security: []` on it"));
            }
            continue;
        }
        if !uses_bearer || anonymous_allowed {
            problems.push(format!(
                "{name} must declare bearerAuth security (and only it)"
            ));
        }
        let description = get(o.op, "description")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !description.contains("Roles:") {
            problems.push(format!(
                "{name}: its description should say who may call it (\"Roles: ...\")"
            ));
        }
        let has_401 = get(o.op, "responses")
            .and_then(Value::as_mapping)
            .is_some_and(|r| r.keys().map(str_key).any(|c| c == "401"));
        if !has_401 {
            problems.push(format!("{name} should document its 401 response"));
        }
    }
    assert!(problems.is_empty(), "security problems: {problems:#?}");
}

/// Each `{param}` in a path is declared `in: path` (on the path or the operation), and no
/// declared path parameter is missing from the path.
#[test]
fn path_parameters_match_the_path_templates() {
    let doc = spec();
    let mut problems = vec![];
    for o in operations(&doc) {
        let in_template: BTreeSet<String> = o
            .doc_path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .map(|s| s.trim_start_matches('*').to_string())
            .collect();
        let mut declared = BTreeSet::new();
        for level in [o.path_item, o.op] {
            for p in get(level, "parameters")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                let p = resolve(&doc, p);
                if get(p, "in").and_then(Value::as_str) == Some("path") {
                    if let Some(n) = get(p, "name").and_then(Value::as_str) {
                        declared.insert(n.to_string());
                    }
                }
            }
        }
        if in_template != declared {
            problems.push(format!(
                "{} {}: path template has {:?}, declared path parameters are {:?}",
                o.method, o.doc_path, in_template, declared
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Follows a local `$ref` (`#/components/...`) once, or returns the value itself.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match get(v, "$ref").and_then(Value::as_str) {
        Some(r) => lookup(doc, r).unwrap_or_else(|| panic!("dangling $ref {r}")),
        None => v,
    }
}

fn lookup<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix("#/")?;
    pointer.split('/').try_fold(doc, |node, part| {
        let part = part.replace("~1", "/").replace("~0", "~");
        get(node, &part)
    })
}

#[test]
fn every_ref_resolves() {
    fn walk(doc: &Value, v: &Value, dangling: &mut Vec<String>) {
        match v {
            Value::Mapping(m) => {
                for (k, child) in m {
                    if k.as_str() == Some("$ref") {
                        let r = child.as_str().unwrap_or("");
                        if lookup(doc, r).is_none() {
                            dangling.push(r.to_string());
                        }
                    } else {
                        walk(doc, child, dangling);
                    }
                }
            }
            Value::Sequence(s) => s.iter().for_each(|c| walk(doc, c, dangling)),
            Value::Tagged(t) => walk(doc, &t.value, dangling),
            _ => {}
        }
    }
    let doc = spec();
    let mut dangling = vec![];
    walk(&doc, &doc, &mut dangling);
    dangling.sort();
    dangling.dedup();
    assert!(
        dangling.is_empty(),
        "$refs that point nowhere: {dangling:#?}"
    );
}
