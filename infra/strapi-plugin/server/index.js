'use strict';

// The plugin's server side: two content-API routes (/api/ingesta/version, /api/ingesta/batches),
// the ledger tables created at bootstrap, and its settings.

const { ensureTables } = require('./ledger');
const config = require('./config');
const controller = require('./controller');

module.exports = {
  config,
  register() {},
  async bootstrap({ strapi }) {
    await ensureTables(strapi.db.connection);
  },
  routes: {
    'content-api': {
      type: 'content-api',
      routes: [
        // Actions are named by controller.handler: a custom API token can be given just these.
        { method: 'GET', path: '/version', handler: 'batches.version', config: { policies: [] } },
        { method: 'POST', path: '/batches', handler: 'batches.write', config: { policies: [] } },
      ],
    },
  },
  controllers: { batches: controller },
};
