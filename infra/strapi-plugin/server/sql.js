'use strict';

// Small helpers shared by the SQL of the plugin.

/** Rows of a knex.raw result: PostgreSQL answers {rows}, better-sqlite3 an array. */
function rowsOf(result) {
  if (Array.isArray(result)) return result;
  if (result && Array.isArray(result.rows)) return result.rows;
  return [];
}

/** Splits a list into chunks: SQLite allows 500 terms in a compound statement. */
function* inChunks(list, size) {
  for (let i = 0; i < list.length; i += size) yield list.slice(i, i + size);
}

function quote(identifier) {
  return `"${String(identifier).replace(/"/g, '""')}"`;
}

/** Whether a database error asks for the whole transaction to be tried again. */
function isTransient(e) {
  const code = e && (e.code || e.errno);
  // PostgreSQL: serialization failure, deadlock, lock timeout, too many connections, shutdown.
  // SQLite: busy, locked.
  return ['40001', '40P01', '55P03', '53300', '57P01', 'SQLITE_BUSY', 'SQLITE_LOCKED'].includes(code);
}

module.exports = { rowsOf, inChunks, quote, isTransient };
