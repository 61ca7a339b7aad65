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
  try {
    const signIn = ConsoleSignInModule.register({
      identity,
      settings: {
        ...(config.CONSOLE_URL ? { publicOrigin: config.CONSOLE_URL } : {}),
        plainHttp: config.INSECURE_HTTP,
        trustedProxies: TrustedProxies.parse(config.TRUSTED_PROXIES),
      },
    });
    const service = await startService({
      name: 'console-backend',
      module: AppModule.register(signIn),
      config,
      rawBodyRoutes: SIGN_IN_FORM_ROUTES,
      maxBodyBytes: (path) => signInBodyLimit(path) ?? MAX_OTHER_BODY_BYTES,
    });
    return {
      ...service,
      close: async () => {
        await service.close();
        identity.close();
      },
    };
  } catch (error) {
    identity.close();
    throw error;
  }
}
