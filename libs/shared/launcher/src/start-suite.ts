import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureEmbeddedPki, type EmbeddedPki, type ServiceName } from '@stackyard/shared-tls';
import { ensureAdminToken } from './admin-token';
import { registerStopper } from './child-registry';
import { freePorts } from './free-port';
import { httpsRequest } from './https-request.util';
import { createDatabases, databaseUrl, dropDatabases } from './mysql-databases';
import { ServiceProcess, type ServiceHandle } from './service-process';

export type ServiceKey = 'api' | 'identity' | 'secrets' | 'consoleBackend';

export interface S3Options {
  /** `http://127.0.0.1:7070` — any S3-compatible endpoint, path-style. */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string;
  /** Key prefix inside the bucket, so several suites can share one bucket. */
  prefix?: string;
}

/** Production-shaped storage: one MySQL/MariaDB server (a database per service) and S3. */
export interface ExternalModeOptions {
  /** Server URL (`mysql://root@127.0.0.1:3306/`); the launcher creates `<prefix>_api`, `_identity`, `_secrets`. */
  mysqlUrl?: string;
  /** Database name prefix for `mysqlUrl` (default `stackyard`); tests use a unique one per suite. */
  databasePrefix?: string;
  /** Or: one ready URL per service (then nothing is created). */
  databaseUrls?: { api: string; identity: string; secrets: string };
  /** Drop the databases the launcher created when the suite stops (tests on a shared server). */
  dropDatabasesOnStop?: boolean;
  s3: S3Options;
}

export type SuiteMode = 'embedded' | ExternalModeOptions;

export interface SuitePorts {
  api?: number;
  identity?: number;
  secrets?: number;
  consoleBackend?: number;
}

export interface StartSuiteOptions {
  /** Everything the suite writes lives here: tls/, db/, objects/, keys/, logs/, admin-token. */
  dataDir: string;
  /** Default `embedded`: SQLite + disk objects + generated local key + generated CA. */
  mode?: SuiteMode;
  /** 0 or undefined picks a free port. */
  ports?: SuitePorts;
  /** Extra names/IPs for the api's public certificate (127.0.0.1 and localhost are always in it). */
  publicHosts?: string[];
  leaseSeconds?: number;
  /** Bootstrap admin token; default: the one in `<dataDir>/admin-token`, generated on first start. */
  bootstrapToken?: string;
  adminLogin?: string;
  org?: string;
  /** Added to every service's environment (after the launcher's own; `undefined` removes a variable). */
  extraEnv?: Record<string, string | undefined>;
  /** Per-service additions, applied after `extraEnv`. */
  serviceEnv?: Partial<Record<ServiceKey, Record<string, string | undefined>>>;
  /** Copy service output to stdout as well as `<dataDir>/logs/<service>.log`. */
  logToStdout?: boolean;
  logFormat?: 'json' | 'text';
  /** Per service; default 60 s (first start runs migrations). */
  readyTimeoutMs?: number;
  /** Where the compiled services live; default: the `dist/` this library was compiled into. */
  distDir?: string;
  /** Stop the suite and exit on SIGINT/SIGTERM/SIGHUP (default true). */
  handleSignals?: boolean;
  /** Called when a service that was ready exits without being asked to. */
  onUnexpectedExit?: (service: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface MintedToken {
  id: string;
  token: string;
}

export interface Suite {
  dataDir: string;
  /** What the CLI logs into: `https://127.0.0.1:<port>`. */
  apiUrl: string;
  consoleUrl: string;
  /** The installation CA (PEM file): `SSL_CERT_FILE` for the CLI. */
  caFile: string;
  adminToken: string;
  adminLogin: string;
  org: string;
  pki: EmbeddedPki;
  services: Record<ServiceKey, ServiceHandle>;
  /** Environment the api was started with (for a look, and for tests that start more replicas). */
  apiEnv: Readonly<NodeJS.ProcessEnv>;
  /** Each service's current environment (e.g. the secrets admin commands run with the secrets one). */
  serviceEnvs: Readonly<Record<ServiceKey, Readonly<NodeJS.ProcessEnv>>>;
  /**
   * Stops one service and starts it again on the same port with changed settings (`undefined`
   * removes a variable), as a rolling restart with new configuration would; the others keep running.
   */
  restartService(key: ServiceKey, envChanges?: Record<string, string | undefined>): Promise<void>;
  /** Another api replica on its own port sharing the same database and object store. */
  startExtraApi(options?: { port?: number; extraEnv?: Record<string, string | undefined> }): Promise<ServiceHandle>;
  /** A new access token for `login` through identity's internal route (mutual TLS). */
  mintToken(login: string, name: string, options?: { expiresInSeconds?: number }): Promise<MintedToken>;
  revokeToken(id: string): Promise<void>;
  /** Stops every process of the suite (api replicas and console first, secrets last). */
  stop(): Promise<void>;
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;

/** The certificate a readiness probe presents: the service's own (`apps/<app>` → service name). */
function probeIdentity(app: string): ServiceName {
  return app as ServiceName;
}

function defaultDistDir(): string {
  // This file compiles to dist/libs/shared/launcher/src/start-suite.js.
  return resolve(__dirname, '..', '..', '..', '..');
}

function inheritedEnv(): NodeJS.ProcessEnv {
  // Settings meant for the launcher's host (STACKYARD_PORT of `npm start`, STACKYARD_TEST_* of
  // tests) must not leak into services: each gets exactly the STACKYARD_* the launcher chooses.
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('STACKYARD_')) env[key] = value;
  // Set by `node --test` for its test processes; a service is not one.
  delete env.NODE_TEST_CONTEXT;
  return env;
}

function applyEnv(target: NodeJS.ProcessEnv, extra: Record<string, string | undefined> | undefined): void {
  for (const [key, value] of Object.entries(extra ?? {})) {
    if (value === undefined) delete target[key];
    else target[key] = value;
  }
}

/**
 * Starts the four Stackyard services as child processes of this one, wired to each other over
 * mutual TLS on loopback, and waits until each answers `/readyz`. Used by `npm start` (embedded),
 * the integration and e2e tests (both modes) and benchmarks.
 */
export async function startSuite(options: StartSuiteOptions): Promise<Suite> {
  const dataDir = resolve(options.dataDir);
  const mode = options.mode ?? 'embedded';
  const distDir = options.distDir ?? defaultDistDir();
  const logsDir = join(dataDir, 'logs');
  mkdirSync(logsDir, { recursive: true, mode: 0o700 });

  const pki = await ensureEmbeddedPki(join(dataDir, 'tls'), options.publicHosts ?? []);
  const caPem = readFileSync(pki.caFile, 'utf8');
  const tokenFile = join(dataDir, 'admin-token');
  const { token: adminToken } = ensureAdminToken(tokenFile, options.bootstrapToken);
  const adminLogin = options.adminLogin ?? 'admin';
  const org = options.org ?? 'stackyard';

  const wanted = options.ports ?? {};
  const keys: ServiceKey[] = ['api', 'identity', 'secrets', 'consoleBackend'];
  const missing = keys.filter((k) => !wanted[k]);
  const picked = await freePorts(missing.length);
  const ports = {} as Record<ServiceKey, number>;
  for (const key of keys) ports[key] = wanted[key] || picked.shift()!;
  const url = (port: number) => `https://127.0.0.1:${port}`;
  const urls = { api: url(ports.api), identity: url(ports.identity), secrets: url(ports.secrets), consoleBackend: url(ports.consoleBackend) };

  // Storage per mode.
  let dbUrls: { api: string; identity: string; secrets: string };
  let objectStoreEnv: Record<string, string>;
  let createdDatabases: { server: string; names: string[] } | undefined;
  if (mode === 'embedded') {
    const db = (name: string) => `sqlite:${join(dataDir, 'db', `${name}.db`)}`;
    dbUrls = { api: db('api'), identity: db('identity'), secrets: db('secrets') };
    objectStoreEnv = { STACKYARD_OBJECT_STORE: 'disk', STACKYARD_OBJECT_STORE_DIR: join(dataDir, 'objects') };
  } else {
    if (mode.databaseUrls) {
      dbUrls = mode.databaseUrls;
    } else if (mode.mysqlUrl) {
      const prefix = mode.databasePrefix ?? 'stackyard';
      const names = { api: `${prefix}_api`, identity: `${prefix}_identity`, secrets: `${prefix}_secrets` };
      await createDatabases(mode.mysqlUrl, Object.values(names));
      if (mode.dropDatabasesOnStop) createdDatabases = { server: mode.mysqlUrl, names: Object.values(names) };
      dbUrls = { api: databaseUrl(mode.mysqlUrl, names.api), identity: databaseUrl(mode.mysqlUrl, names.identity), secrets: databaseUrl(mode.mysqlUrl, names.secrets) };
    } else {
      throw new Error('startSuite: the external mode needs mysqlUrl or databaseUrls');
    }
    const s3 = mode.s3;
    objectStoreEnv = {
      STACKYARD_OBJECT_STORE: 's3',
      STACKYARD_S3_ENDPOINT: s3.endpoint,
      STACKYARD_S3_BUCKET: s3.bucket,
      STACKYARD_S3_ACCESS_KEY: s3.accessKey,
      STACKYARD_S3_SECRET_KEY: s3.secretKey,
      STACKYARD_S3_REGION: s3.region ?? 'us-east-1',
      ...(s3.prefix ? { STACKYARD_S3_PREFIX: s3.prefix } : {}),
    };
  }

  const common = (service: 'api' | 'identity' | 'secrets' | 'console-backend', port: number, publicListener: boolean): NodeJS.ProcessEnv => {
    const own = pki.services[service];
    return {
      ...inheritedEnv(),
      NODE_ENV: process.env.NODE_ENV ?? 'production',
      STACKYARD_PORT: String(port),
      STACKYARD_LISTEN_HOST: '127.0.0.1',
      STACKYARD_TLS_CERT_FILE: publicListener ? pki.publicCertFile : own.certFile,
      STACKYARD_TLS_KEY_FILE: publicListener ? pki.publicKeyFile : own.keyFile,
      STACKYARD_INTERNAL_CA_FILE: pki.caFile,
      STACKYARD_INTERNAL_CERT_FILE: own.certFile,
      STACKYARD_INTERNAL_KEY_FILE: own.keyFile,
      STACKYARD_LOG_FORMAT: options.logFormat ?? 'json',
      STACKYARD_IDENTITY_URL: urls.identity,
      STACKYARD_SECRETS_URL: urls.secrets,
      STACKYARD_API_URL: urls.api,
    };
  };
  const finish = (env: NodeJS.ProcessEnv, key: ServiceKey): NodeJS.ProcessEnv => {
    applyEnv(env, options.extraEnv);
    applyEnv(env, options.serviceEnv?.[key]);
    return env;
  };

  const envs: Record<ServiceKey, NodeJS.ProcessEnv> = {
    secrets: finish(
      {
        ...common('secrets', ports.secrets, false),
        STACKYARD_DATABASE_URL: dbUrls.secrets,
        STACKYARD_LOCAL_KEY_FILE: join(dataDir, 'keys', 'local-key'),
        STACKYARD_GENERATE_LOCAL_KEY: 'true',
      },
      'secrets',
    ),
    identity: finish(
      {
        ...common('identity', ports.identity, false),
        STACKYARD_DATABASE_URL: dbUrls.identity,
        STACKYARD_BOOTSTRAP_ADMIN_TOKEN_FILE: tokenFile,
        STACKYARD_BOOTSTRAP_ADMIN_LOGIN: adminLogin,
        STACKYARD_BOOTSTRAP_ORG: org,
        // Organizations' SAML service providers live on the console host (entity ID, ACS URL).
        STACKYARD_CONSOLE_URL: urls.consoleBackend,
      },
      'identity',
    ),
    api: finish(
      {
        ...common('api', ports.api, true),
        STACKYARD_DATABASE_URL: dbUrls.api,
        ...objectStoreEnv,
        ...(options.leaseSeconds ? { STACKYARD_LEASE_SECONDS: String(options.leaseSeconds) } : {}),
      },
      'api',
    ),
    consoleBackend: finish({ ...common('console-backend', ports.consoleBackend, true) }, 'consoleBackend'),
  };
  mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 });

  const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const entry = (app: string) => join(distDir, 'apps', app, 'src', 'main.js');
  const make = (name: string, app: string, env: NodeJS.ProcessEnv, port: number) =>
    new ServiceProcess({
      name,
      entry: entry(app),
      env,
      port,
      url: url(port),
      caPem,
      probeCertPem: readFileSync(pki.services[probeIdentity(app)].certFile, 'utf8'),
      probeKeyPem: readFileSync(pki.services[probeIdentity(app)].keyFile, 'utf8'),
      logFile: join(logsDir, `${name}.log`),
      tee: options.logToStdout,
      readyTimeoutMs,
      onUnexpectedExit: options.onUnexpectedExit,
    });
  const services: Record<ServiceKey, ServiceProcess> = {
    secrets: make('secrets', 'secrets', envs.secrets, ports.secrets),
    identity: make('identity', 'identity', envs.identity, ports.identity),
    api: make('api', 'api', envs.api, ports.api),
    consoleBackend: make('console-backend', 'console-backend', envs.consoleBackend, ports.consoleBackend),
  };
  const extraApis: ServiceProcess[] = [];

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      unregister();
      await Promise.all([...extraApis, services.api, services.consoleBackend].map((s) => s.stop()));
      await services.identity.stop();
      await services.secrets.stop();
      if (createdDatabases) await dropDatabases(createdDatabases.server, createdDatabases.names);
    })();
    return stopping;
  };
  const unregister = options.handleSignals === false ? () => undefined : registerStopper(stop);

  try {
    // Dependency order: secrets has no peers, identity may call secrets, api and console call both.
    await services.secrets.start();
    await services.identity.start();
    await Promise.all([services.api.start(), services.consoleBackend.start()]);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }

  const serviceClient = pki.services['console-backend'];
  const mtls = { ca: caPem, cert: readFileSync(serviceClient.certFile), key: readFileSync(serviceClient.keyFile) };

  return {
    dataDir,
    apiUrl: urls.api,
    consoleUrl: urls.consoleBackend,
    caFile: pki.caFile,
    adminToken,
    adminLogin,
    org,
    pki,
    services,
    apiEnv: envs.api,
    serviceEnvs: envs,
    async restartService(key, envChanges) {
      // The process spec holds this very object, so the next start sees the change.
      applyEnv(envs[key], envChanges);
      await services[key].restart();
    },
    async startExtraApi(extra = {}) {
      const port = extra.port || (await freePorts(1))[0];
      const env: NodeJS.ProcessEnv = { ...envs.api, STACKYARD_PORT: String(port) };
      applyEnv(env, extra.extraEnv);
      const replica = make(`api-${extraApis.length + 2}`, 'api', env, port);
      extraApis.push(replica);
      await replica.start();
      return replica;
    },
    async mintToken(login, name, mintOptions) {
      const body = { login, name, ...(mintOptions?.expiresInSeconds === undefined ? {} : { expiresInSeconds: mintOptions.expiresInSeconds }) };
      const res = await httpsRequest(`${urls.identity}/internal/v1/tokens`, { ...mtls, method: 'POST', body });
      if (res.status < 200 || res.status >= 300) throw new Error(`minting a token for ${login} failed: HTTP ${res.status} ${res.text.slice(0, 300)}`);
      const minted = JSON.parse(res.text) as Partial<MintedToken>;
      if (typeof minted.token !== 'string' || typeof minted.id !== 'string') throw new Error('identity answered without {id, token}');
      return { id: minted.id, token: minted.token };
    },
    async revokeToken(id) {
      const res = await httpsRequest(`${urls.identity}/internal/v1/tokens/${encodeURIComponent(id)}`, { ...mtls, method: 'DELETE' });
      if (res.status < 200 || res.status >= 300) throw new Error(`revoking token ${id} failed: HTTP ${res.status} ${res.text.slice(0, 300)}`);
    },
    stop,
  };
}
