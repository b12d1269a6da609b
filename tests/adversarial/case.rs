//! Reading the case files.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// One case: where it is, what it says, and the whole file for its kind to read.
pub struct Case {
    /// Its path under `tests/adversarial/cases/`.
    pub path: String,
    pub description: String,
    pub kind: String,
    /// The code it must be refused with, or `accept`.
    pub expect: String,
    /// The whole file.
    pub spec: Value,
}

impl Case {
    /// A member of the case file; a harness error names the case and member.
    pub fn get(&self, name: &str) -> Result<&Value, String> {
        self.spec
            .get(name)
            .ok_or_else(|| format!("the case has no \"{name}\""))
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/adversarial/cases")
}

/// Every case, in path order; a file that is not a well-formed case fails the run.
pub fn load_all() -> Vec<Case> {
    let root = root();
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let path = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let spec: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
                .unwrap_or_else(|e| panic!("{path}: not JSON: {e}"));
            let text = |name: &str| {
                spec.get(name)
                    .and_then(Value::as_str)
                    .unwrap_or_else(|| panic!("{path}: \"{name}\" must be a string"))
                    .to_owned()
            };
            Case {
                description: text("description"),
                kind: text("kind"),
                expect: text("expect"),
                path,
                spec,
            }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}
