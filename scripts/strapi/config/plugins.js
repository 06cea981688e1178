module.exports = ({ env }) => ({
  'users-permissions': {
    config: {
      jwtSecret: env('JWT_SECRET'),
    },
  },
  // ingesta's bulk write path (infra/strapi-plugin, copied in by scripts/strapi.sh).
  ingesta: {
    enabled: env.bool('INGESTA_PLUGIN', true),
    resolve: './src/plugins/ingesta',
  },
});
