use std::path::Path;

use flotilla_core::deploy::{YamlEditError, set_yaml_scalar};

use crate::chart::ImageTagPin;
use crate::{PublishError, Result};

/// `values.yaml` of the chart in `chart_dir` with the scalar `pin` names set to its tag, by the
/// same editor GitOps write-backs use: only that value's bytes change. `None` when there is
/// nothing to change: the file or the key is missing and the pin is not required, or the
/// value is the tag already.
pub(crate) fn pinned_values(chart_dir: &Path, pin: &ImageTagPin) -> Result<Option<Vec<u8>>> {
    let path = chart_dir.join("values.yaml");
    let invalid = |problem: String, hint: &'static str| PublishError::InvalidSource {
        path: path.clone(),
        problem,
        hint,
    };
    let text = match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
            invalid(
                "it is not UTF-8".to_owned(),
                "write values.yaml as UTF-8 text",
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !pin.required => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(invalid(
                format!(
                    "it is missing, and `chart.image_tag_key` asks to pin `{}` in it",
                    pin.key
                ),
                "add values.yaml with the image tag at that key, or remove `image_tag_key`",
            ));
        }
        Err(e) => return Err(PublishError::io("read", &path, e)),
    };
    match set_yaml_scalar(&text, &pin.key, &pin.tag) {
        Ok(edited) if edited == text => Ok(None),
        Ok(edited) => Ok(Some(edited.into_bytes())),
        Err(YamlEditError::NotFound { .. } | YamlEditError::NotAMapping { .. })
            if !pin.required =>
        {
            Ok(None)
        }
        Err(e) => Err(invalid(
            format!("the image tag cannot be pinned at `{}`: {e}", pin.key),
            "point `chart.image_tag_key` at the one-line scalar that holds the image tag \
             (`image.version: latest`), or fix values.yaml",
        )),
    }
}
