//! Writing an imported fleet as `flotilla.yaml`: only keys the manifest knows, the evidence and
//! the open questions as comments next to what they concern.

use super::category_guess::UNSORTED;
use super::fleet_import::FleetImport;
use super::imported_repo::ImportedRepo;
use super::python_project::VersionSource;
use crate::manifest::builtin;

/// The manifest text of `fleet`, with the open questions as comments.
pub fn manifest_text(fleet: &FleetImport) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "# flotilla.yaml written by `flotilla import` from {} repositories.\n",
        fleet.repos.len()
    ));
    out.push_str(
        "# Review the questions below, then `flotilla check` and\n\
         # `flotilla plan release start X.Y.Z` (it reads the remotes: nothing is changed).\n",
    );
    let open: usize =
        fleet.undecided.len() + fleet.repos.iter().map(|r| r.undecided.len()).sum::<usize>();
    if open > 0 {
        out.push_str("#\n# Could not decide:\n");
        for question in &fleet.undecided {
            comment(&mut out, "", &format!("- fleet: {question}"));
        }
        let per_repo: Vec<String> = fleet
            .repos
            .iter()
            .filter(|r| !r.undecided.is_empty())
            .map(|r| format!("{} ({})", r.name, r.undecided.len()))
            .collect();
        if !per_repo.is_empty() {
            comment(
                &mut out,
                "",
                &format!(
                    "- per repository, written next to each below: {}",
                    per_repo.join(", ")
                ),
            );
        }
    }
    out.push('\n');
    if fleet.repos.iter().any(|r| r.category.category == UNSORTED) {
        out.push_str(
            "categories:\n  # Repositories without build files: release branches and tags, nothing published.\n",
        );
        out.push_str(&format!("  {UNSORTED}: {{}}\n\n"));
    }
    out.push_str("repositories:\n");
    for (index, repo) in fleet.repos.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        write_repo(&mut out, repo);
    }
    out
}

fn write_repo(out: &mut String, repo: &ImportedRepo) {
    comment(
        out,
        "  ",
        &format!(
            "{}: {}, because {}",
            repo.name, repo.category.category, repo.category.because
        ),
    );
    let tags = &repo.tags;
    let mut history = format!("{} version tags", tags.version_tags);
    if tags.dev_tags > 0 {
        history.push_str(&format!(" ({} development)", tags.dev_tags));
    }
    match (tags.newest, &tags.newest_tag) {
        (Some(newest), Some(tag)) if newest.to_string() == *tag => {
            history.push_str(&format!(", newest {tag}"));
        }
        (Some(newest), Some(tag)) => history.push_str(&format!(", newest {newest} (tag {tag})")),
        _ => history.push_str(", newest none"),
    }
    if let Some(release) = tags
        .newest_release_tag
        .as_ref()
        .filter(|t| Some(*t) != tags.newest_tag.as_ref())
    {
        history.push_str(&format!(", newest release {release}"));
    }
    if !tags.release_branches.is_empty() {
        history.push_str(&format!(
            "; release branches {}",
            tags.release_branches.join(", ")
        ));
    }
    comment(out, "  ", &history);
    if let Some(source) = &repo.python_version_source {
        let how = match source {
            VersionSource::Environment(variable) => Some(format!(
                "its Python build reads the version from ${variable}{}",
                if ["PACKAGE_VERSION", "SETUPTOOLS_SCM_PRETEND_VERSION"]
                    .contains(&variable.as_str())
                {
                    " (flotilla's build sets it)"
                } else {
                    ""
                }
            )),
            VersionSource::Module(module) => Some(format!(
                "its Python build reads __version__ from {}",
                repo.evidence.python_module.as_deref().unwrap_or(module)
            )),
            VersionSource::File(file) => Some(format!(
                "its Python build reads the version from {}",
                match repo.python_dir.as_deref() {
                    Some(".") | None => file.clone(),
                    Some(dir) => format!("{dir}/{file}"),
                }
            )),
            VersionSource::Static(version) => {
                Some(format!("its Python build has a fixed version {version}"))
            }
            VersionSource::Dynamic => Some("its Python build computes the version".to_owned()),
            VersionSource::Unknown => None,
        };
        if let Some(how) = how {
            comment(out, "  ", &how);
        }
    }
    if let (Some(path), Some((key, value))) = (&repo.chart_path, &repo.evidence.chart_image) {
        comment(
            out,
            "  ",
            &format!("its chart ({path}) holds the image tag at {key} ({value})"),
        );
    }
    for file in &repo.version_files {
        comment(
            out,
            "  ",
            &format!("{} carries the version: {}", file.path, file.why),
        );
    }
    for question in &repo.undecided {
        comment(out, "  ", &format!("undecided: {question}"));
    }
    out.push_str(&format!("  - name: {}\n", scalar(&repo.name)));
    out.push_str(&format!("    remote: {}\n", scalar(&repo.remote)));
    out.push_str(&format!(
        "    category: {}\n",
        scalar(&repo.category.category)
    ));
    if repo.default_branch != "master" && !repo.default_branch.is_empty() {
        out.push_str(&format!(
            "    default_branch: {}\n",
            scalar(&repo.default_branch)
        ));
    }
    if repo.version_file != "VERSION" {
        out.push_str(&format!(
            "    version_file: {}\n",
            scalar(&repo.version_file)
        ));
    }
    if repo.tag_template != "v{canonical}" {
        out.push_str(&format!(
            "    tag_template: {}\n",
            scalar(&repo.tag_template)
        ));
    }
    if let Some(template) = &repo.version_file_template {
        out.push_str(&format!(
            "    version_file_template: {}\n",
            scalar(template)
        ));
    }
    if let Some(template) = &repo.branch_template {
        out.push_str(&format!("    branch_template: {}\n", scalar(template)));
    }
    if !repo.version_files.is_empty() {
        out.push_str("    version_files:\n");
        for file in &repo.version_files {
            let mut keys = vec![
                format!("path: {}", scalar(&file.path)),
                format!("format: {}", scalar(file.format)),
            ];
            if let Some(template) = &file.template {
                keys.push(format!("template: {}", scalar(template)));
            }
            if let Some(chart_keys) = &file.keys {
                let list: Vec<String> = chart_keys.iter().map(|k| scalar(k)).collect();
                keys.push(format!("keys: [{}]", list.join(", ")));
            }
            out.push_str(&format!("      - {{{}}}\n", keys.join(", ")));
        }
    }
    if !repo.depends_on.is_empty() {
        let deps: Vec<String> = repo.depends_on.iter().map(|d| scalar(d)).collect();
        out.push_str(&format!("    depends_on: [{}]\n", deps.join(", ")));
    }
    let defaults = builtin::category(&repo.category.category).map(|c| c.publishes);
    let mut off = Vec::new();
    if let Some(defaults) = defaults {
        for (kind, on) in [
            ("image", defaults.image),
            ("python", defaults.python),
            ("npm", defaults.npm),
            ("chart", defaults.chart),
        ] {
            if on && !repo.publishes(kind) {
                off.push(format!("{kind}: false"));
            }
        }
    }
    if !off.is_empty() {
        out.push_str(&format!("    publishes: {{{}}}\n", off.join(", ")));
    }
    if repo.publishes("image") && defaults.is_none_or(|d| !d.image) {
        out.push_str("    image: {}\n");
    }
    if repo.publishes("python") {
        let mut keys = Vec::new();
        if let Some(name) = &repo.python_name {
            keys.push(format!("name: {}", scalar(name)));
        }
        if let Some(source) = &repo.python_source {
            keys.push(format!("source: {}", scalar(source)));
        }
        out.push_str(&format!("    python: {{{}}}\n", keys.join(", ")));
    }
    if repo.publishes("npm") {
        let mut keys = Vec::new();
        if let Some(name) = &repo.npm_name {
            keys.push(format!("name: {}", scalar(name)));
        }
        if let Some(directory) = repo.npm_directory.as_ref().filter(|d| *d != ".") {
            keys.push(format!("directory: {}", scalar(directory)));
        }
        out.push_str(&format!("    npm: {{{}}}\n", keys.join(", ")));
    }
    if let Some(path) = &repo.chart_path {
        let mut keys = vec![format!("path: {}", scalar(path))];
        if let Some(key) = &repo.chart_image_tag_key {
            keys.push(format!("image_tag_key: {}", scalar(key)));
        }
        out.push_str(&format!("    chart: {{{}}}\n", keys.join(", ")));
    }
}

/// Comment lines are wrapped to this width, continuations indented.
const WIDTH: usize = 100;

/// `text` as comment lines at `indent`, wrapped at word boundaries.
fn comment(out: &mut String, indent: &str, text: &str) {
    for paragraph in text.lines() {
        let mut line = format!("{indent}# ");
        let start = line.len();
        for word in paragraph.split(' ') {
            if line.len() > start && line.len() + 1 + word.len() > WIDTH {
                out.push_str(line.trim_end());
                out.push('\n');
                line = format!("{indent}#   ");
            }
            if line.len() > start && !line.ends_with("#   ") {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
}

/// A YAML scalar: plain when that cannot be misread, else double-quoted (JSON's escapes are
/// YAML's).
fn scalar(text: &str) -> String {
    let plain = !text.is_empty()
        && text.chars().all(|c| {
            c.is_ascii_alphanumeric() || "._/-@+".contains(c) || (c == ':' && !text.contains(": "))
        })
        && text.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '.' || c == '/')
        && !matches!(
            text.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n"
        )
        && text.parse::<f64>().is_err();
    if plain {
        text.to_owned()
    } else {
        serde_json::Value::String(text.to_owned()).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::scalar;

    #[test]
    fn scalars_are_quoted_when_yaml_would_misread_them() {
        assert_eq!(scalar("identity"), "identity");
        assert_eq!(
            scalar("git@github.com:org/x.git"),
            "git@github.com:org/x.git"
        );
        assert_eq!(scalar("/srv/git/x.git"), "/srv/git/x.git");
        assert_eq!(scalar("{canonical}"), "\"{canonical}\"");
        assert_eq!(
            scalar("@spaceone/design-system"),
            "\"@spaceone/design-system\""
        );
        assert_eq!(scalar("yes"), "\"yes\"");
        assert_eq!(scalar("1.10"), "\"1.10\"");
        assert_eq!(scalar("a b"), "\"a b\"");
    }
}
