// SQLite only: the database file is given by DATABASE_FILENAME (an absolute path; scripts/strapi.sh
// makes it so).
const path = require('path');

module.exports = ({ env }) => {
  const client = env('DATABASE_CLIENT', 'sqlite');
  if (client !== 'sqlite') {
    throw new Error(`ingesta's test Strapi supports only DATABASE_CLIENT=sqlite, not ${client}`);
  }
  const filename = env('DATABASE_FILENAME');
  if (!filename) {
    throw new Error('DATABASE_FILENAME is not set');
  }
  return {
    connection: {
      client: 'sqlite',
      connection: { filename: path.resolve(filename) },
      useNullAsDefault: true,
    },
  };
};
