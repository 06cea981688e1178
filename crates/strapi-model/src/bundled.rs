//! The model the project carries: the CMS's `schema.json` files, compiled in, and the same
//! format read from another directory (`strapi-sim --schema DIR`).

use crate::model::{invalid, Model, ModelError};
use std::path::Path;

/// `schema/<singular>.json`, as the CMS's Strapi project has them.
const FILES: [(&str, &str); 15] = [
    ("asistencia.json", include_str!("../schema/asistencia.json")),
    ("cct.json", include_str!("../schema/cct.json")),
    ("correo-participante.json", include_str!("../schema/correo-participante.json")),
    ("encuesta-completada-registro.json", include_str!("../schema/encuesta-completada-registro.json")),
    ("encuesta.json", include_str!("../schema/encuesta.json")),
    ("implementacion.json", include_str!("../schema/implementacion.json")),
    ("modulo-progreso-registro.json", include_str!("../schema/modulo-progreso-registro.json")),
    ("modulo.json", include_str!("../schema/modulo.json")),
    ("participacion.json", include_str!("../schema/participacion.json")),
    ("participante-asistencia-registro.json", include_str!("../schema/participante-asistencia-registro.json")),
    ("participante.json", include_str!("../schema/participante.json")),
    ("programa.json", include_str!("../schema/programa.json")),
    ("trabajo-realizado-registro.json", include_str!("../schema/trabajo-realizado-registro.json")),
    ("trabajo.json", include_str!("../schema/trabajo.json")),
    ("uso-app-participante.json", include_str!("../schema/uso-app-participante.json")),
];

/// The directory of the bundled schema files, for tools that copy them (the test Strapi app).
pub const SCHEMA_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema");

impl Model {
    /// The CMS model the project is written against (`crates/strapi-model/schema/`).
    pub fn bundled() -> Model {
        let types = FILES
            .iter()
            .map(|(name, text)| {
                let v = serde_json::from_str(text).unwrap_or_else(|e| panic!("bundled {name}: {e}"));
                Model::parse_schema_file(name, &v).unwrap_or_else(|e| panic!("bundled {name}: {e}"))
            })
            .collect();
        Model { types }
    }

    /// Every `*.json` of `dir`, one content type each (Strapi's `schema.json` format).
    pub fn from_dir(dir: &Path) -> Result<Model, ModelError> {
        let io = |error| ModelError::Io { path: dir.display().to_string(), error };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(invalid(&dir.display().to_string(), "no *.json schema files"));
        }
        let mut types = Vec::new();
        for p in paths {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(&p).map_err(|error| ModelError::Io { path: name.clone(), error })?;
            let v = serde_json::from_str(&text).map_err(|e| invalid(&name, e.to_string()))?;
            types.push(Model::parse_schema_file(&name, &v)?);
        }
        Ok(Model { types })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_equals_the_schema_directory() {
        let from_dir = Model::from_dir(Path::new(SCHEMA_DIR)).unwrap();
        let mut bundled = Model::bundled();
        bundled.types.sort_by(|a, b| a.singular.cmp(&b.singular));
        let mut from_dir_sorted = from_dir.clone();
        from_dir_sorted.types.sort_by(|a, b| a.singular.cmp(&b.singular));
        assert_eq!(bundled, from_dir_sorted, "FILES lists every file of schema/");
        assert_eq!(bundled.types.len(), std::fs::read_dir(SCHEMA_DIR).unwrap().count());
    }

    #[test]
    fn the_cms_facts_the_writer_depends_on() {
        let m = Model::bundled();
        let p = m.collection("participantes").unwrap();
        assert!(p.attribute("email").is_none(), "addresses live in correo-participantes");
        assert_eq!(p.unique_fields().collect::<Vec<_>>(), ["id_externo"]);
        let pa = m.collection("participaciones").unwrap();
        assert_eq!(pa.attribute("promedio_modulos").unwrap().ty, crate::AttrType::Text);
        let imp = m.collection("implementaciones").unwrap();
        assert_eq!(
            imp.attribute("encuestas").unwrap().ty,
            crate::AttrType::Relation { target: "api::encuesta.encuesta".into(), many: true }
        );
        assert_eq!(imp.unique_fields().count(), 0, "Strapi has no composite keys");
        assert_eq!(m.route_of("api::cct.cct"), "ccts");
    }

    #[test]
    fn a_directory_without_schemas_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = Model::from_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("no *.json schema files"), "{err}");
    }
}
