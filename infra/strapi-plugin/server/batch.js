'use strict';

// One batch of row plans → every entity it implies, level by level in one transaction (see
// PROTOCOL.md). Rows that do not fit the model were taken out before (shape.js): here every row
// is written whole or, with the transaction, not at all.

const { ensure, keyOf } = require('./entities');
const ledger = require('./ledger');
const { rowsOf, inChunks, quote } = require('./sql');

// What a row is credited with, as on the REST path: what hangs off the participant. Parents
// (programs, implementations and their modules, sessions, works) are shared by many rows.
const ROW_LEVEL = new Set([
  'participantes',
  'participaciones',
  'modulo-progreso-registros',
  'encuesta-completada-registros',
  'participante-asistencia-registros',
  'trabajo-realizado-registros',
  'uso-app-participantes',
  'correo-participantes',
]);

/** Collects wants of one collection: the first row naming a key gives its values. */
class Level {
  constructor(c) {
    this.c = c;
    this.byKey = new Map();
    this.refs = [];
  }

  /** Row `row` needs this entity; returns a reference resolved by `run`. */
  want(row, fields, links, fresh) {
    const k = JSON.stringify(keyOf(this.c, { fields, links }));
    let w = this.byKey.get(k);
    if (!w) {
      w = { fields, links, fresh, owner: row };
      this.byKey.set(k, w);
    }
    const ref = { want: w, id: null, created: false };
    this.refs.push(ref);
    return ref;
  }

  async run(trx, tally, beforeInsert) {
    const wants = [...this.byKey.values()];
    if (wants.length === 0) return;
    const got = await ensure(trx, this.c, wants, beforeInsert);
    for (const w of wants) {
      const g = got.get(w.hash);
      w.id = g.id;
      w.created = g.created;
      if (g.created) tally.entity(this.c.route, w.owner);
    }
    for (const ref of this.refs) {
      ref.id = ref.want.id;
      ref.created = ref.want.created;
    }
  }
}

class Tally {
  constructor() {
    this.created = {};
    this.perRow = new Map();
  }

  entity(route, owner) {
    this.created[route] = (this.created[route] || 0) + 1;
    if (ROW_LEVEL.has(route)) this.perRow.set(owner, (this.perRow.get(owner) || 0) + 1);
  }
}

/**
 * Writes `rows` (shape-checked: [{index, plan, participante:{fields,links}}]) of `batch`.
 * Returns { perRow: Map index → entries created, created: {route: n}, warnings }.
 */
async function writeBatch(trx, model, batch, rows) {
  const C = (route) => model.collections.get(route);
  const tally = new Tally();
  const warnings = [];
  const { modulos: moduleCols, asistencias: sessionCols, trabajos: workCols } = batch.columns;

  const programas = new Level(C('programas'));
  const prog = rows.map((r) => programas.want(r.index, { nombre: r.plan.programa }, {}, false));
  await programas.run(trx, tally);

  const implementaciones = new Level(C('implementaciones'));
  const imp = rows.map((r, i) =>
    implementaciones.want(
      r.index,
      { ...r.plan.implementacion },
      { programa: prog[i].id, encuestas: batch.encuestas },
      prog[i].created
    )
  );
  await implementaciones.run(trx, tally);

  // Each implementation's modules, sessions and works: one per column of the file.
  const distinct = [...new Map(imp.map((ref) => [ref.id, ref])).values()];
  const perImp = (route, cols, nameField, extra) => {
    const level = new Level(C(route));
    const ids = new Map();
    for (const ref of distinct) {
      const m = new Map();
      for (const name of cols) {
        m.set(name, level.want(ref.want.owner, { [nameField]: name, ...extra(ref.id, name) }, { implementacion: ref.id }, ref.created));
      }
      ids.set(ref.id, m);
    }
    return { level, ids };
  };
  // The first modality a row of the batch gives for a session (rows in file order).
  const firstModality = new Map();
  rows.forEach((r, i) => {
    for (const [name, value] of Object.entries(r.plan.modalidades || {})) {
      const k = `${imp[i].id}\u001f${name}`;
      if (!firstModality.has(k)) firstModality.set(k, value);
    }
  });
  const modulos = perImp('modulos', moduleCols, 'nombre', () => ({}));
  const asistencias = perImp('asistencias', sessionCols, 'clave_sesion', (impId, name) => ({
    modalidad: firstModality.get(`${impId}\u001f${name}`) ?? null,
  }));
  const trabajos = perImp('trabajos', workCols, 'nombre', () => ({}));
  await modulos.level.run(trx, tally);
  await asistencias.level.run(trx, tally);
  await trabajos.level.run(trx, tally);
  const kept = await applyModalities(trx, C('asistencias'), asistencias.ids, firstModality);
  rows.forEach((r, i) => {
    for (const [name, value] of Object.entries(r.plan.modalidades || {})) {
      const session = asistencias.ids.get(imp[i].id).get(name);
      if (kept.get(session.id) !== value) {
        warnings.push(
          `row ${r.plan.row}: column 'modalidad_${name}' differs from the modality already set for this session of ` +
            `the row's implementation; the first one is kept`
        );
      }
    }
  });

  const participantes = new Level(C('participantes'));
  const part = rows.map((r) => participantes.want(r.index, r.participante.fields, r.participante.links, false));
  await participantes.run(trx, tally);

  const participaciones = new Level(C('participaciones'));
  const partc = rows.map((r, i) =>
    participaciones.want(
      r.index,
      { ...r.plan.participacion },
      { participante: part[i].id, implementacion: imp[i].id },
      part[i].created || imp[i].created
    )
  );
  await participaciones.run(trx, tally);

  const kinds = [
    ['modulo-progreso-registros', 'modulo'],
    ['encuesta-completada-registros', 'encuesta'],
    ['participante-asistencia-registros', 'asistencia'],
    ['trabajo-realizado-registros', 'trabajo'],
  ].map(([route, rel]) => ({ rel, level: new Level(C(route)) }));
  rows.forEach((r, i) => {
    const p = partc[i];
    const child = (k, target, fields) =>
      kinds[k].level.want(r.index, fields, { participacion: p.id, [kinds[k].rel]: target }, p.created);
    for (const m of r.plan.modulos) child(0, modulos.ids.get(imp[i].id).get(m.modulo).id, { calificacion: m.calificacion ?? null });
    for (const e of r.plan.encuestas) child(1, e, { estado: 'Completada' });
    for (const s of r.plan.asistencias) child(2, asistencias.ids.get(imp[i].id).get(s).id, { presente: true });
    for (const w of r.plan.trabajos) child(3, trabajos.ids.get(imp[i].id).get(w).id, { completado: true });
  });
  for (const k of kinds) await k.level.run(trx, tally);

  const usoApp = new Level(C('uso-app-participantes'));
  rows.forEach((r, i) => {
    if (r.plan.uso_app) usoApp.want(r.index, { ...r.plan.uso_app }, { participante: part[i].id }, part[i].created);
  });
  await usoApp.run(trx, tally);

  const correos = new Level(C('correo-participantes'));
  rows.forEach((r, i) => {
    if (r.plan.correo) correos.want(r.index, { correo: r.plan.correo, principal: false }, { participante: part[i].id }, part[i].created);
  });
  await correos.run(trx, tally, (toCreate) => choosePrincipals(trx, C('correo-participantes'), toCreate));

  return { perRow: tally.perRow, created: tally.created, warnings };
}

/**
 * Sets the modality of sessions that have none yet to the batch's first value (never over a
 * value already set: the first one wins, across runs and writers). Returns Map session id →
 * the modality it holds afterwards.
 */
async function applyModalities(trx, c, sessionIds, firstModality) {
  const col = quote(c.columns.modalidad);
  const updates = [];
  for (const [impId, byName] of sessionIds) {
    for (const [name, ref] of byName) {
      const value = firstModality.get(`${impId}\u001f${name}`);
      if (value !== undefined && !ref.created) updates.push({ id: ref.id, value });
    }
  }
  // In id order: two batches updating the same sessions lock them in the same order.
  updates.sort((a, b) => a.id - b.id);
  for (const u of updates) {
    await trx.raw(`UPDATE ${quote(c.table)} SET ${col} = ? WHERE id = ? AND ${col} IS NULL`, [u.value, u.id]);
  }
  const held = new Map();
  const ids = [...sessionIds.values()].flatMap((m) => [...m.values()].map((ref) => ref.id));
  for (const chunk of inChunks([...new Set(ids)], 500)) {
    const sql = `SELECT id, ${col} AS modalidad FROM ${quote(c.table)} WHERE id IN (${chunk.map(() => '?').join(', ')})`;
    for (const r of rowsOf(await trx.raw(sql, chunk))) held.set(Number(r.id), r.modalidad ?? null);
  }
  return held;
}

/**
 * An address is principal when it is its participant's first: the participant has none stored
 * and this is the first new one of the batch. A second ledger key per participant settles two
 * writers adding a first address at once: whoever claims it has the principal one.
 */
async function choosePrincipals(trx, c, toCreate) {
  const rel = c.relations.participante;
  const candidates = new Map();
  for (const w of toCreate) {
    const p = w.links.participante;
    if (!candidates.has(p)) candidates.set(p, w);
  }
  const withAddress = new Set();
  const known = [...candidates.keys()].filter((p) => !candidates.get(p).fresh);
  for (const chunk of inChunks(known, 500)) {
    const sql =
      `SELECT DISTINCT ${quote(rel.other)} AS p FROM ${quote(rel.table)} ` +
      `WHERE ${quote(rel.other)} IN (${chunk.map(() => '?').join(', ')})`;
    for (const r of rowsOf(await trx.raw(sql, chunk))) withAddress.add(Number(r.p));
  }
  const pairs = [...candidates.keys()]
    .filter((p) => !withAddress.has(p))
    .map((p) => ({ hash: ledger.hashKey(['correo-participantes#principal', p]), id: p, p }));
  const won = await ledger.claim(trx, 'correo-participantes#principal', pairs);
  for (const pair of pairs) {
    if (won.has(pair.hash)) candidates.get(pair.p).fields.principal = true;
  }
}

module.exports = { writeBatch };
