import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { createConnection } from 'mysql2/promise';
import { createCertificateAuthority, issueCertificate, type PemPair } from '@stackyard/shared-tls';
import {
  freePort,
  hiddenField,
  keepTestData,
  type MariadbPeer,
  parseManifests,
  removeTempDir,
  PulumiCli,
  REPO_ROOT,
  renderChart,
  type SlapdPeer,
  startMariadb,
  startSlapd,
  startVersitygw,
  tempDir,
  TestBrowser,
  type VersitygwPeer,
} from '@stackyard/testing';
import { initStack, sharedProjectDir } from '../access/support/project';
import { ldapDirectories } from '../console/support/console-browser';
import { runProgram } from '../support/program';
import { type ContainerProcess, runToCompletion, startAndAwaitReady } from './support/container-process';
import { type LaunchSpec, RenderedRelease, type SuppliedObject, type Workload } from './support/rendered-release';

/**
 * Issue 7's acceptance test: the Helm chart, not the launcher, decides how Stackyard runs. The chart
 * is rendered with test values (e2e/chart/chart-driven-values.yaml: certificates, database, object
 * store and key from Secrets, as an operator provides them), and every container of the migrations
 * Job and of the four Deployments is started as a local process with exactly the command, args,
 * environment and mounted files the rendered manifests give it (support/rendered-release.ts).
 * MariaDB and versitygw (S3 over TLS) stand in for the in-cluster database and object store. Then
 * the real `pulumi` CLI runs a stack's whole life against it, and a person signed in on the console
 * (an OpenLDAP directory user) sees the CLI's stack, read by the console from the api at the URL
 * the chart gives it.
 *
 * What this machine has instead of a cluster, and nothing else:
 * - mountPaths and the image's /app are local directories (Secret/ConfigMap items written as files);
 *   the image's `node` is this test's Node;
 * - the pod network is loopback: a listen address of 0.0.0.0 becomes 127.0.0.1, and
 *   `<service>.<namespace>.svc.cluster.local` resolves to 127.0.0.1 through one added
 *   `--require support/cluster-dns.preload.js` in NODE_OPTIONS (the only variable the test adds to
 *   a container's environment, besides the image's own NODE_ENV/PATH/HOME). The values make each
 *   Service port equal to its container port, so the URLs in the manifests reach the right process;
 * - one replica per Deployment (several on one loopback address would need one port each).
 */

const RELEASE = 'stackyard';
const NAMESPACE = 'stackyard-e2e';
const CHART_DIR = join(REPO_ROOT, 'charts', 'stackyard');
const VALUES_FILE = join(REPO_ROOT, 'e2e', 'chart', 'chart-driven-values.yaml');
const DNS_PRELOAD = join(__dirname, 'support', 'cluster-dns.preload.js');
const API_HOST = 'api.stackyard.example.com';
const CONSOLE_HOST = 'app.stackyard.example.com';
const PROJECT = 'chart';
/** The services in the order they depend on each other (Kubernetes would start them together). */
const SERVICES = ['secrets', 'identity', 'api', 'console'] as const;
type Component = (typeof SERVICES)[number];

/** The chart's service identities (`spiffe://stackyard/<id>`), per component. */
const SPIFFE_ID: Record<Component, string> = { api: 'api', identity: 'identity', secrets: 'secrets', console: 'console-backend' };

interface Tls {
  ca: PemPair;
  supplied: SuppliedObject[];
}

/** The installation CA and the certificate Secrets `tls.mode: secrets` expects, as cert-manager would issue them. */
async function provideTls(): Promise<Tls> {
  const ca = await createCertificateAuthority('Stackyard chart e2e CA');
  const supplied: SuppliedObject[] = [];
  const secret = (name: string, pair: PemPair) => supplied.push({ kind: 'Secret', name, data: { 'tls.crt': pair.certPem, 'tls.key': pair.keyPem, 'ca.crt': ca.certPem } });
  for (const component of SERVICES) {
    const service = `${RELEASE}-${component}`;
    secret(
      `e2e-${component}-internal`,
      await issueCertificate(ca, {
        commonName: SPIFFE_ID[component],
        dnsNames: [service, `${service}.${NAMESPACE}.svc`, `${service}.${NAMESPACE}.svc.cluster.local`, 'localhost'],
        ipAddresses: ['127.0.0.1'],
        uris: [`spiffe://stackyard/${SPIFFE_ID[component]}`],
        serverAuth: true,
        clientAuth: true,
      }),
    );
  }
  // The public listeners; here the CLI reaches the api on loopback rather than through an Ingress.
  // The api's names include its Service's, as the chart's Certificate has them: the console calls it there.
  const apiService = `${RELEASE}-api`;
  secret(
    'e2e-api-public',
    await issueCertificate(ca, { commonName: API_HOST, dnsNames: [API_HOST, apiService, `${apiService}.${NAMESPACE}.svc.cluster.local`, 'localhost'], ipAddresses: ['127.0.0.1'] }),
  );
  secret('e2e-console-public', await issueCertificate(ca, { commonName: CONSOLE_HOST, dnsNames: [CONSOLE_HOST, 'localhost'], ipAddresses: ['127.0.0.1'] }));
  return { ca, supplied };
}

void describe('the Helm chart, run as rendered, serves the real CLI', { timeout: 10 * 60_000 }, () => {
  const workDir = tempDir('stackyard-e2e-chart');
  const logDir = join(workDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  let db: MariadbPeer | undefined;
  let s3: VersitygwPeer | undefined;
  let slapd: SlapdPeer | undefined;
  let release: RenderedRelease;
  let cli: PulumiCli;
  const running: ContainerProcess[] = [];
  const ports = {} as Record<Component, number>;
  const databases = { api: '', identity: '', secrets: '' };
  let dbUrl: URL;
  let caPem = '';
  const migrationsAfterJob: Record<string, number> = {};
  /** The database server's count of TLS handshakes (this test's own connections are plain). */
  let tlsAcceptsBefore = 0;
  let tlsAcceptsAfterStart = 0;
  let migrationsJobSpecs: LaunchSpec[] = [];
  const stackRef = `stackyard/${PROJECT}/dev`;
  const markers = {
    secretToken: `chart-secret-${randomBytes(6).toString('hex')}`,
    secretOutput: `chart-secret-output-${randomBytes(6).toString('hex')}`,
    plainOutput: `chart-plain-output-${randomBytes(6).toString('hex')}`,
    plainLabel: `chart-plain-label-${randomBytes(6).toString('hex')}`,
  };

  const launchSpecOf = (component: Component): LaunchSpec => {
    const found = running.find((p) => p.spec.workload === `Deployment/${RELEASE}-${component}`);
    assert.ok(found, `no running container of ${component}`);
    return found.spec;
  };

  /** The image's environment (docker/Dockerfile: NODE_ENV), a home directory, and PATH for `node`. */
  const imageEnv = (podDir: string): Record<string, string> => ({ NODE_ENV: 'production', PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: podDir });

  /** The only changes from manifest to process: loopback pod network and the cluster-DNS hook. */
  const onThisMachine = (spec: LaunchSpec): LaunchSpec => {
    const env = { ...spec.env };
    if (env.STACKYARD_LISTEN_HOST === '0.0.0.0') env.STACKYARD_LISTEN_HOST = '127.0.0.1';
    env.NODE_OPTIONS = [env.NODE_OPTIONS, `--require ${DNS_PRELOAD}`].filter(Boolean).join(' ');
    return { ...spec, env };
  };

  const materialize = (workload: Workload) => {
    const podName = `${workload.name}-0`;
    const podDir = join(workDir, 'pods', podName);
    const specs = release.materialize(workload, podDir, { podName, namespace: NAMESPACE, podIp: '127.0.0.1', nodeName: 'localhost', serviceAccountName: workload.name }, { appDir: '/app', localAppDir: REPO_ROOT, env: imageEnv(podDir) });
    return { init: specs.init.map(onThisMachine), main: specs.main.map(onThisMachine) };
  };

  before(async () => {
    const [binary, tls, directory] = await Promise.all([PulumiCli.binaryPath(), provideTls(), startSlapd()]);
    slapd = directory;
    const caFile = join(workDir, 'ca.pem');
    writeFileSync(caFile, tls.ca.certPem);
    caPem = tls.ca.certPem;

    // The external database serves TLS with a certificate from the installation CA for the address
    // the URLs name (127.0.0.1); the chart's default externalDatabase.tls.enabled makes every
    // service and the Job verify it (their URLs end in ?ssl-ca=, the CA from the e2e-db-ca ConfigMap).
    const dbCert = await issueCertificate(tls.ca, { commonName: '127.0.0.1', ipAddresses: ['127.0.0.1'], serverAuth: true });
    const dbCertFile = join(workDir, 'mariadb.pem');
    const dbKeyFile = join(workDir, 'mariadb-key.pem');
    writeFileSync(dbCertFile, dbCert.certPem);
    writeFileSync(dbKeyFile, dbCert.keyPem, { mode: 0o600 });
    db = await startMariadb({ reuse: false, serverArgs: [`--ssl-ca=${caFile}`, `--ssl-cert=${dbCertFile}`, `--ssl-key=${dbKeyFile}`] });
    const s3Cert = await issueCertificate(tls.ca, { commonName: 's3', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const s3CertFile = join(workDir, 's3.pem');
    const s3KeyFile = join(workDir, 's3-key.pem');
    writeFileSync(s3CertFile, s3Cert.certPem);
    writeFileSync(s3KeyFile, s3Cert.keyPem, { mode: 0o600 });
    s3 = await startVersitygw({ tls: { certFile: s3CertFile, keyFile: s3KeyFile, caFile } });

    const prefix = `chart_${randomBytes(4).toString('hex')}`;
    for (const service of ['api', 'identity', 'secrets'] as const) {
      databases[service] = `${prefix}_${service}`;
      await db.createDatabase(databases[service]);
    }
    dbUrl = new URL(db.url);
    for (const component of SERVICES) ports[component] = await freePort();
    const bucket = s3.uniqueBucket('chart');

    const supplied: SuppliedObject[] = [
      ...tls.supplied,
      // The chart documents that passwords must be URL-safe or percent-encoded: this is the latter.
      { kind: 'Secret', name: 'e2e-db', data: { 'api-password': dbUrl.password, 'identity-password': dbUrl.password, 'secrets-password': dbUrl.password } },
      { kind: 'Secret', name: 'e2e-s3', data: { 'access-key': s3.accessKey, 'secret-key': s3.secretKey } },
      { kind: 'ConfigMap', name: 'e2e-s3-ca', data: { 'ca.crt': tls.ca.certPem } },
      { kind: 'ConfigMap', name: 'e2e-db-ca', data: { 'ca.crt': tls.ca.certPem } },
      { kind: 'Secret', name: 'e2e-local-key', data: { 'local-key': randomBytes(32).toString('hex') } },
      // The organization's LDAP directory, for signing a person in on the console.
      { kind: 'Secret', name: 'e2e-directories', data: { 'directories.json': ldapDirectories(directory, 'stackyard') } },
    ];
    const user = decodeURIComponent(dbUrl.username);
    const set = [
      `externalDatabase.host=${dbUrl.hostname}`,
      `externalDatabase.port=${dbUrl.port || '3306'}`,
      ...(['api', 'identity', 'secrets'] as const).flatMap((s) => [`externalDatabase.${s}.user=${user}`, `externalDatabase.${s}.database=${databases[s]}`]),
      `externalS3.endpoint=${s3.endpoint}`,
      `externalS3.bucket=${bucket}`,
      'identity.directories.existingSecret=e2e-directories',
      ...SERVICES.flatMap((c) => [`${c}.containerPort=${ports[c]}`, `${c}.service.port=${ports[c]}`]),
    ];
    const manifests = parseManifests(renderChart(CHART_DIR, { release: RELEASE, namespace: NAMESPACE, valuesFiles: [VALUES_FILE], set }));
    release = new RenderedRelease(manifests, supplied);

    // The migrations Job: init containers one after another, then its container, each to exit 0.
    tlsAcceptsBefore = await tlsAccepts();
    const job = materialize(release.workload('Job', `${RELEASE}-migrations`));
    migrationsJobSpecs = [...job.init, ...job.main];
    for (const container of migrationsJobSpecs) await runToCompletion(container, logDir, 120_000);
    for (const [service, name] of Object.entries(databases)) migrationsAfterJob[service] = await countMigrations(name);

    for (const component of SERVICES) {
      const pod = materialize(release.workload('Deployment', `${RELEASE}-${component}`));
      assert.equal(pod.init.length, 0, `${component}: init containers are not expected`);
      for (const container of pod.main) running.push(await startAndAwaitReady(container, logDir, 90_000, caPem));
    }
    tlsAcceptsAfterStart = await tlsAccepts();

    const token = release.secretValue(`${RELEASE}-bootstrap`, 'admin-token');
    cli = new PulumiCli({ binary, caFile, accessToken: token, cwd: sharedProjectDir(PROJECT) });
    await cli.login(`https://127.0.0.1:${ports.api}`);
  });

  after(async () => {
    // Consumers first, as a rollout would drain them; then the peers.
    for (const proc of [...running].reverse()) await proc.process.stop(10_000);
    await Promise.all([db?.stop(), s3?.stop(), slapd?.stop()]);
    // Keys and logs of the run; STACKYARD_TEST_KEEP_DATA keeps them for a look.
    if (!keepTestData()) removeTempDir(workDir);
  });

  const connectAsTest = (database?: string) =>
    createConnection({ host: dbUrl.hostname, port: Number(dbUrl.port || '3306'), user: decodeURIComponent(dbUrl.username), password: decodeURIComponent(dbUrl.password), database });

  async function tlsAccepts(): Promise<number> {
    const connection = await connectAsTest();
    try {
      const [rows] = await connection.query<import('mysql2').RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Ssl_accepts'");
      return Number(rows[0]?.Value ?? Number.NaN);
    } finally {
      await connection.end();
    }
  }

  async function countMigrations(database: string): Promise<number> {
    const connection = await connectAsTest(database);
    try {
      const [tables] = await connection.query<import('mysql2').RowDataPacket[]>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ?', [database]);
      const migrationTable = tables.map((t) => String(t.name)).find((n) => /migrations$/i.test(n));
      if (!migrationTable) return 0;
      const [rows] = await connection.query<import('mysql2').RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${migrationTable}\``);
      return Number(rows[0].n);
    } finally {
      await connection.end();
    }
  }

  void it('ran the migrations from the Job, and the services are told not to migrate on start', () => {
    assert.deepEqual(
      migrationsJobSpecs.map((s) => `${s.container}: ${s.args.join(' ')}`),
      ['migrate-secrets: dist/apps/secrets/src/migrate.js', 'migrate-identity: dist/apps/identity/src/migrate.js', 'migrate-api: dist/apps/api/src/migrate.js'],
    );
    for (const [service, count] of Object.entries(migrationsAfterJob)) assert.ok(count > 0, `the Job applied no migration to the ${service} database`);
    for (const component of SERVICES.filter((c) => c !== 'console')) assert.equal(launchSpecOf(component).env.STACKYARD_MIGRATE_ON_START, 'false', component);
  });

  void it('connects the Job and every service to the database over TLS, verified against the CA the chart mounts', () => {
    const databaseUsers = [...migrationsJobSpecs, ...SERVICES.filter((c) => c !== 'console').map(launchSpecOf)];
    for (const spec of databaseUsers) {
      const url = new URL(spec.env.STACKYARD_DATABASE_URL);
      const caFile = url.searchParams.get('ssl-ca');
      assert.ok(caFile, `${spec.container}: its database URL names a CA`);
      // The manifest's /etc/stackyard/database-ca/ca.crt, as mounted for this pod from the e2e-db-ca ConfigMap.
      assert.equal(caFile, join(spec.mounts.get('/etc/stackyard/database-ca') ?? '(not mounted)', 'ca.crt'), `${spec.container}: ssl-ca is the mounted CA`);
      assert.equal(readFileSync(caFile, 'utf8'), caPem, `${spec.container}: the mounted CA is the one that signed the database's certificate`);
    }
    assert.equal(launchSpecOf('console').env.STACKYARD_DATABASE_URL, undefined, 'console-backend has no database');
    // Each of the three Job containers and three services opened at least one connection, every one a TLS handshake.
    assert.ok(tlsAcceptsAfterStart - tlsAcceptsBefore >= databaseUsers.length, `the database accepted ${tlsAcceptsAfterStart - tlsAcceptsBefore} TLS connections, expected at least ${databaseUsers.length}`);
  });

  void it('runs every service with the command line and environment of its manifest', () => {
    for (const component of SERVICES) {
      const spec = launchSpecOf(component);
      const proc = running.find((p) => p.spec === spec)!;
      const app = component === 'console' ? 'console-backend' : component;
      assert.deepEqual(spec.args, [`dist/apps/${app}/src/main.js`], `${component}: args from the manifest`);
      assert.equal(spec.cwd, REPO_ROOT, `${component}: workingDir /app is the repository`);
      // What the kernel says the process is running, and with which environment.
      const argv = readFileSync(`/proc/${proc.process.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      assert.deepEqual(argv, [process.execPath, ...spec.args]);
      const environ = new Map(
        readFileSync(`/proc/${proc.process.pid}/environ`, 'utf8')
          .split('\0')
          .filter(Boolean)
          .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      assert.equal(environ.get('STACKYARD_PORT'), String(ports[component]));
      assert.match(environ.get('STACKYARD_TLS_CERT_FILE') ?? '', new RegExp(`pods/${RELEASE}-${component}-0/volumes/listener-tls/tls\\.crt$`));
      assert.ok(!environ.has('STACKYARD_DATABASE_URL') || !environ.get('STACKYARD_DATABASE_URL')!.includes('$('), 'the database URL is composed from the password');
      // The process got the manifest's variables and the image's, plus NODE_OPTIONS, nothing of this test's.
      const allowed = new Set([...Object.keys(spec.env)]);
      for (const name of environ.keys()) assert.ok(allowed.has(name), `${component} has ${name}, which neither its manifest nor the image sets`);
    }
    // The in-cluster URLs of the manifests, each Service's port being its container's.
    assert.equal(launchSpecOf('api').env.STACKYARD_IDENTITY_URL, `https://${RELEASE}-identity.${NAMESPACE}.svc.cluster.local:${ports.identity}`);
    for (const component of SERVICES) {
      const service = release.services.find((s) => s.name === `${RELEASE}-${component}`);
      assert.ok(service, `Service ${RELEASE}-${component}`);
      assert.equal(service.ports[0].port, ports[component]);
      assert.equal(launchSpecOf(component).ports.get(String(service.ports[0].targetPort)), ports[component]);
    }
  });

  void it('takes a stack through init, secret config, up, export, history, destroy and rm with the real CLI', async () => {
    await initStack(cli, stackRef);
    const up = await runProgram(cli, { op: 'up', projectName: PROJECT, stackName: stackRef, program: { resources: 3, generation: 1, markers } });
    assert.equal(up.result, 'succeeded');
    assert.equal(up.resourceChanges?.create, 4, 'the stack and three resources were created');

    const exported = await cli.ok(['stack', 'export', '--stack', stackRef]);
    const deployment = (JSON.parse(exported.stdout) as { deployment: { resources?: { type: string; inputs?: Record<string, unknown> }[] } }).deployment;
    const items = (deployment.resources ?? []).filter((r) => r.type.startsWith('pulumi-nodejs:dynamic'));
    assert.equal(items.length, 3, 'the exported state lists the three resources');
    assert.match(exported.stdout, /"ciphertext"/, 'secrets are stored encrypted');
    assert.ok(!exported.stdout.includes(markers.secretToken), 'the secret input is not in the state in plaintext');
    assert.ok(!exported.stdout.includes(markers.secretOutput), 'the secret output is not in the state in plaintext');
    assert.ok(exported.stdout.includes(markers.plainLabel), 'plain values are');
    // The secrets service (its key from the mounted local-key Secret) decrypts them again.
    const revealed = await cli.ok(['stack', 'export', '--show-secrets', '--stack', stackRef]);
    assert.ok(revealed.stdout.includes(markers.secretToken));
    const config = await cli.ok(['config', 'get', 'dbPassword', '--stack', stackRef]);
    assert.equal(config.stdout.trim(), 'not-a-real-password');

    const history = await cli.ok(['stack', 'history', '--stack', stackRef]);
    assert.match(history.stdout, /UpdateKind: update/);
    assert.match(history.stdout, /Status: succeeded/);

    const destroyed = await runProgram(cli, { op: 'destroy', projectName: PROJECT, stackName: stackRef, program: { resources: 3, generation: 1, markers } });
    assert.equal(destroyed.result, 'succeeded');
    await cli.ok(['stack', 'rm', '--yes', '--stack', stackRef]);
    const listed = await cli.ok(['stack', 'ls', '--all', '--json']);
    assert.ok(!listed.stdout.includes(`"${stackRef}"`) && !listed.stdout.includes('"dev"'), 'the stack is gone');
  });

  void it('lets a person signed in on the console see the CLI\'s stacks, read from the api at the Service URL the chart sets', async () => {
    const consoleSpec = launchSpecOf('console');
    // The api's Service, whose certificate the console verifies against the internal CA it already has (no STACKYARD_API_CA_FILE).
    assert.equal(consoleSpec.env.STACKYARD_API_URL, `https://${RELEASE}-api.${NAMESPACE}.svc.cluster.local:${ports.api}`);
    assert.equal(consoleSpec.env.STACKYARD_API_CA_FILE, undefined);
    const consoleStack = `stackyard/${PROJECT}/console-${randomBytes(3).toString('hex')}`;
    await initStack(cli, consoleStack);
    try {
      // A browser at the console's public origin (the Ingress host), its connections routed to the console process.
      setDefaultCACertificates([...getCACertificates('default'), caPem]);
      const consoleOrigin = `https://${CONSOLE_HOST}`;
      const browser = new TestBrowser(consoleOrigin, (url) => (url.origin === consoleOrigin ? { host: '127.0.0.1', port: ports.console } : undefined));
      const page = await browser.request('/login?next=%2Fconsole%2F');
      assert.equal(page.status, 200, page.body);
      const alice = slapd!.users.alice;
      const posted = await browser.request('/login/directory/corp', { form: { csrf: hiddenField(page.body, 'csrf'), next: hiddenField(page.body, 'next'), username: alice.username, password: alice.password } });
      assert.equal(posted.status, 303, posted.body);
      // Without the chart's STACKYARD_API_URL the console would call 127.0.0.1:8443 and answer 502 here.
      const listed = await browser.request('/console/api/stacks');
      assert.equal(listed.status, 200, listed.body);
      const listing = JSON.parse(listed.body) as { stacks: { orgName: string; projectName: string; stackName: string }[]; projects: string[] };
      const [, , stackName] = consoleStack.split('/');
      assert.ok(
        listing.stacks.some((s) => s.orgName === 'stackyard' && s.projectName === PROJECT && s.stackName === stackName),
        `the console lists ${consoleStack}: ${listed.body}`,
      );
      assert.deepEqual(listing.projects, [PROJECT]);
    } finally {
      await cli.ok(['stack', 'rm', '--yes', '--stack', consoleStack]);
    }
  });
});
