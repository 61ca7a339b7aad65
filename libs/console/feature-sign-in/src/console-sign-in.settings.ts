import type { TrustedProxies } from './trusted-proxies';

export const CONSOLE_SIGN_IN_SETTINGS = Symbol('ConsoleSignInSettings');

export interface ConsoleSignInSettings {
  /** The console's origin as browsers see it (`https://app.example.com`); undefined: the request's Host. */
  publicOrigin?: string;
  /** The console serves plain HTTP (behind a TLS proxy), so `http://<Host>` is its origin too. */
  plainHttp: boolean;
  trustedProxies: TrustedProxies;
  /** Epoch milliseconds; tests pin it. */
  now?: () => number;
}
