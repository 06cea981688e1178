'use strict';

// Get-or-create for a whole level of a batch, in one transaction: look the keys up in the
// ledger, adopt entities that exist without a ledger row (written over REST), insert the rest
// in chunks with their relation link rows, and claim their keys. A claim lost to a concurrent
// transaction means that one committed the same key first: ours is deleted again (it was never
// visible to anyone) and theirs is used.

const crypto = require('crypto');
const ledger = require('./ledger');
const { rowsOf, inChunks, quote } = require('./sql');

/** The canonical key of a wanted entity: [route, ...parts] (see model.COLLECTIONS). */
function keyOf(c, want) {
  return [
    c.route,
    ...c.key.map((p) => {
      if (p[0] === '@') return Number(want.links[p.slice(1)]);
      if (p[0] === '~') return String(want.fields[p.slice(1)]).toLowerCase();
      return String(want.fields[p]);
    }),
  ];
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A documentId like Strapi's own: 24 lowercase letters and digits, starting with a letter. */
function documentId() {
  const bytes = crypto.randomBytes(24);
  let s = ALPHABET[bytes[0] % 26];
  for (let i = 1; i < 24; i += 1) s += ALPHABET[bytes[i] % 36];
  return s;
}

/** Map hash → smallest id of the entities already stored under the wanted keys. */
async function find(trx, c, wants) {
  const select = ['t.id AS id'];
  const joins = [];
  const parts = c.key.map((p, i) => {
    const name = p.replace(/^[@~]/, '');
    if (p[0] === '@') {
      const r = c.relations[name];
      joins.push(`JOIN ${quote(r.table)} l${i} ON l${i}.${quote(r.own)} = t.id`);
      select.push(`l${i}.${quote(r.other)} AS k${i}`);
      return { expr: `l${i}.${quote(r.other)}`, value: (w) => Number(w.links[name]), kind: p[0] };
    }
    const col = `t.${quote(c.columns[name])}`;
    select.push(`${col} AS k${i}`);
    return { expr: p[0] === '~' ? `LOWER(${col})` : col, value: (w) => keyOf(c, w)[i + 1], kind: p[0] };
  });
  const found = new Map();
  const first = parts[0];
  const values = [...new Set(wants.map(first.value))];
  for (const chunk of inChunks(values, 500)) {
    const sql =
      `SELECT ${select.join(', ')} FROM ${quote(c.table)} t ${joins.join(' ')} ` +
      `WHERE ${first.expr} IN (${chunk.map(() => '?').join(', ')})`;
    for (const r of rowsOf(await trx.raw(sql, chunk))) {
      const key = [
        c.route,
        ...parts.map((p, i) => {
          const v = r[`k${i}`];
          if (p.kind === '@') return Number(v);
          return p.kind === '~' ? String(v).toLowerCase() : String(v);
        }),
      ];
      const hash = ledger.hashKey(key);
      const id = Number(r.id);
      if (!found.has(hash) || found.get(hash) > id) found.set(hash, id);
    }
  }
  return found;
}

/** Inserts the wanted entities and their links; returns their ids in `wants` order. */
async function insert(trx, c, wants) {
  const now = new Date();
  const rows = wants.map((w) => {
    const row = { [c.columns.documentId]: documentId() };
    for (const [name, value] of Object.entries(w.fields)) row[c.columns[name]] = value === undefined ? null : value;
    row[c.columns.createdAt] = now;
    row[c.columns.updatedAt] = now;
    // Types without draft & publish hold one row, the published one (what the Document Service
    // stores for them).
    if (c.columns.publishedAt) row[c.columns.publishedAt] = now;
    return row;
  });
  // Every row with the same columns, so one multi-row INSERT per chunk.
  const columns = [...new Set(rows.flatMap(Object.keys))];
  for (const r of rows) for (const k of columns) if (!(k in r)) r[k] = null;
  const byDocument = new Map();
  const perChunk = Math.max(1, Math.min(500, Math.floor(30000 / columns.length)));
  for (const chunk of inChunks(rows, perChunk)) {
    const got = await trx(c.table).insert(chunk).returning(['id', c.columns.documentId]);
    for (const g of got) byDocument.set(g[c.columns.documentId], Number(g.id));
  }
  const ids = rows.map((r) => byDocument.get(r[c.columns.documentId]));
  if (ids.some((id) => !Number.isInteger(id))) throw new Error(`${c.route}: an inserted row came back without its id`);
  for (const [name, rel] of Object.entries(c.relations)) {
    const links = [];
    wants.forEach((w, i) => {
      const v = w.links[name];
      if (v === undefined || v === null) return;
      const targets = Array.isArray(v) ? v : [v];
      targets.forEach((target, pos) => {
        const link = { [rel.own]: ids[i], [rel.other]: target };
        if (rel.order) link[rel.order] = pos + 1;
        // A new entry goes last among the target's entries, as Strapi puts it; the entries of
        // one target created here are numbered in order after 1 (no read of the current last).
        if (rel.inverseOrder) link[rel.inverseOrder] = 1;
        links.push(link);
      });
    });
    for (const chunk of inChunks(links, 500)) await trx(rel.table).insert(chunk);
  }
  return ids;
}

async function remove(trx, c, ids) {
  for (const chunk of inChunks(ids, 500)) {
    for (const rel of Object.values(c.relations)) await trx(rel.table).whereIn(rel.own, chunk).delete();
    await trx(c.table).whereIn('id', chunk).delete();
  }
}

/**
 * Makes every wanted entity exist exactly once. `wants`: [{fields, links, fresh}], one per key
 * (the first row's values). `fresh` says a parent of the key was created in this transaction,
 * so nothing can be stored under it yet and no look-up is needed. `beforeInsert(toCreate)` may
 * set fields that depend on what exists (an address's `principal`). Returns Map hash → {id,
 * created} and sets `want.hash`.
 */
async function ensure(trx, c, wants, beforeInsert) {
  const out = new Map();
  for (const w of wants) w.hash = ledger.hashKey(keyOf(c, w));
  const known = wants.filter((w) => !w.fresh);
  if (known.length > 0) {
    for (const [hash, id] of await ledger.read(trx, c.route, known.map((w) => w.hash))) {
      out.set(hash, { id, created: false });
    }
    const unknown = known.filter((w) => !out.has(w.hash));
    if (unknown.length > 0) {
      const adopted = [...(await find(trx, c, unknown))].map(([hash, id]) => ({ hash, id }));
      await settle(trx, c, adopted, out, false);
    }
  }
  const toCreate = wants.filter((w) => !out.has(w.hash));
  if (toCreate.length > 0) {
    if (beforeInsert) await beforeInsert(toCreate);
    const ids = await insert(trx, c, toCreate);
    await settle(trx, c, toCreate.map((w, i) => ({ hash: w.hash, id: ids[i] })), out, true);
  }
  return out;
}

/** Claims the pairs' keys; a key lost to another transaction takes that one's entity. */
async function settle(trx, c, pairs, out, created) {
  if (pairs.length === 0) return;
  const won = await ledger.claim(trx, c.route, pairs);
  const lost = pairs.filter((p) => !won.has(p.hash));
  const theirs = lost.length > 0 ? await ledger.read(trx, c.route, lost.map((p) => p.hash)) : new Map();
  if (created && lost.length > 0) await remove(trx, c, lost.map((p) => p.id));
  for (const p of pairs) {
    if (won.has(p.hash)) {
      out.set(p.hash, { id: p.id, created });
    } else {
      const id = theirs.get(p.hash);
      if (id === undefined) throw new Error(`${c.route}: a key was taken but its entry is not visible`);
      out.set(p.hash, { id, created: false });
    }
  }
}

module.exports = { ensure, keyOf, documentId };
