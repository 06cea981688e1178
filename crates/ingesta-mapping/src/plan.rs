//! One row → the entities it needs.

use crate::recipe::cell;
use crate::schema::Schema;
use ingesta_records::values::{boolean, is_done, is_na, number, text};
use ingesta_records::RawRow;
use serde_json::{Map, Value};

/// A required value is absent in this row.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("required value missing: {}", .0.join(", "))]
pub struct PlanError(pub Vec<String>);

/// The unique key of an implementation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImplementationKey {
    pub nombre: String,
    pub ciclo_escolar: String,
    pub periodo: String,
}

/// A module cell that is not NA; the grade is absent when the cell is not a number.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleGrade {
    pub modulo: String,
    pub calificacion: Option<f64>,
}

/// App usage, present when `minutos_app` is a value or `descarga_app` is true.
#[derive(Debug, Clone, PartialEq)]
pub struct AppUse {
    pub minutos_uso_app: Option<f64>,
    pub descargo_app: Option<bool>,
}

/// Everything one row asks of the API, in the API's field names. Relations are left out: the
/// writer fills them with ids once the related entries exist.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPlan {
    pub row_number: u64,
    pub id_externo: String,
    pub email: Option<String>,
    pub programa: String,
    pub implementacion: ImplementationKey,
    pub cct: Option<String>,
    /// `participantes` body without `cct`. No `email`: addresses go to `correo-participantes` only.
    pub participante: Map<String, Value>,
    /// `participaciones` body without `participante` and `implementacion`.
    pub participacion: Map<String, Value>,
    pub modules: Vec<ModuleGrade>,
    /// Survey keys (`encuestas.clave`) completed.
    pub surveys: Vec<String>,
    /// Attendance columns marked present.
    pub sessions: Vec<String>,
    /// Non-NA modality values of this row, by attendance column.
    pub modalities: Vec<(String, String)>,
    /// Work-item columns marked done.
    pub works: Vec<String>,
    pub app_use: Option<AppUse>,
}

impl Schema {
    /// Builds the plan for one decoded row. Only missing required values fail; odd values of
    /// optional fields are absent, as SPEC section 2 says.
    pub fn plan(&self, row: &RawRow) -> Result<RowPlan, PlanError> {
        let f = &row.fields;
        self.check_required(|i| f.get(i).map(String::as_str))?;
        let recipe = &self.recipe;
        // In the order of `REQUIRED`; each is present, as just checked.
        let [id, implementacion, ciclo_escolar, periodo, programa] =
            self.required.map(|i| cell(f, Some(i)).and_then(text).unwrap_or_default().to_string());

        let minutos = cell(f, recipe.minutos_app);
        let descargo = cell(f, recipe.descarga_app).and_then(boolean);
        let app_use = (minutos.is_some_and(|c| !is_na(c)) || descargo == Some(true))
            .then(|| AppUse { minutos_uso_app: minutos.and_then(number), descargo_app: descargo });

        let done =
            |cols: &[(String, usize)]| cols.iter().filter(|(_, i)| is_done(&f[*i])).map(|(n, _)| n.clone()).collect();
        Ok(RowPlan {
            row_number: row.row_number,
            participante: recipe.participante(f),
            participacion: recipe.participacion(f),
            id_externo: id,
            email: cell(f, recipe.email).and_then(text).map(str::to_string),
            programa,
            implementacion: ImplementationKey { nombre: implementacion, ciclo_escolar, periodo },
            cct: cell(f, recipe.cct).and_then(text).map(str::to_string),
            modules: self
                .modules
                .iter()
                .filter(|(_, i)| !is_na(&f[*i]))
                .map(|(n, i)| ModuleGrade { modulo: n.clone(), calificacion: number(&f[*i]) })
                .collect(),
            surveys: done(&self.surveys),
            sessions: self.sessions.iter().filter(|c| is_done(&f[c.index])).map(|c| c.name.clone()).collect(),
            modalities: self
                .sessions
                .iter()
                .filter_map(|c| Some((c.name.clone(), text(&f[c.modality_index?])?.to_string())))
                .collect(),
            works: done(&self.works),
            app_use,
        })
    }
}

#[cfg(test)]
pub(crate) mod by_name;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema_and_row(header: &str, row: &str) -> (Schema, RawRow) {
        let headers: Vec<String> = header.split(',').map(ingesta_records::normalize_header).collect();
        let fields = row.split(',').map(str::to_string).collect();
        (Schema::from_headers(&headers).unwrap(), RawRow { row_number: 7, byte_offset: 0, fields })
    }

    const HEADER: &str = "ID,Programa,Implementación,Ciclo escolar,Periodo de implementación,Edad,Estado civil,Lengua indígena,Email,Estudiantes a cargo,Participa director(a),Minutos app,Descarga app,mod1,mod2,Encuesta inicial,asist_1,Modalidad asist_1,ses_2,trabajo_final";

    #[test]
    fn maps_a_full_row() {
        let (s, row) = schema_and_row(
            HEADER,
            "P1,Prog,Impl 1,2023-2024,Otoño,cuarenta,NA,Sí,a@b.mx,12,si,NA,no,8.4,NA,1,0,Virtual,1,entregado",
        );
        let p = s.plan(&row).unwrap();
        assert_eq!(p.row_number, 7);
        assert_eq!(p.implementacion.periodo, "Otoño");
        assert_eq!(p.participante["edad"], Value::Null, "a bad age is absent, not an error");
        assert_eq!(p.participante["estado_civil"], Value::Null);
        assert_eq!(p.participante["lengua_indigena"], json!(true));
        assert_eq!(p.participacion["estudiantes_a_cargo"], json!(12.0));
        assert_eq!(p.participacion["participa_director"], json!(true));
        assert_eq!(p.modules, [ModuleGrade { modulo: "mod1".into(), calificacion: Some(8.4) }]);
        assert_eq!(p.surveys, ["encuesta_inicial"]);
        assert_eq!(p.sessions, ["ses_2"], "a 0 in an attendance column is absent");
        assert_eq!(p.modalities, [("asist_1".to_string(), "Virtual".to_string())]);
        assert_eq!(p.works, ["trabajo_final"]);
        assert_eq!(p.app_use, None, "no minutes and no download means no app-use record");
        assert_eq!(p.email.as_deref(), Some("a@b.mx"));
        assert!(!p.participante.contains_key("email"), "the CMS's participants have no email field");
    }

    #[test]
    fn app_use_from_minutes_or_download() {
        let (s, row) = schema_and_row(HEADER, "P1,Prog,I,C,P,1,NA,NA,NA,NA,NA,61,NA,NA,NA,NA,NA,NA,NA,NA");
        assert_eq!(s.plan(&row).unwrap().app_use, Some(AppUse { minutos_uso_app: Some(61.0), descargo_app: None }));
        let (s, row) = schema_and_row(HEADER, "P1,Prog,I,C,P,1,NA,NA,NA,NA,NA,NA,si,NA,NA,NA,NA,NA,NA,NA");
        assert_eq!(s.plan(&row).unwrap().app_use, Some(AppUse { minutos_uso_app: None, descargo_app: Some(true) }));
    }

    #[test]
    fn missing_required_values_are_named() {
        let (s, row) = schema_and_row(HEADER, ",Prog,n/a,C,P,1,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA,NA");
        assert_eq!(s.plan(&row).unwrap_err().to_string(), "required value missing: id, implementacion");
    }
}
