// SQLite or PostgreSQL, chosen by DATABASE_CLIENT (default sqlite); scripts/strapi.sh sets these.
// - sqlite: the database file is given by DATABASE_FILENAME (an absolute path; scripts/strapi.sh
//   makes it so).
// - postgres: DATABASE_HOST, DATABASE_PORT, DATABASE_NAME, DATABASE_USERNAME, DATABASE_PASSWORD
//   (DATABASE_SCHEMA, default public; DATABASE_POOL_MIN/MAX, default 2/10 as in Strapi's docs),
//   e.g. a database of the throwaway cluster of scripts/postgres.sh.
const path = require('path');

module.exports = ({ env }) => {
  const client = env('DATABASE_CLIENT', 'sqlite');
  if (client === 'postgres') {
    const required = (name) => {
      const value = env(name);
      if (!value) throw new Error(`DATABASE_CLIENT=postgres needs ${name}`);
      return value;
    };
    return {
      connection: {
        client: 'postgres',
        connection: {
          host: required('DATABASE_HOST'),
          port: env.int('DATABASE_PORT', 5432),
          database: required('DATABASE_NAME'),
          user: required('DATABASE_USERNAME'),
          password: env('DATABASE_PASSWORD', ''),
          schema: env('DATABASE_SCHEMA', 'public'),
          ssl: false,
        },
        pool: { min: env.int('DATABASE_POOL_MIN', 2), max: env.int('DATABASE_POOL_MAX', 10) },
        acquireConnectionTimeout: env.int('DATABASE_CONNECTION_TIMEOUT', 60000),
      },
    };
  }
  if (client !== 'sqlite') {
    throw new Error(`ingesta's test Strapi supports DATABASE_CLIENT=sqlite or postgres, not ${client}`);
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
