'use strict';

// What the plugin writes, per collection, read from the running CMS: table and column names,
// relation link tables (Strapi 5 keeps every relation in a `_lnk` table), and the attribute
// rules a body must meet. Nothing is assumed about names: they come from Strapi's metadata.

const { validateValue } = require('./validate');

// Level order is also lock order: every batch claims keys collection by collection in this order.
// Keys: plain names are fields, '@name' a relation (the linked id), '~name' a field compared
// case-insensitively.
const COLLECTIONS = [
  { route: 'programas', uid: 'api::programa.programa', key: ['nombre'] },
  { route: 'implementaciones', uid: 'api::implementacion.implementacion', key: ['nombre', 'ciclo_escolar', 'periodo'] },
  { route: 'modulos', uid: 'api::modulo.modulo', key: ['nombre', '@implementacion'] },
  { route: 'asistencias', uid: 'api::asistencia.asistencia', key: ['clave_sesion', '@implementacion'] },
  { route: 'trabajos', uid: 'api::trabajo.trabajo', key: ['nombre', '@implementacion'] },
  { route: 'participantes', uid: 'api::participante.participante', key: ['id_externo'] },
  { route: 'participaciones', uid: 'api::participacion.participacion', key: ['@participante', '@implementacion'] },
  { route: 'modulo-progreso-registros', uid: 'api::modulo-progreso-registro.modulo-progreso-registro', key: ['@participacion', '@modulo'] },
  { route: 'encuesta-completada-registros', uid: 'api::encuesta-completada-registro.encuesta-completada-registro', key: ['@participacion', '@encuesta'] },
  { route: 'participante-asistencia-registros', uid: 'api::participante-asistencia-registro.participante-asistencia-registro', key: ['@participacion', '@asistencia'] },
  { route: 'trabajo-realizado-registros', uid: 'api::trabajo-realizado-registro.trabajo-realizado-registro', key: ['@participacion', '@trabajo'] },
  { route: 'uso-app-participantes', uid: 'api::uso-app-participante.uso-app-participante', key: ['@participante'] },
  { route: 'correo-participantes', uid: 'api::correo-participante.correo-participante', key: ['@participante', '~correo'] },
];

const SYSTEM = ['id', 'documentId', 'createdAt', 'updatedAt', 'publishedAt', 'createdBy', 'updatedBy', 'locale', 'localizations'];

/**
 * Reads the collections from Strapi. Returns { collections: Map route → description, problems }:
 * a problem (a missing type, draft & publish or i18n on) makes the plugin refuse to write, and
 * the version route says why, so clients stay on REST.
 */
function describe(strapi) {
  const collections = new Map();
  const problems = [];
  for (const c of COLLECTIONS) {
    const ct = strapi.contentTypes[c.uid];
    if (!ct) {
      problems.push(`${c.route}: no content type ${c.uid}`);
      continue;
    }
    if (ct.options && ct.options.draftAndPublish) {
      problems.push(`${c.route}: draft & publish is on (the plugin writes only types without it)`);
    }
    if (ct.pluginOptions && ct.pluginOptions.i18n && ct.pluginOptions.i18n.localized) {
      problems.push(`${c.route}: localized by i18n (the plugin writes only types that are not)`);
    }
    const meta = strapi.db.metadata.get(c.uid);
    const columns = {};
    const relations = {};
    const rules = {};
    for (const [name, attr] of Object.entries(ct.attributes)) {
      const m = meta.attributes[name];
      if (attr.type === 'relation') {
        if (SYSTEM.includes(name)) continue;
        const jt = m && m.joinTable;
        if (!jt) {
          problems.push(`${c.route}.${name}: relation without a join table`);
          continue;
        }
        relations[name] = {
          many: /ToMany$/.test(attr.relation),
          table: jt.name,
          own: jt.joinColumn.name,
          other: jt.inverseJoinColumn.name,
          order: jt.orderColumnName || null,
          inverseOrder: jt.inverseOrderColumnName || null,
          targetTable: strapi.db.metadata.get(attr.target).tableName,
        };
      } else if (m && m.columnName && !SYSTEM.includes(name)) {
        rules[name] = attr;
      }
    }
    // Column names from the database layer, system fields (documentId, timestamps) included.
    for (const [name, m] of Object.entries(meta.attributes)) {
      if (m.type !== 'relation' && m.columnName) columns[name] = m.columnName;
    }
    for (const name of ['documentId', 'createdAt', 'updatedAt']) {
      if (!columns[name]) problems.push(`${c.route}: no column for ${name}`);
    }
    collections.set(c.route, { ...c, table: meta.tableName, columns, relations, rules });
  }
  return { collections, problems };
}

/**
 * Checks a body against the collection's attributes. Returns null, or a reason that names the
 * field and the rule, never the value (values can be personal data).
 */
function checkBody(collection, body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'the body is not an object';
  for (const name of Object.keys(body)) {
    if (!collection.rules[name]) return `unknown field '${name}'`;
  }
  for (const [name, attr] of Object.entries(collection.rules)) {
    const reason = validateValue(attr, body[name]);
    if (reason) return `${name} ${reason} (value not shown)`;
  }
  return null;
}

module.exports = { COLLECTIONS, describe, checkBody };
