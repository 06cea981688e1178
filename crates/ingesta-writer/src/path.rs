//! `WRITE_PATH`: which way rows reach the CMS.

/// How rows are written: REST get-or-create per entity, or whole batches through the CMS's
/// `ingesta` plugin in one transaction each; `Auto` asks the CMS whether it has the plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WritePath {
    #[default]
    Auto,
    Rest,
    Bulk,
}

impl WritePath {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Rest => "rest",
            Self::Bulk => "bulk",
        }
    }
}

impl std::fmt::Display for WritePath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for WritePath {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "rest" => Ok(Self::Rest),
            "bulk" => Ok(Self::Bulk),
            other => Err(format!("'{other}' is not a write path (auto, rest or bulk)")),
        }
    }
}
