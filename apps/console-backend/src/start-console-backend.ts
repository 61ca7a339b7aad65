import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsoleAppModule, HttpsApiClient } from '@stackyard/console-feature-app';
import { ConsoleSignInModule, SIGN_IN_FORM_ROUTES, signInBodyLimit, TrustedProxies } from '@stackyard/console-feature-sign-in';
import { InternalClient } from '@stackyard/shared-http';
import { type RunningService, startService } from '@stackyard/shared-service';
import { AppModule } from './app.module';
import type { ConsoleBackendConfig } from './console-backend.config';

/** Largest body of any other request (the web console's own calls, when they arrive). */
const MAX_OTHER_BODY_BYTES = 1024 * 1024;

/** The console's composition root: identity over mutual TLS, the sign-in feature, the public listener. */
export async function startConsoleBackend(config: ConsoleBackendConfig): Promise<RunningService> {
  const identity = new InternalClient({
    baseUrl: config.IDENTITY_URL,
    expectService: 'identity',
    // Identity's 503s (a directory that cannot be reached) are worded for the person signing in.
    relayUnavailableMessages: true,
    caFile: config.INTERNAL_CA_FILE!,
    certFile: config.INTERNAL_CERT_FILE!,
    keyFile: config.INTERNAL_KEY_FILE!,
  });
  // The api's public listener; its certificate is signed by the installation CA unless told otherwise.
  const api = new HttpsApiClient({ baseUrl: config.API_URL, caPem: config.API_CA ?? readFileSync(config.INTERNAL_CA_FILE!, 'utf8') });
  try {
    const settings = {
      ...(config.CONSOLE_URL ? { publicOrigin: config.CONSOLE_URL } : {}),
      plainHttp: config.INSECURE_HTTP,
      trustedProxies: TrustedProxies.parse(config.TRUSTED_PROXIES),
    };
    const signIn = ConsoleSignInModule.register({ identity, settings });
    // The compiled single-page app sits beside this file's directory: dist/apps/console-backend/web.
    const app = ConsoleAppModule.register({ identity, api, settings, webDir: join(__dirname, '..', 'web') });
    const service = await startService({
      name: 'console-backend',
      module: AppModule.register(signIn, app),
      config,
      rawBodyRoutes: SIGN_IN_FORM_ROUTES,
      maxBodyBytes: (path) => signInBodyLimit(path) ?? MAX_OTHER_BODY_BYTES,
    });
    return {
      ...service,
      close: async () => {
        await service.close();
        identity.close();
        api.close();
      },
    };
  } catch (error) {
    identity.close();
    api.close();
    throw error;
  }
}
