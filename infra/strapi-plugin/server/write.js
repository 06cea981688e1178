'use strict';

// A checked batch → one transaction → the answer. A batch key seen before gets the stored
// answer back, so a retry after a lost answer reports what the first attempt did.

const ledger = require('./ledger');
const { BatchError, checkRow } = require('./shape');
const { writeBatch } = require('./batch');
const { rowsOf, inChunks, quote } = require('./sql');

class Replay extends Error {}

async function write(strapi, model, batch) {
  const knex = strapi.db.connection;
  if (batch.batch) {
    const stored = await ledger.storedAnswer(knex, batch.batch);
    if (stored) return { ...stored, replayed: true };
  }
  try {
    return await knex.transaction(async (trx) => {
      const answer = await writeChecked(trx, model, batch);
      if (batch.batch && !(await ledger.recordAnswer(trx, batch.batch, answer))) throw new Replay();
      return answer;
    });
  } catch (e) {
    // The same batch committed by a concurrent attempt while this one ran: its answer stands.
    if (e instanceof Replay) return { ...(await ledger.storedAnswer(knex, batch.batch)), replayed: true };
    throw e;
  }
}

async function writeChecked(trx, model, batch) {
  const outcomes = batch.rows.map((plan, index) => checkRow(model, batch.columns, plan, index));
  const missingSurveys = await absent(trx, model, 'encuesta-completada-registros', 'encuesta', [
    ...batch.encuestas,
    ...outcomes.flatMap((o) => (o.ok ? o.ok.plan.encuestas : [])),
  ]);
  if (batch.encuestas.some((id) => missingSurveys.has(id))) {
    throw new BatchError(400, "an id of 'encuestas' is not a survey");
  }
  const missingCcts = await absent(trx, model, 'participantes', 'cct', outcomes.flatMap((o) => (o.ok && o.ok.participante.links.cct ? [o.ok.participante.links.cct] : [])));
  const rows = [];
  outcomes.forEach((o, i) => {
    if (!o.ok) return;
    if (o.ok.plan.encuestas.some((id) => missingSurveys.has(id))) {
      outcomes[i] = { failed: { stage: 'encuesta-completada-registros', error: 'a completed survey is not among encuestas' } };
    } else if (missingCcts.has(o.ok.participante.links.cct)) {
      outcomes[i] = { failed: { stage: 'participantes', error: 'the cct is not among ccts' } };
    } else {
      rows.push(o.ok);
    }
  });
  const done = await writeBatch(trx, model, batch, rows);
  return {
    protocol: 1,
    batch: batch.batch ?? null,
    replayed: false,
    rows: outcomes.map((o, i) => {
      const row = batch.rows[i] && Number.isSafeInteger(batch.rows[i].row) ? batch.rows[i].row : null;
      if (o.failed) return { row, outcome: 'failed', ...o.failed };
      const created = done.perRow.get(i) || 0;
      return { row, outcome: created > 0 ? 'created' : 'existing', created };
    }),
    created: done.created,
    warnings: done.warnings,
  };
}

/** The ids among `ids` that are not entries of the relation's target (a link to them would dangle). */
async function absent(trx, model, route, relation, ids) {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Set();
  const target = model.collections.get(route).relations[relation].targetTable;
  const present = new Set();
  for (const chunk of inChunks(wanted, 500)) {
    const sql = `SELECT id FROM ${quote(target)} WHERE id IN (${chunk.map(() => '?').join(', ')})`;
    for (const r of rowsOf(await trx.raw(sql, chunk))) present.add(Number(r.id));
  }
  return new Set(wanted.filter((id) => !present.has(id)));
}

module.exports = { write };
