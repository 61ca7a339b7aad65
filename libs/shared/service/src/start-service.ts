import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { ConsoleLogger, type DynamicModule, type INestApplication, type LoggerService, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApiError } from '@stackyard/shared-errors';
import { parseJsonBody, readBody } from '@stackyard/shared-http';
import { peerServiceName } from '@stackyard/shared-tls';
import { AllExceptionsFilter, sendError } from './all-exceptions.filter';
import { METRICS_PATH, ServiceMetrics } from './metrics';
import type { ServiceConfig } from './service-config';

export interface ServiceAppOptions {
  name: string;
  module: Type | DynamicModule;
  config: ServiceConfig;
  /**
   * Internal services accept requests only from mutually verified peers named here (their
   * certificate's `spiffe://stackyard/<name>` URI). Leave undefined for a public listener.
   */
  allowedPeers?: string[];
  /** Routes whose body is handed to the handler as raw bytes (`req.rawBody`) instead of parsed JSON. */
  rawBodyRoutes?: RegExp[];
  /** Largest inflated request body, per path (checkpoints may be far larger than other calls). */
  maxBodyBytes: number | ((path: string) => number);
  /**
   * Runs before a request body is read, so that large bodies are accepted only from callers who
   * may send them (an unauthenticated client must not make the server inflate a gigabyte).
   */
  beforeBody?: (app: INestApplication) => (req: RequestWithBody, path: string) => Promise<void>;
  /** Checks `/readyz` runs (database reachable, migrations applied, …). */
  readiness?: (app: INestApplication) => Array<() => Promise<void>>;
  /** The service's metrics, when it records more than requests (e.g. leadership); else created here. */
  metrics?: ServiceMetrics;
}

export interface RunningService {
  app: INestApplication;
  url: string;
  metrics: ServiceMetrics;
  close(): Promise<void>;
}

export type RequestWithBody = IncomingMessage & { rawBody?: Buffer; body?: unknown; requestId?: string; originalUrl?: string };

const PUBLIC_PATHS = new Set(['/healthz', '/readyz']);

export function createLogger(name: string, config: ServiceConfig): LoggerService {
  return new ConsoleLogger({ prefix: `stackyard-${name}`, json: config.LOG_FORMAT === 'json', colors: false });
}

/**
 * Builds and starts one Stackyard service: TLS listener (mutual TLS for internal services), JSON
 * logs, request ids, our own body reading (gzip, limits, 400 on malformed input), one error shape
 * for every failure, and liveness/readiness endpoints.
 */
export async function startService(options: ServiceAppOptions): Promise<RunningService> {
  const { config } = options;
  const logger = createLogger(options.name, config);
  const internal = options.allowedPeers !== undefined;
  let httpsOptions: Record<string, unknown> | undefined;
  if (config.INSECURE_HTTP && !internal) {
    logger.warn(
      `STACKYARD_INSECURE_HTTP=true: serving PLAIN HTTP on ${config.LISTEN_HOST}:${config.PORT}. Tokens and state travel unencrypted unless a TLS proxy terminates in front of this service.`,
    );
  } else {
    if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) throw new Error('TLS certificate and key are required');
    httpsOptions = { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) };
    if (internal) {
      if (!config.INTERNAL_CA_FILE) throw new Error('STACKYARD_INTERNAL_CA_FILE is required for an internal service');
      // Every client must present a certificate from the internal CA, or the handshake fails;
      // *which* service may call is checked per request below (health probes may come from any
      // verified peer, e.g. the launcher probing with the service's own certificate).
      Object.assign(httpsOptions, { ca: readFileSync(config.INTERNAL_CA_FILE), requestCert: true, rejectUnauthorized: true });
    }
  }
  const app = await NestFactory.create(options.module, {
    bodyParser: false,
    logger,
    ...(httpsOptions ? { httpsOptions } : {}),
  });
  app.enableShutdownHooks();
  const rawRoutes = options.rawBodyRoutes ?? [];
  const readiness = options.readiness?.(app) ?? [];
  const beforeBody = options.beforeBody?.(app);
  const metrics = options.metrics ?? new ServiceMetrics(options.name);

  app.use((req: RequestWithBody, res: ServerResponse, next: (err?: unknown) => void) => {
    const requestId = (req.headers['x-request-id'] as string | undefined)?.slice(0, 64) || randomUUID();
    req.requestId = requestId;
    res.setHeader('X-Request-ID', requestId);
    res.setHeader('X-Pulumi-Request-ID', requestId);
    const path = (req.url ?? '/').split('?')[0];
    const probe = path === '/healthz' || path === '/readyz' || path === METRICS_PATH;
    metrics.observe(req, res, probe ? path : undefined);
    // Prometheus' scrape: unauthenticated on every service (internal ones still require a client
    // certificate from the installation's CA at the TLS handshake), meant for in-cluster scrapers
    // only. It carries no stack names, ids or secrets (see ServiceMetrics).
    if (path === METRICS_PATH && (req.method === 'GET' || req.method === 'HEAD')) {
      req.resume();
      metrics
        .render()
        .then((text) => {
          res.setHeader('content-type', metrics.contentType());
          res.end(req.method === 'HEAD' ? undefined : text);
        })
        .catch((error: unknown) => {
          logger.warn(`metrics could not be collected: ${(error as Error).message}`);
          sendError(res, ApiError.unavailable('metrics unavailable'));
        });
      return;
    }
    if (path === '/healthz') {
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      Promise.all(readiness.map((check) => check()))
        .then(() => {
          res.setHeader('content-type', 'application/json');
          res.end('{"status":"ready"}');
        })
        .catch((error: unknown) => {
          logger.warn(`readiness check failed: ${(error as Error).message}`);
          sendError(res, ApiError.unavailable('not ready'));
        });
      return;
    }
    if (internal && !PUBLIC_PATHS.has(path)) {
      const peer = peerServiceName(req.socket as TLSSocket);
      if (!peer || !options.allowedPeers!.includes(peer)) {
        sendError(res, ApiError.forbidden('this service accepts only mutually authenticated Stackyard services'));
        return;
      }
    }
    const method = req.method ?? 'GET';
    if (method === 'GET' || method === 'HEAD' || method === 'DELETE' || method === 'OPTIONS') {
      req.resume();
      next();
      return;
    }
    Promise.resolve(beforeBody?.(req, path))
      .then(() => readBody(req, { maxBytes: typeof options.maxBodyBytes === 'number' ? options.maxBodyBytes : options.maxBodyBytes(path) }))
      .then((body) => {
        req.rawBody = body;
        if (!rawRoutes.some((r) => r.test(path))) req.body = parseJsonBody(body);
        next();
      })
      .catch((error: unknown) => {
        if (error instanceof ApiError) {
          req.resume();
          sendError(res, error, req.requestId);
        } else next(error);
      });
  });
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  const server = app.getHttpServer() as import('node:http').Server;
  // Large checkpoints over slow links: no request timeout, but idle sockets are reaped.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 65_000;
  await app.listen(config.PORT, config.LISTEN_HOST);
  const address = server.address() as AddressInfo;
  const scheme = httpsOptions ? 'https' : 'http';
  const host = address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `${scheme}://${host}:${address.port}`;
  logger.log(`${options.name} listening on ${url}${internal ? ' (mutual TLS)' : ''}`);
  return {
    app,
    url,
    metrics,
    close: async () => {
      await app.close();
    },
  };
}
