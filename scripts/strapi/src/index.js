'use strict';

// Bootstrap of ingesta's test Strapi. It runs before the HTTP server listens, so once the API
// answers, the fixed token exists and the reference data is seeded.
//
// - STRAPI_TEST_TOKEN: plain value of a full-access API token named "ingesta-test" (created on
//   the first start, its key re-set on every start: idempotent on an existing database), and
//   the narrower tokens of `testTokens` below.
// - SEED_DIR: when set, SEED_DIR/encuestas.csv goes into api::encuesta.encuesta and
//   SEED_DIR/ccts.csv into api::cct.cct, each only while that collection is empty. The files have
//   a header with at least `id,clave` (other columns are ignored); every entry gets the file's id.

const fs = require('fs');
const path = require('path');

const TOKEN_NAME = 'ingesta-test';

const SEEDS = [
  { uid: 'api::encuesta.encuesta', file: 'encuestas.csv', label: 'encuestas' },
  { uid: 'api::cct.cct', file: 'ccts.csv', label: 'ccts' },
];

// RFC 4180 CSV: comma separated, fields optionally quoted with "" as an escaped quote, quoted
// fields may hold commas and line breaks, records end in LF or CRLF. A leading BOM is dropped.
// Returns an array of records, each an array of strings; blank lines are skipped.
function parseCsv(text) {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records = [];
  let record = [];
  let field = '';
  let quoted = false; // inside a quoted field
  let i = 0;
  const endRecord = () => {
    record.push(field);
    field = '';
    if (!(record.length === 1 && record[0] === '')) records.push(record);
    record = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      endRecord();
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRecord();
      i += 1;
    } else {
      field += c;
    }
    i += 1;
  }
  if (quoted) throw new Error('unterminated quoted field at end of file');
  if (field !== '' || record.length > 0) endRecord();
  return records;
}

// Reads FILE's `id` and `clave` columns: [{ id, clave }] in file order, ids positive integers,
// ids and claves unique and non-empty.
function readIdClave(file) {
  const records = parseCsv(fs.readFileSync(file, 'utf8'));
  if (records.length === 0) throw new Error(`${file}: empty file, expected a header with id,clave`);
  const header = records[0].map((h) => h.trim().toLowerCase());
  const idCol = header.indexOf('id');
  const claveCol = header.indexOf('clave');
  if (idCol < 0 || claveCol < 0) {
    throw new Error(`${file}: the header must have columns id and clave, got: ${records[0].join(',')}`);
  }
  const rows = [];
  const seenIds = new Set();
  const seenClaves = new Set();
  for (let r = 1; r < records.length; r += 1) {
    const line = r + 1; // 1-based, header is line 1 (exact when no field holds a line break)
    const rawId = (records[r][idCol] ?? '').trim();
    const clave = (records[r][claveCol] ?? '').trim();
    if (!/^[1-9][0-9]*$/.test(rawId) || !Number.isSafeInteger(Number(rawId))) {
      throw new Error(`${file}: record ${line}: id ${JSON.stringify(rawId)} is not a positive integer`);
    }
    const id = Number(rawId);
    if (clave === '') throw new Error(`${file}: record ${line}: empty clave`);
    if (seenIds.has(id)) throw new Error(`${file}: record ${line}: duplicate id ${id}`);
    if (seenClaves.has(clave)) throw new Error(`${file}: record ${line}: duplicate clave ${clave}`);
    seenIds.add(id);
    seenClaves.add(clave);
    rows.push({ id, clave });
  }
  return rows;
}

// Inserts FILE's rows into the empty collection UID with the file's ids (one transaction, batched
// by Strapi's query engine), then reads the table back and checks every id holds its clave.
// Returns the number of rows inserted, 0 when the collection already had entries.
async function seedCollection(strapi, uid, file) {
  const query = strapi.db.query(uid);
  if ((await query.count()) > 0) return 0;
  const rows = readIdClave(file);
  if (rows.length === 0) return 0;
  const now = new Date();
  // The same fields the Document Service would set for a type without draft & publish:
  // documentId comes from the model's default (a fresh cuid), timestamps from Strapi's
  // lifecycle subscriber, publishedAt marks the entry as the published (only) version.
  await query.createMany({
    data: rows.map(({ id, clave }) => ({ id, clave, publishedAt: now })),
  });
  // Rows inserted with their ids leave PostgreSQL's id sequence behind: a later create would
  // take id 1 again. Move it past the seeded ids (SQLite needs nothing).
  if (strapi.db.dialect.client === 'postgres') {
    const table = strapi.db.metadata.get(uid).tableName;
    await strapi.db.connection.raw(`SELECT setval(pg_get_serial_sequence(?, 'id'), (SELECT MAX(id) FROM ??))`, [table, table]);
  }
  const stored = await query.findMany({
    select: ['id', 'clave', 'documentId', 'publishedAt'],
    orderBy: { id: 'asc' },
  });
  const byId = new Map(stored.map((e) => [e.id, e]));
  if (stored.length !== rows.length) {
    throw new Error(`seeding ${uid}: ${rows.length} rows in ${file} but ${stored.length} entries stored`);
  }
  for (const { id, clave } of rows) {
    const e = byId.get(id);
    if (!e || e.clave !== clave || !e.documentId || !e.publishedAt) {
      throw new Error(
        `seeding ${uid}: row id=${id} clave=${clave} of ${file} was stored as ${JSON.stringify(e ?? null)}`
      );
    }
  }
  return rows.length;
}

async function seed(strapi, dir) {
  const counts = [];
  for (const { uid, file, label } of SEEDS) {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) throw new Error(`SEED_DIR=${dir} has no ${file}`);
    counts.push(`${await seedCollection(strapi, uid, full)} ${label}`);
  }
  console.log(`seeded ${counts.join(', ')}`);
}

// A content-API token named NAME whose plain value is PLAIN, of TYPE (full-access, read-only or
// custom with PERMISSIONS): created once, then its hashed key (and encrypted copy) set to
// PLAIN's on every start.
async function ensureToken(strapi, { name, plain, type, permissions }) {
  const tokens = strapi.service('admin::api-token-content-api') || strapi.service('admin::api-token');
  const table = strapi.db.query('admin::api-token');
  let token = await table.findOne({ where: { name } });
  if (!token) {
    token = await tokens.create({
      name,
      description: `fixed token for ingesta tests (${type})`,
      type,
      lifespan: null,
      ...(permissions ? { permissions } : {}),
    });
  }
  const encryption = strapi.service('admin::encryption');
  await table.update({
    where: { id: token.id },
    data: {
      accessKey: tokens.hash(plain),
      encryptedKey: encryption ? encryption.encrypt(plain) : null,
      type,
      kind: 'content-api',
      lifespan: null,
      expiresAt: null,
    },
  });
}

// Beside the full-access token, two narrower ones for the bulk write path's tests:
// PLAIN-read-only (Strapi's read-only type) and PLAIN-bulk-only (custom: only the ingesta
// plugin's actions and the reads ingesta needs).
function testTokens(plain, withPlugin) {
  const list = [
    { name: TOKEN_NAME, plain, type: 'full-access' },
    { name: `${TOKEN_NAME}-read-only`, plain: `${plain}-read-only`, type: 'read-only' },
  ];
  if (withPlugin) {
    list.push({
      name: `${TOKEN_NAME}-bulk-only`,
      plain: `${plain}-bulk-only`,
      type: 'custom',
      permissions: [
        'plugin::ingesta.batches.write',
        'plugin::ingesta.batches.version',
        'api::encuesta.encuesta.find',
        'api::cct.cct.find',
      ],
    });
  }
  return list;
}

module.exports = {
  register() {},

  async bootstrap({ strapi }) {
    const plain = process.env.STRAPI_TEST_TOKEN;
    if (plain) {
      for (const t of testTokens(plain, Boolean(strapi.plugin('ingesta')))) await ensureToken(strapi, t);
    } else {
      strapi.log.warn('STRAPI_TEST_TOKEN is not set: no test API token');
    }
    if (process.env.SEED_DIR) {
      await seed(strapi, process.env.SEED_DIR);
    }
  },
};
