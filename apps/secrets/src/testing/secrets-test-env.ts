import type { EmbeddedPki } from '@stackyard/shared-tls';

/** The secrets service's settings for an in-process or child start in tests: listener, PKI, database. */
export function secretsTestEnv(pki: EmbeddedPki, databaseUrl: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    STACKYARD_DATABASE_URL: databaseUrl,
    STACKYARD_PORT: '0',
    STACKYARD_TLS_CERT_FILE: pki.services.secrets.certFile,
    STACKYARD_TLS_KEY_FILE: pki.services.secrets.keyFile,
    STACKYARD_INTERNAL_CA_FILE: pki.caFile,
    STACKYARD_LOG_FORMAT: 'json',
    ...extra,
  };
}
