'use strict';

// Settings, in the app's config/plugins.js: `ingesta: { enabled: true, config: { … } }`.
// maxBodyBytes must not exceed the body parser's jsonLimit (strapi::body, 1 MB by default): it is
// what the version route tells clients, so they size their batches to fit.
module.exports = {
  default: {
    maxBodyBytes: 1024 * 1024,
    maxRows: 2000,
    // Answers of committed batches are kept this long for replays (a client retry after a lost
    // answer gets the first attempt's answer back).
    keepAnswersDays: 14,
  },
  validator(c) {
    for (const k of ['maxBodyBytes', 'maxRows', 'keepAnswersDays']) {
      if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`ingesta plugin: ${k} must be a positive integer`);
    }
  },
};
