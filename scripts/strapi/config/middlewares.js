// Strapi's default stack (Strapi refuses to start without public and favicon; the test app has no
// favicon file, so only a request for /favicon.ico fails).
module.exports = [
  'strapi::logger',
  'strapi::errors',
  'strapi::security',
  'strapi::cors',
  'strapi::poweredBy',
  'strapi::query',
  'strapi::body',
  'strapi::session',
  'strapi::favicon',
  'strapi::public',
];
