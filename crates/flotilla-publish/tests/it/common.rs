use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

pub use flotilla_testkit::run;

/// Writes `files` (relative path, content) under `root`; paths ending in `.sh` are executable.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (rel, content) in files {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        let executable = Path::new(rel).extension().is_some_and(|e| e == "sh");
        let mode = if executable { 0o755 } else { 0o644 };
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    }
}

/// Sets every file's mtime under `root` to some other time: outputs must not depend on it.
pub fn touch_all(root: &Path) {
    let when = SystemTime::now() - Duration::from_hours(24 * 42);
    for entry in walk(root) {
        if entry.is_file() {
            fs::File::options()
                .write(true)
                .open(&entry)
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
    }
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

/// Names of the entries of a gzip tar archive, in archive order.
pub fn tar_gz_names(path: &Path) -> Vec<String> {
    let file = fs::File::open(path).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
        .collect()
}
