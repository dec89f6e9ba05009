import { DEMO_MACHINE_CLIENTS } from '../db/demo-data';
import { startIdentityProvider } from './identity-provider';

/** The local OpenID provider as its own process (docker-compose). Development only. */
const env = process.env;
const idp = await startIdentityProvider({
  port: Number(env.OIDC_PORT ?? 3001),
  host: '0.0.0.0',
  clientId: env.OIDC_CLIENT_ID ?? 'dvc-portal',
  clientSecret: env.OIDC_CLIENT_SECRET ?? 'change-me-local-client-secret',
  redirectUris: [`${env.PUBLIC_URL ?? 'http://localhost:3000'}/auth/callback`],
  integrationClients: DEMO_MACHINE_CLIENTS,
});
process.stdout.write(`OpenID provider at ${idp.issuer}\n`);
process.once('SIGTERM', () => void idp.close().then(() => process.exit(0)));
