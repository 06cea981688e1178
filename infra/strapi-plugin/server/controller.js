'use strict';

// The two routes. Errors are answered in Strapi's error shape ({data:null, error:{status,name,
// message}}) so that clients read them as they read the REST API's.

const { version: pluginVersion } = require('../package.json');
const { describe } = require('./model');
const { BatchError, checkBatch } = require('./shape');
const { write } = require('./write');
const { isTransient } = require('./sql');

const settings = () => strapi.config.get('plugin::ingesta');

// The model is read once: content types do not change while Strapi runs.
let described = null;
const model = () => (described ??= describe(strapi));

function error(ctx, status, name, message, extra) {
  ctx.status = status;
  ctx.body = { data: null, error: { status, name, message, details: extra || {} } };
}

module.exports = {
  async version(ctx) {
    const { problems } = model();
    const s = settings();
    ctx.body = {
      plugin: 'ingesta',
      version: pluginVersion,
      protocol: 1,
      maxBodyBytes: s.maxBodyBytes,
      maxRows: s.maxRows,
      database: strapi.db.dialect.client,
      writable: problems.length === 0,
      problems,
    };
  },

  async write(ctx) {
    const m = model();
    if (m.problems.length > 0) {
      return error(ctx, 501, 'NotImplementedError', `the plugin cannot write this CMS's model: ${m.problems.join('; ')}`);
    }
    const s = settings();
    const length = Number(ctx.request.length || 0);
    if (length > s.maxBodyBytes) {
      return error(ctx, 413, 'PayloadTooLargeError', `the batch is ${length} bytes; this plugin takes at most ${s.maxBodyBytes}`);
    }
    const body = ctx.request.body;
    try {
      checkBatch(body, s);
      ctx.body = await write(strapi, m, body);
    } catch (e) {
      if (e instanceof BatchError) return error(ctx, e.status, 'ValidationError', e.message);
      if (isTransient(e)) {
        // Nothing of the batch was committed: the same batch may be sent again.
        ctx.set('Retry-After', '1');
        return error(ctx, 503, 'ServiceUnavailableError', `the database asked for a retry (${e.code}); nothing was written`);
      }
      // The database's message may quote a value (personal data): only its code is answered.
      // INGESTA_PLUGIN_DEBUG=true logs the database's own message, for an operator who accepts
      // that it may quote a value.
      const detail = process.env.INGESTA_PLUGIN_DEBUG === 'true' ? `: ${e.message}\n${e.stack}` : '';
      strapi.log.error(`ingesta batch failed: ${e.code || e.name}${detail}`);
      return error(ctx, 500, 'InternalServerError', `the batch failed (${e.code || e.name}); nothing was written`);
    }
  },
};
