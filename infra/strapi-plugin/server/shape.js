'use strict';

// The batch's shape (PROTOCOL.md) and each row's fit to the CMS's model, before anything is
// written. A batch that is not of the protocol is refused whole (400); a row that does not fit
// fails alone, with the collection that would refuse it and why, never with a value.

const { checkBody } = require('./model');

class BatchError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isId = (v) => Number.isSafeInteger(v) && v > 0;
const strings = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Checks the batch as a whole; throws BatchError. */
function checkBatch(body, settings) {
  if (!isObject(body)) throw new BatchError(400, 'the body must be a JSON object');
  if (body.protocol !== 1) throw new BatchError(400, `protocol ${JSON.stringify(body.protocol)} is not supported (this plugin speaks 1)`);
  if (body.batch !== undefined && (typeof body.batch !== 'string' || body.batch.length === 0 || body.batch.length > 200)) {
    throw new BatchError(400, "'batch' must be a string of 1 to 200 characters");
  }
  const cols = body.columns;
  if (!isObject(cols) || !['modulos', 'asistencias', 'trabajos'].every((k) => strings(cols[k]))) {
    throw new BatchError(400, "'columns' must hold the arrays of names 'modulos', 'asistencias' and 'trabajos'");
  }
  for (const k of ['modulos', 'asistencias', 'trabajos']) {
    if (cols[k].some((n) => n.length === 0 || [...n].length > 255)) throw new BatchError(400, `a name in columns.${k} is empty or over 255 characters`);
  }
  if (!Array.isArray(body.encuestas) || !body.encuestas.every(isId)) {
    throw new BatchError(400, "'encuestas' must be an array of entry ids");
  }
  if (!Array.isArray(body.rows)) throw new BatchError(400, "'rows' must be an array");
  if (body.rows.length > settings.maxRows) {
    throw new BatchError(413, `${body.rows.length} rows in one batch; this plugin takes at most ${settings.maxRows}`);
  }
}

/**
 * Checks one row. Returns { ok: {index, plan, participante: {fields, links}} } or
 * { failed: {stage, error} }.
 */
function checkRow(model, cols, plan, index) {
  const fail = (stage, error) => ({ failed: { stage, error } });
  const C = (route) => model.collections.get(route);
  if (!isObject(plan) || !Number.isSafeInteger(plan.row)) return fail('batch', 'a row without its row number');
  if (typeof plan.programa !== 'string') return fail('programas', "'programa' must be a string");
  let why = checkBody(C('programas'), { nombre: plan.programa });
  if (why) return fail('programas', why);
  if (!isObject(plan.implementacion)) return fail('implementaciones', "'implementacion' must be an object");
  const { nombre, ciclo_escolar: ciclo, periodo } = plan.implementacion;
  if (![nombre, ciclo, periodo].every((s) => typeof s === 'string') || Object.keys(plan.implementacion).length !== 3) {
    return fail('implementaciones', "'implementacion' must hold nombre, ciclo_escolar and periodo, as strings");
  }
  why = checkBody(C('implementaciones'), plan.implementacion);
  if (why) return fail('implementaciones', why);

  const p = C('participantes');
  if (!isObject(plan.participante) || typeof plan.participante.id_externo !== 'string' || plan.participante.id_externo === '') {
    return fail('participantes', "'participante' must be an object with a non-empty id_externo");
  }
  const fields = {};
  const links = {};
  for (const [k, v] of Object.entries(plan.participante)) {
    if (p.relations[k]) {
      if (v !== null && !isId(v)) return fail('participantes', `${k} must be an entry id or null`);
      links[k] = v;
    } else {
      fields[k] = v;
    }
  }
  why = checkBody(p, fields);
  if (why) return fail('participantes', why);
  why = checkBody(C('participaciones'), plan.participacion);
  if (why) return fail('participaciones', why);

  if (!Array.isArray(plan.modulos)) return fail('modulo-progreso-registros', "'modulos' must be an array");
  for (const m of plan.modulos) {
    if (!isObject(m) || !cols.modulos.includes(m.modulo)) return fail('modulo-progreso-registros', 'a module that is not among columns.modulos');
    why = checkBody(C('modulo-progreso-registros'), { calificacion: m.calificacion ?? null });
    if (why) return fail('modulo-progreso-registros', why);
  }
  if (!Array.isArray(plan.encuestas) || !plan.encuestas.every(isId)) return fail('encuesta-completada-registros', "'encuestas' must be an array of entry ids");
  if (!strings(plan.asistencias) || !plan.asistencias.every((s) => cols.asistencias.includes(s))) {
    return fail('participante-asistencia-registros', "'asistencias' must name columns of columns.asistencias");
  }
  if (!strings(plan.trabajos) || !plan.trabajos.every((s) => cols.trabajos.includes(s))) {
    return fail('trabajo-realizado-registros', "'trabajos' must name columns of columns.trabajos");
  }
  const modalidades = plan.modalidades ?? {};
  if (!isObject(modalidades)) return fail('asistencias', "'modalidades' must be an object");
  for (const [name, value] of Object.entries(modalidades)) {
    if (!cols.asistencias.includes(name)) return fail('asistencias', 'a modality of a column that is not among columns.asistencias');
    why = checkBody(C('asistencias'), { modalidad: value });
    if (why) return fail('asistencias', why);
  }
  if (plan.uso_app !== null && plan.uso_app !== undefined) {
    why = checkBody(C('uso-app-participantes'), plan.uso_app);
    if (why) return fail('uso-app-participantes', why);
  }
  if (plan.correo !== null && plan.correo !== undefined) {
    if (typeof plan.correo !== 'string' || plan.correo === '') return fail('correo-participantes', "'correo' must be a non-empty string or null");
    why = checkBody(C('correo-participantes'), { correo: plan.correo, principal: true });
    if (why) return fail('correo-participantes', why);
  }
  return { ok: { index, plan: { ...plan, modalidades }, participante: { fields, links } } };
}

module.exports = { BatchError, checkBatch, checkRow };
