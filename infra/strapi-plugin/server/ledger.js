'use strict';

// The plugin's own tables. ingesta_keys is what makes "exactly once" a database fact: one row per
// (collection, natural key) under a unique index, written in the same transaction as the entity.
// A concurrent transaction inserting the same key waits for the first one on the index, then
// finds the key taken (PostgreSQL) or runs after it (SQLite: one writer at a time).
// ingesta_batches keeps each committed batch's answer under the client's idempotency key.

const crypto = require('crypto');
const { rowsOf, inChunks } = require('./sql');

const KEYS = 'ingesta_keys';
const BATCHES = 'ingesta_batches';

async function createIfMissing(knex, name, build) {
  if (await knex.schema.hasTable(name)) return;
  try {
    await knex.schema.createTable(name, build);
  } catch (e) {
    // Two nodes booting at once: the other one made it.
    if (!(await knex.schema.hasTable(name))) throw e;
  }
}

async function ensureTables(knex) {
  await createIfMissing(knex, KEYS, (t) => {
    t.string('collection', 64).notNullable();
    // sha256 of the canonical key: bounded length whatever the names, and no personal data
    // (an id_externo or an address) stored in clear a second time.
    t.string('natural_key', 64).notNullable();
    t.integer('entity_id').notNullable();
    t.primary(['collection', 'natural_key']);
  });
  await createIfMissing(knex, BATCHES, (t) => {
    t.string('batch_key', 200).notNullable().primary();
    t.text('answer').notNullable();
    t.timestamp('created_at').notNullable();
  });
}

/** The hash under which a canonical key (an array of strings and numbers) is stored. */
function hashKey(parts) {
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** Map hash → entity id for the hashes of `collection` the ledger holds. */
async function read(trx, collection, hashes) {
  const found = new Map();
  for (const chunk of inChunks(hashes, 500)) {
    const rows = await trx(KEYS)
      .select('natural_key', 'entity_id')
      .where('collection', collection)
      .whereIn('natural_key', chunk);
    for (const r of rows) found.set(r.natural_key, Number(r.entity_id));
  }
  return found;
}

/**
 * Inserts (hash, id) pairs unless the hash is taken; returns the set of hashes this call wrote.
 * Sorted, so that every transaction takes index entries in the same order (no deadlock between
 * two batches sharing keys).
 */
async function claim(trx, collection, pairs) {
  const won = new Set();
  const sorted = [...pairs].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  for (const chunk of inChunks(sorted, 300)) {
    const values = chunk.map(() => '(?, ?, ?)').join(', ');
    const bindings = chunk.flatMap((p) => [collection, p.hash, p.id]);
    const result = await trx.raw(
      `INSERT INTO "${KEYS}" ("collection", "natural_key", "entity_id") VALUES ${values} ` +
        `ON CONFLICT ("collection", "natural_key") DO NOTHING RETURNING "natural_key"`,
      bindings
    );
    for (const r of rowsOf(result)) won.add(r.natural_key);
  }
  return won;
}

async function storedAnswer(knex, batchKey) {
  const row = await knex(BATCHES).select('answer').where('batch_key', batchKey).first();
  return row ? JSON.parse(row.answer) : null;
}

/** Records a batch's answer; false when another transaction recorded this key first. */
async function recordAnswer(trx, batchKey, answer) {
  const result = await trx.raw(
    `INSERT INTO "${BATCHES}" ("batch_key", "answer", "created_at") VALUES (?, ?, ?) ` +
      `ON CONFLICT ("batch_key") DO NOTHING RETURNING "batch_key"`,
    [batchKey, JSON.stringify(answer), new Date()]
  );
  return rowsOf(result).length === 1;
}

async function forgetAnswers(knex, olderThanDays) {
  const before = new Date(Date.now() - olderThanDays * 86400 * 1000);
  await knex(BATCHES).where('created_at', '<', before).delete();
}

module.exports = { ensureTables, hashKey, read, claim, storedAnswer, recordAnswer, forgetAnswers, KEYS, BATCHES };
