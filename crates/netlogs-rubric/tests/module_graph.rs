//! No crate of the workspace holds a module circle (`a` uses `b`, which uses `a`): modules in
//! a circle cannot be read, tested or moved one at a time. The graph is read from the sources:
//! each top-level module's `crate::name` paths (`use crate::{a, b::X}` included), test
//! modules left out. `cargo modules dependencies --acyclic` checks the same by compiling.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module of `src` and the modules of the same crate it names.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("src").flatten() {
        let path = entry.path();
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        if path.is_dir() && path.join("mod.rs").exists() {
            files.insert(name, path.join("mod.rs"));
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main" {
            files.insert(name, path);
        }
    }
    let names: BTreeSet<String> = files.keys().cloned().collect();
    files
        .iter()
        .map(|(name, path)| {
            let text = std::fs::read_to_string(path).expect("read");
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let mut uses: BTreeSet<String> = crate_paths(code)
                .into_iter()
                .filter(|m| names.contains(m))
                .collect();
            uses.remove(name);
            (name.clone(), uses)
        })
        .collect()
}

/// The first segment of every `crate::…` path, braces (`crate::{a, b::{c, d}}`) opened.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut item, mut items) = (0usize, String::new(), Vec::new());
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        items.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            items.push(item);
            out.extend(items.iter().map(|i| first_segment(i.trim())));
        } else {
            out.push(first_segment(rest));
        }
    }
    out
}

fn first_segment(path: &str) -> String {
    path.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// A circle of the graph (its modules in order, the first repeated at the end), if any.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut circle = path[i..].to_vec();
            circle.push(node.to_string());
            return Some(circle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, done, path) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut done, &mut Vec::new()))
}

#[test]
fn no_crate_holds_a_module_circle() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut circles = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&crates).expect("crates").flatten() {
        let src = entry.path().join("src");
        if !src.is_dir() {
            continue;
        }
        checked += 1;
        if let Some(c) = find_circle(&module_graph(&src)) {
            circles.push(format!(
                "{}: {}",
                entry.file_name().to_string_lossy(),
                c.join(" -> ")
            ));
        }
    }
    assert!(
        checked >= 10,
        "found only {checked} crates under {}",
        crates.display()
    );
    assert!(
        circles.is_empty(),
        "module circles:\n{}",
        circles.join("\n")
    );
}

#[test]
fn the_check_sees_a_circle_and_braced_paths() {
    let paths = crate_paths("use crate::{answer::{A, B}, row};\nuse crate::score::Score;");
    assert_eq!(paths, ["answer", "row", "score"]);
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("answer", &["grounding"][..]),
        ("grounding", &["row"][..]),
        ("row", &["answer"][..]),
        ("score", &[][..]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
    .collect();
    assert_eq!(
        find_circle(&graph).expect("circle"),
        ["answer", "grounding", "row", "answer"]
    );
}
