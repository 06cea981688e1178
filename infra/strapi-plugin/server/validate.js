'use strict';

// The model's rules for one value, as Strapi's REST validation applies them, plus the one the
// database applies: a `string` column is varchar(255) on PostgreSQL and MySQL. SQLite does not
// enforce that length; the plugin does on every database, so a file behaves as it would in
// production.

const STRING_COLUMN = 255;
const TEXTUAL = ['string', 'text', 'richtext', 'email', 'uid', 'enumeration', 'password', 'blocks'];

/** Returns null when `value` fits `attr`, else what is wrong ("must be …"). */
function validateValue(attr, value) {
  if (value === undefined || value === null) {
    return attr.required ? 'is required' : null;
  }
  const t = attr.type;
  if (TEXTUAL.includes(t) || t === 'date' || t === 'datetime' || t === 'time') {
    if (typeof value !== 'string') return `must be a ${t === 'enumeration' ? 'string' : t} value`;
    if (attr.required && value === '') return 'is required';
    const max = t === 'string' ? Math.min(attr.maxLength || STRING_COLUMN, STRING_COLUMN) : attr.maxLength;
    if (max && [...value].length > max) return `must be at most ${max} characters`;
    if (attr.minLength && [...value].length < attr.minLength) return `must be at least ${attr.minLength} characters`;
    if (t === 'enumeration' && !(attr.enum || []).includes(value)) return 'must be one of the allowed values';
    if (t === 'email' && !/^[^\s@]+@[^\s@]+$/.test(value)) return 'must be an email address';
    return null;
  }
  if (t === 'integer' || t === 'biginteger') {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) return 'must be an integer';
    return range(attr, value);
  }
  if (t === 'decimal' || t === 'float') {
    if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
    return range(attr, value);
  }
  if (t === 'boolean') {
    return typeof value === 'boolean' ? null : 'must be true or false';
  }
  if (t === 'json') return null;
  return `is of type ${t}, which the plugin does not write`;
}

function range(attr, n) {
  if (attr.min !== undefined && n < attr.min) return `must be at least ${attr.min}`;
  if (attr.max !== undefined && n > attr.max) return `must be at most ${attr.max}`;
  return null;
}

module.exports = { validateValue, STRING_COLUMN };
