//! The API's collections, and how many entries of each this run created.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Every collection the pipeline writes, in dependency order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Collection {
    Programas,
    Implementaciones,
    Modulos,
    Asistencias,
    Trabajos,
    Participantes,
    Participaciones,
    ModuloProgreso,
    EncuestaCompletada,
    ParticipanteAsistencia,
    TrabajoRealizado,
    UsoApp,
    Correo,
}

impl Collection {
    pub const ALL: [Collection; 13] = [
        Self::Programas,
        Self::Implementaciones,
        Self::Modulos,
        Self::Asistencias,
        Self::Trabajos,
        Self::Participantes,
        Self::Participaciones,
        Self::ModuloProgreso,
        Self::EncuestaCompletada,
        Self::ParticipanteAsistencia,
        Self::TrabajoRealizado,
        Self::UsoApp,
        Self::Correo,
    ];

    /// The REST route name, also used as the error report's `stage`.
    pub fn route(self) -> &'static str {
        match self {
            Self::Programas => "programas",
            Self::Implementaciones => "implementaciones",
            Self::Modulos => "modulos",
            Self::Asistencias => "asistencias",
            Self::Trabajos => "trabajos",
            Self::Participantes => "participantes",
            Self::Participaciones => "participaciones",
            Self::ModuloProgreso => "modulo-progreso-registros",
            Self::EncuestaCompletada => "encuesta-completada-registros",
            Self::ParticipanteAsistencia => "participante-asistencia-registros",
            Self::TrabajoRealizado => "trabajo-realizado-registros",
            Self::UsoApp => "uso-app-participantes",
            Self::Correo => "correo-participantes",
        }
    }

    /// The collection whose route this is.
    pub fn from_route(route: &str) -> Option<Collection> {
        Self::ALL.into_iter().find(|c| c.route() == route)
    }
}

/// Entries created in this run, per collection.
#[derive(Debug, Default)]
pub(crate) struct Created([AtomicU64; 13]);

impl Created {
    pub(crate) fn add(&self, c: Collection) {
        self.add_n(c, 1);
    }

    pub(crate) fn add_n(&self, c: Collection, n: u64) {
        self.0[c as usize].fetch_add(n, Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Vec<(&'static str, u64)> {
        Collection::ALL.iter().map(|c| (c.route(), self.0[*c as usize].load(Relaxed))).collect()
    }
}
