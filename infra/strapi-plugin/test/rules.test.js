'use strict';

// The plugin's pure parts: value rules, row checks, keys. The database parts are tested by
// ingesta's real-Strapi suite (SQLite and PostgreSQL), through the plugin's routes.

const test = require('node:test');
const assert = require('node:assert');
const { validateValue } = require('../server/validate');
const { checkBatch, checkRow, BatchError } = require('../server/shape');
const { keyOf, documentId } = require('../server/entities');
const { hashKey } = require('../server/ledger');

test('values are held to the attribute type, and reasons never quote the value', () => {
  assert.strictEqual(validateValue({ type: 'integer' }, 44), null);
  assert.match(validateValue({ type: 'integer' }, 44.5), /integer/);
  assert.match(validateValue({ type: 'integer' }, '44'), /integer/);
  assert.strictEqual(validateValue({ type: 'decimal' }, 8.4), null);
  assert.match(validateValue({ type: 'boolean' }, 'si'), /true or false/);
  assert.match(validateValue({ type: 'string', required: true }, null), /required/);
  assert.strictEqual(validateValue({ type: 'string' }, null), null);
  const long = 'x'.repeat(256);
  const why = validateValue({ type: 'string' }, long);
  assert.match(why, /at most 255/, 'a string column is varchar(255) on PostgreSQL');
  assert.ok(!why.includes('xxx'));
  assert.strictEqual(validateValue({ type: 'text' }, long), null);
  assert.match(validateValue({ type: 'enumeration', enum: ['a'] }, 'b'), /allowed/);
  assert.match(validateValue({ type: 'integer', min: 0 }, -1), /at least 0/);
});

const attrs = (names, type = 'string') => Object.fromEntries(names.map((n) => [n, { type }]));
const model = {
  collections: new Map(
    Object.entries({
      programas: { rules: attrs(['nombre']), relations: {} },
      implementaciones: { rules: attrs(['nombre', 'ciclo_escolar', 'periodo']), relations: {} },
      participantes: { rules: { id_externo: { type: 'string' }, edad: { type: 'integer' } }, relations: { cct: {} } },
      participaciones: { rules: attrs(['puesto']), relations: {} },
      'modulo-progreso-registros': { rules: { calificacion: { type: 'decimal' } }, relations: {} },
      asistencias: { rules: attrs(['modalidad']), relations: {} },
      'uso-app-participantes': { rules: { minutos_uso_app: { type: 'integer' }, descargo_app: { type: 'boolean' } }, relations: {} },
      'correo-participantes': { rules: { correo: { type: 'string' }, principal: { type: 'boolean' } }, relations: {} },
    })
  ),
};
const cols = { modulos: ['mod1'], asistencias: ['asist_1'], trabajos: [] };
const row = (over = {}) => ({
  row: 3,
  programa: 'P',
  implementacion: { nombre: 'I', ciclo_escolar: 'C', periodo: 'O' },
  participante: { id_externo: 'X1', edad: 40, cct: 7 },
  participacion: { puesto: 'Docente' },
  modulos: [{ modulo: 'mod1', calificacion: 8.5 }],
  encuestas: [1],
  asistencias: ['asist_1'],
  modalidades: { asist_1: 'Virtual' },
  trabajos: [],
  uso_app: null,
  correo: 'a@b.mx',
  ...over,
});

test('a row that fits is split into fields and links', () => {
  const { ok } = checkRow(model, cols, row(), 0);
  assert.deepStrictEqual(ok.participante, { fields: { id_externo: 'X1', edad: 40 }, links: { cct: 7 } });
});

test('a row that does not fit fails alone, naming the collection and the field', () => {
  const cases = [
    [{ participante: { id_externo: 'X1', edad: 40.5 } }, 'participantes', /edad must be an integer/],
    [{ participante: { id_externo: 'X1', email: 'a@b' } }, 'participantes', /unknown field 'email'/],
    [{ participacion: { puesto: 7 } }, 'participaciones', /puesto/],
    [{ modulos: [{ modulo: 'mod9', calificacion: 1 }] }, 'modulo-progreso-registros', /columns.modulos/],
    [{ asistencias: ['ses_9'] }, 'participante-asistencia-registros', /columns.asistencias/],
    [{ uso_app: { minutos_uso_app: 'many' } }, 'uso-app-participantes', /integer/],
    [{ implementacion: { nombre: 'I' } }, 'implementaciones', /ciclo_escolar/],
  ];
  for (const [over, stage, why] of cases) {
    const { failed } = checkRow(model, cols, row(over), 0);
    assert.ok(failed, JSON.stringify(over));
    assert.strictEqual(failed.stage, stage);
    assert.match(failed.error, why);
  }
});

test('a batch off the protocol is refused whole', () => {
  const ok = { protocol: 1, columns: cols, encuestas: [1], rows: [] };
  assert.doesNotThrow(() => checkBatch(ok, { maxRows: 2 }));
  assert.throws(() => checkBatch({ ...ok, protocol: 2 }, { maxRows: 2 }), (e) => e instanceof BatchError && e.status === 400);
  assert.throws(() => checkBatch({ ...ok, rows: [{}, {}, {}] }, { maxRows: 2 }), (e) => e.status === 413);
  assert.throws(() => checkBatch({ ...ok, encuestas: ['x'] }, { maxRows: 2 }), (e) => e.status === 400);
});

test('natural keys: relations by id, addresses without case, and the hash is stable', () => {
  const c = { route: 'correo-participantes', key: ['@participante', '~correo'] };
  const a = keyOf(c, { fields: { correo: 'Ana@X.mx' }, links: { participante: 5 } });
  const b = keyOf(c, { fields: { correo: 'ana@x.MX' }, links: { participante: '5' } });
  assert.deepStrictEqual(a, ['correo-participantes', 5, 'ana@x.mx']);
  assert.strictEqual(hashKey(a), hashKey(b));
  assert.match(hashKey(a), /^[0-9a-f]{64}$/);
  assert.notStrictEqual(hashKey(['programas', '1']), hashKey(['programas', 1]));
});

test('document ids look like Strapi 5 ones and do not repeat', () => {
  const seen = new Set(Array.from({ length: 2000 }, documentId));
  assert.strictEqual(seen.size, 2000);
  for (const d of seen) assert.match(d, /^[a-z][a-z0-9]{23}$/);
});
