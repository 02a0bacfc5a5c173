//! The server's top-level modules are layers: each may import only from
//! the layers below it (ARCHITECTURE.md draws them). This reads every
//! source file, finds each `crate::<module>` it names, and fails on an
//! arrow that runs sideways or up, naming the file and the arrow; so an
//! import circle between top-level modules cannot come back unnoticed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top to bottom. Modules on one row are siblings that must not import
/// each other.
const LAYERS: &[&[&str]] = &[
    // The binary's flags and file (`main.rs` declares it; the library
    // never sees it).
    &["cli"],
    &["server", "testing"],
    &["net"],
    &["plain"],
    &["commands"],
    &["state"],
    &["config"],
    &["history"],
    &["link"],
    &["caps", "clock", "credentials", "glob", "printable", "texts"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

fn source_files(dir: &Path, found: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).expect("the source folder is readable");
    for entry in entries {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            source_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file belongs to (`src/state/client.rs` →
/// `state`); `None` for the crate root and the binary.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let module = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(module, "lib" | "main")).then(|| module.to_owned())
}

/// Every `crate::name` the text mentions, outside comments and unit
/// tests (a test may build its fixture from any layer, as the
/// integration tests do).
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for line in text.lines() {
        if line.trim() == "#[cfg(test)]" {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                names.insert(name);
            }
            rest = after;
        }
        // `use crate::{a, b}` names several at once.
        if let Some(at) = code.find("crate::{") {
            let group = &code[at + "crate::{".len()..];
            for part in group.split([',', '}']) {
                let name: String = part
                    .trim()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    names.insert(name);
                }
            }
        }
    }
    names
}

#[test]
fn every_import_runs_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in &files {
        let Some(module) = module_of(&src, file) else {
            continue;
        };
        if file.file_name().is_some_and(|name| name == "tests.rs") {
            continue;
        }
        let Some(from) = layer_of(&module) else {
            wrong.push(format!(
                "{}: module `{module}` has no layer in tests/layers.rs",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("a source file is readable");
        for named in named_modules(&text) {
            if named == module {
                continue;
            }
            match layer_of(&named) {
                Some(to) if to > from => {}
                Some(_) => wrong.push(format!(
                    "{}: `{module}` imports `{named}`, which is not below it",
                    file.strip_prefix(&src).unwrap_or(file).display()
                )),
                // A name re-exported at the root (`crate::Config`) or a
                // macro path is not a module.
                None => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that break the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_check_sees_an_upward_import() {
    // The checker itself: a `use` of a higher layer is found.
    let names = named_modules("use crate::state::State;\nuse crate::{net, caps::Cap};");
    assert!(names.contains("state") && names.contains("net") && names.contains("caps"));
    assert!(layer_of("state") < layer_of("history"));
}
