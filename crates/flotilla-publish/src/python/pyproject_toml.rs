/// The text of a `pyproject.toml`, edited as text so that everything but the one value
/// changed (comments, order, spacing) stays as the project wrote it.
#[derive(Debug, Clone)]
pub struct PyprojectToml<'a> {
    text: &'a str,
}

impl<'a> PyprojectToml<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text }
    }

    /// The text with the static `version = "…"` of the `[project]` table set to `version`;
    /// `None` when the table has no static version (it is `dynamic`, or there is no
    /// `[project]` table): the build backend then finds the version itself.
    pub fn with_version(&self, version: &str) -> Option<String> {
        let mut table = String::new();
        let mut offset = 0;
        for line in self.text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let trimmed = line.trim();
            if let Some(header) = trimmed.strip_prefix('[') {
                header
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_matches('[')
                    .trim()
                    .clone_into(&mut table);
                continue;
            }
            if table != "project" {
                continue;
            }
            let Some(rest) = line.trim_start().strip_prefix("version") else {
                continue;
            };
            let Some(value) = rest.trim_start().strip_prefix('=') else {
                continue;
            };
            let value = value.trim_start();
            let quote = value.chars().next().filter(|c| matches!(c, '"' | '\''))?;
            let inner = &value[1..];
            let end = inner.find(quote)?;
            let value_start = start + (line.len() - value.len()) + 1;
            let mut out = String::with_capacity(self.text.len() + version.len());
            out.push_str(&self.text[..value_start]);
            out.push_str(version);
            out.push_str(&self.text[value_start + end..]);
            return Some(out);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_project_version() {
        let text = "[build-system]\nrequires = [\"setuptools\"]\n\n[project]\nname = \"x\"\n\
                    version   = '0.0.0'  # set by the release\n\n[tool.x]\nversion = \"9\"\n";
        assert_eq!(
            PyprojectToml::new(text).with_version("1.2.0rc1").unwrap(),
            text.replace("'0.0.0'", "'1.2.0rc1'")
        );
    }

    #[test]
    fn leaves_dynamic_and_other_tables_alone() {
        let dynamic = "[project]\nname = \"x\"\ndynamic = [\"version\"]\n\n[tool.setuptools_scm]\n";
        assert_eq!(PyprojectToml::new(dynamic).with_version("1.0"), None);
        let other = "[tool.poetry]\nversion = \"1.0\"\n[project]\nversion_file = \"x\"\n";
        assert_eq!(PyprojectToml::new(other).with_version("2.0"), None);
    }
}
