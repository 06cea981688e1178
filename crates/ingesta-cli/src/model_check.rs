//! `ingesta check --api URL`: the run's model preflight alone, so a data team can check a CMS
//! before uploading anything. Read-only.

use ingesta_client::{ClientConfig, StrapiClient, Token};
use ingesta_writer::{preflight, ModelSource};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct ModelChecked {
    pub api: String,
    /// `live` (read from the CMS) or `bundled` (the CMS would not describe its model).
    pub model: &'static str,
    pub warning: Option<String>,
    /// What would stop a run before its first write.
    pub mismatches: Vec<String>,
    /// How the CMS's model differs from the one bundled with ingesta (informative).
    pub differences: Vec<String>,
}

impl ModelChecked {
    pub fn fits(&self) -> bool {
        self.mismatches.is_empty()
    }

    pub fn human(&self) -> String {
        let mut out = vec![format!(
            "CMS at {}: {}",
            self.api,
            match self.model {
                "live" => "model read from the CMS",
                _ => "model NOT readable, checked against the bundled model",
            }
        )];
        out.extend(self.warning.iter().map(|w| format!("warning: {w}")));
        if self.fits() {
            out.push("fits: every field ingesta writes exists in the CMS with a compatible type".into());
        } else {
            out.push(format!(
                "does NOT fit ({} problem(s)); a run would stop before its first write:",
                self.mismatches.len()
            ));
            out.extend(self.mismatches.iter().map(|m| format!("  - {m}")));
        }
        if !self.differences.is_empty() {
            out.push(format!("differences from the bundled model ({}):", self.differences.len()));
            out.extend(self.differences.iter().map(|d| format!("  - {d}")));
        }
        out.join("\n")
    }
}

pub async fn check(api: &str, token: Option<Token>) -> anyhow::Result<ModelChecked> {
    let cfg = ClientConfig { token: token.filter(|t| !t.is_empty()), ..ClientConfig::new(api) };
    let client = StrapiClient::new(cfg)?;
    let checked = preflight(&client).await.map_err(|e| anyhow::anyhow!("cannot check the CMS at {api}: {e}"))?;
    Ok(ModelChecked {
        api: api.to_string(),
        model: if checked.source == ModelSource::Live { "live" } else { "bundled" },
        warning: checked.warning(),
        mismatches: checked.mismatches.iter().map(ToString::to_string).collect(),
        differences: checked.differences,
    })
}
