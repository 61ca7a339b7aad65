import { z } from 'zod';
import { envBoolean, envPort } from '@stackyard/shared-config';

/** Settings every Stackyard service reads (prefix `STACKYARD_`). */
export const serviceConfigShape = {
  /** Interface to listen on. Loopback unless deliberately exposed (the chart sets 0.0.0.0). */
  LISTEN_HOST: z.string().default('127.0.0.1'),
  PORT: envPort,
  /** Certificate and key of this service's listener. */
  TLS_CERT_FILE: z.string().optional(),
  TLS_KEY_FILE: z.string().optional(),
  /** The installation's internal CA, which every service certificate chains to. */
  INTERNAL_CA_FILE: z.string().optional(),
  /** This service's certificate for mutual TLS when it calls another service. */
  INTERNAL_CERT_FILE: z.string().optional(),
  INTERNAL_KEY_FILE: z.string().optional(),
  /** Serve plain HTTP. Only for a TLS-terminating proxy in front; logged loudly at start. */
  INSECURE_HTTP: envBoolean.default(false),
  LOG_FORMAT: z.enum(['json', 'text']).default('json'),
};

export const serviceConfigSchema = z.object(serviceConfigShape);
export type ServiceConfig = z.infer<typeof serviceConfigSchema>;

/** Problems a service config can only show after parsing (cross-field rules). */
export function serviceConfigProblems(config: ServiceConfig, needsInternalClient: boolean): string[] {
  const problems: string[] = [];
  if (!config.INSECURE_HTTP && (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE)) {
    problems.push('STACKYARD_TLS_CERT_FILE and STACKYARD_TLS_KEY_FILE are required (or STACKYARD_INSECURE_HTTP=true behind a TLS proxy)');
  }
  if (needsInternalClient && (!config.INTERNAL_CA_FILE || !config.INTERNAL_CERT_FILE || !config.INTERNAL_KEY_FILE)) {
    problems.push('STACKYARD_INTERNAL_CA_FILE, STACKYARD_INTERNAL_CERT_FILE and STACKYARD_INTERNAL_KEY_FILE are required for calls between services');
  }
  return problems;
}

/** Internal services are reachable only over mutual TLS: a certificate, its key and the CA are required. */
export function internalListenerProblems(config: ServiceConfig): string[] {
  const problems: string[] = [];
  if (config.INSECURE_HTTP) problems.push('STACKYARD_INSECURE_HTTP is not supported: internal services accept only mutual TLS');
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) problems.push('STACKYARD_TLS_CERT_FILE and STACKYARD_TLS_KEY_FILE are required');
  if (!config.INTERNAL_CA_FILE) problems.push('STACKYARD_INTERNAL_CA_FILE is required to verify the certificates of calling services');
  return problems;
}
