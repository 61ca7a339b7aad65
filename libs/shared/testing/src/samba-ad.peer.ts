import { spawn, execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { createCertificateAuthority, issueCertificate, writePrivateFile } from '@stackyard/shared-tls';
import { PeerStartError, spawnPeer, waitUntil } from './peer-process.util';
import { isAlive, processTree } from './process-tree.util';
import { MissingPeerError, requirePeer } from './require-peer.util';
import { keepTestData, removeTempDir, tempDir } from './temp-dir.util';

const execFileAsync = promisify(execFile);

const SAMBA_HINT = 'bash scripts/peers/samba-ad.sh (apt-get installs samba, samba-ad-provision, samba-dsdb-modules and samba-vfs-modules)';
const PROVISION_TEMPLATES = '/usr/share/samba/setup';
/** A DC's ports cannot be moved (clients find them by number): 389/636 plus the global catalog 3268/3269. */
const FIXED_PORTS = [389, 636, 3268, 3269] as const;
/** One DC per machine: every test process that starts one takes this lock first. */
const MACHINE_LOCK = process.env['STACKYARD_SAMBA_AD_LOCK'] ?? '/tmp/stackyard-samba-ad.lock';

const REALM = 'EXAMPLE.TEST';
const DOMAIN = 'EXAMPLE';
const HOST_NAME = 'dc1';
const BASE_DN = 'DC=example,DC=test';
/** Bump when the seeded domain changes: it is part of the template cache key. */
const TEMPLATE_REVISION = 1;

export interface SambaAdUser {
  /** The pre-Windows-2000 logon name. */
  sAMAccountName: string;
  userPrincipalName: string;
  dn: string;
  password: string;
  displayName: string;
  email: string;
  /** As `samba-tool user show` prints it: Samba's own rendering of the GUID bytes. */
  objectGuid: string;
}

export interface SambaAdPeer {
  /** `ldap://127.0.0.1:389`: simple binds only after StartTLS (Samba's default strong-auth rule). */
  ldapUrl: string;
  /** `ldaps://127.0.0.1:636`. */
  ldapsUrl: string;
  /** The test CA that issued the DC's certificate (SANs 127.0.0.1, localhost, dc1.example.test). */
  caPem: string;
  caFile: string;
  realm: string;
  baseDn: string;
  usersDn: string;
  /** A plain domain user that searches (AD lets every authenticated user read users and groups). */
  serviceBindDn: string;
  servicePrincipalName: string;
  servicePassword: string;
  /** alice: in pulumi-admins, which is in platform-engineers. bob: disabled (`samba-tool user disable`). */
  users: { alice: SambaAdUser; bob: SambaAdUser };
  groups: { pulumiAdmins: string; platformEngineers: string };
  sambaVersion: string;
  /** False when this run provisioned the cached template domain first (several seconds). */
  templateWasCached: boolean;
  /** Milliseconds from the call to a ready DC, including any wait for the machine lock. */
  startupMs: number;
  /** Stops the DC and its process tree, removes its directory, releases the machine lock. */
  stop(): Promise<void>;
}

interface DomainTemplate {
  dir: string;
  service: { dn: string; userPrincipalName: string; password: string };
  users: { alice: SambaAdUser; bob: SambaAdUser };
  groups: { pulumiAdmins: string; platformEngineers: string };
}

/**
 * A Samba 4 Active Directory domain controller (docs: test-peers.md §6) for directory sign-in
 * tests: the real AD schema, computed memberOf, nested groups through the in-chain matching rule,
 * userAccountControl. `samba -M single` serves only LDAP (no KDC, no SMB, no NetBIOS) on
 * 127.0.0.1, with a certificate from a fresh test CA.
 *
 * Provisioning and seeding take several seconds, so the seeded domain is built once per Samba
 * version and seed revision under ~/.cache/stackyard/samba-ad and copied for each run. A DC's
 * ports are fixed, so a machine-wide lock (flock) makes concurrent test processes take turns.
 */
export async function startSambaAd(options: { lockTimeoutMs?: number; startTimeoutMs?: number } = {}): Promise<SambaAdPeer> {
  const started = Date.now();
  const samba = requirePeer('samba', 'samba', SAMBA_HINT);
  const sambaTool = requirePeer('samba-tool', 'samba-tool', SAMBA_HINT);
  const flock = requirePeer('flock', 'flock', 'apt-get install util-linux');
  if (!existsSync(PROVISION_TEMPLATES)) throw new MissingPeerError('samba-tool', `${PROVISION_TEMPLATES} (samba-ad-provision) is missing`, SAMBA_HINT);
  const sambaVersion = (await execFileAsync(samba, ['--version'], { timeout: 30_000 })).stdout.trim().replace(/^Version\s+/, '');

  const lock = await acquireMachineLock(flock, options.lockTimeoutMs ?? 300_000);
  let base: string | undefined;
  try {
    // Under the lock, so concurrent first runs provision the template once, not once each.
    const { template, wasCached } = await domainTemplate(sambaTool, sambaVersion);
    await assertPortsFree();
    base = tempDir('stackyard-samba-ad', { memory: true });
    for (const part of ['private', 'state']) cpSync(join(template.dir, part), join(base, part), { recursive: true });
    for (const part of ['cache', 'bind-dns', 'ncalrpc', 'tls']) mkdirSync(join(base, part), { recursive: true });

    const ca = await createCertificateAuthority('Stackyard test AD CA');
    const cert = await issueCertificate(ca, {
      commonName: `${HOST_NAME}.${REALM.toLowerCase()}`,
      dnsNames: [`${HOST_NAME}.${REALM.toLowerCase()}`, 'localhost'],
      ipAddresses: ['127.0.0.1'],
      serverAuth: true,
    });
    const caFile = join(base, 'tls', 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    writeFileSync(join(base, 'tls', 'cert.pem'), cert.certPem);
    // Samba refuses a key file that others can read.
    writePrivateFile(join(base, 'tls', 'key.pem'), cert.keyPem);
    const confFile = join(base, 'smb.conf');
    writeFileSync(confFile, smbConf(base));

    const peer = spawnPeer({
      name: 'samba',
      command: samba,
      args: ['-s', confFile, '--foreground', '--model=single', '--debug-stdout', '--debuglevel=1'],
      logFile: join(base, 'samba.log'),
      cwd: base,
    });
    const ldapsUrl = 'ldaps://127.0.0.1:636';
    try {
      await waitUntil(() => canBind(ldapsUrl, ca.certPem, template.service.userPrincipalName, template.service.password), {
        what: 'samba AD DC on 127.0.0.1:636',
        timeoutMs: options.startTimeoutMs ?? 60_000,
        intervalMs: 100,
        peer,
      });
    } catch (error) {
      await stopTree(peer.pid, () => peer.stop(2_000));
      throw error;
    }

    const runDir = base;
    return {
      ldapUrl: 'ldap://127.0.0.1:389',
      ldapsUrl,
      caPem: ca.certPem,
      caFile,
      realm: REALM,
      baseDn: BASE_DN,
      usersDn: `CN=Users,${BASE_DN}`,
      serviceBindDn: template.service.dn,
      servicePrincipalName: template.service.userPrincipalName,
      servicePassword: template.service.password,
      users: template.users,
      groups: template.groups,
      sambaVersion,
      templateWasCached: wasCached,
      startupMs: Date.now() - started,
      async stop(): Promise<void> {
        try {
          await stopTree(peer.pid, () => peer.stop(10_000));
          if (!keepTestData()) removeTempDir(runDir);
        } finally {
          await lock.release();
        }
      },
    };
  } catch (error) {
    if (base && !keepTestData()) removeTempDir(base);
    await lock.release();
    throw error;
  }
}

function smbConf(base: string): string {
  // Every path inside the run directory: nothing of the machine's own Samba (/var/lib/samba,
  // /run/samba) is used. Only the LDAP server runs; simple binds need TLS (Samba's default,
  // spelled out because the tests rely on it).
  return `[global]
	netbios name = ${HOST_NAME.toUpperCase()}
	realm = ${REALM}
	workgroup = ${DOMAIN}
	server role = active directory domain controller
	server services = ldap
	interfaces = 127.0.0.1
	bind interfaces only = yes
	disable netbios = yes
	ldap server require strong auth = yes
	private dir = ${join(base, 'private')}
	state directory = ${join(base, 'state')}
	cache directory = ${join(base, 'cache')}
	lock directory = ${base}
	pid directory = ${base}
	ncalrpc dir = ${join(base, 'ncalrpc')}
	binddns dir = ${join(base, 'bind-dns')}
	log file = ${join(base, 'log.%m')}
	idmap_ldb:use rfc2307 = yes
	tls enabled = yes
	tls keyfile = ${join(base, 'tls', 'key.pem')}
	tls certfile = ${join(base, 'tls', 'cert.pem')}
	tls cafile = ${join(base, 'tls', 'ca.pem')}
`;
}

/** The provisioned, seeded domain for this Samba version: from the cache, or built into it now. */
async function domainTemplate(sambaTool: string, sambaVersion: string): Promise<{ template: DomainTemplate; wasCached: boolean }> {
  const recipe = JSON.stringify({ TEMPLATE_REVISION, REALM, DOMAIN, HOST_NAME, sambaVersion });
  const key = `${sambaVersion.replace(/[^A-Za-z0-9.-]/g, '_')}-${createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`;
  const root = join(process.env['STACKYARD_CACHE'] ?? join(homedir(), '.cache', 'stackyard'), 'samba-ad');
  const dir = join(root, key);
  const manifest = join(dir, 'template.json');
  if (existsSync(manifest)) return { template: readTemplate(dir, manifest), wasCached: true };

  mkdirSync(root, { recursive: true, mode: 0o700 });
  const building = join(root, `.${key}.${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    const template = await provisionDomain(sambaTool, building);
    writePrivateFile(join(building, 'template.json'), JSON.stringify(template, null, 2));
    try {
      // Complete templates only ever appear under their final name.
      renameSync(building, dir);
    } catch (error) {
      // Another process finished the same template first: use theirs.
      if (!existsSync(manifest)) throw error;
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return { template: readTemplate(dir, manifest), wasCached: false };
}

function readTemplate(dir: string, manifest: string): DomainTemplate {
  return { ...(JSON.parse(readFileSync(manifest, 'utf8')) as Omit<DomainTemplate, 'dir'>), dir };
}

async function provisionDomain(sambaTool: string, dir: string): Promise<Omit<DomainTemplate, 'dir'>> {
  const conf = join(dir, 'etc', 'smb.conf');
  const tool = (args: string[], secretArgs: string[] = []) => runSambaTool(sambaTool, args, secretArgs, conf);
  await runSambaTool(
    sambaTool,
    ['domain', 'provision', `--realm=${REALM}`, `--domain=${DOMAIN}`, '--server-role=dc', '--dns-backend=NONE', '--use-rfc2307', `--targetdir=${dir}`, `--host-name=${HOST_NAME}`, '--option=interfaces=127.0.0.1', '--option=bind interfaces only=yes'],
    [`--adminpass=${adPassword()}`],
  );
  // The template is reused for months: passwords must not expire under it (AD's default is 42 days).
  await tool(['domain', 'passwordsettings', 'set', '--max-pwd-age=0', '--min-pwd-age=0']);

  const service = { name: 'svc-stackyard', password: adPassword() };
  const alice = { name: 'alice', given: 'Alice', surname: 'Liddell', password: adPassword() };
  const bob = { name: 'bob', given: 'Bob', surname: 'Builder', password: adPassword() };
  await tool(['user', 'add', service.name, '--description=Stackyard directory search'], [service.password]);
  for (const u of [alice, bob]) {
    await tool(['user', 'add', u.name, `--given-name=${u.given}`, `--surname=${u.surname}`, `--mail-address=${u.name}@${REALM.toLowerCase()}`], [u.password]);
  }
  await tool(['user', 'disable', bob.name]);
  await tool(['group', 'add', 'pulumi-admins']);
  await tool(['group', 'add', 'platform-engineers']);
  await tool(['group', 'addmembers', 'pulumi-admins', alice.name]);
  await tool(['group', 'addmembers', 'platform-engineers', 'pulumi-admins']);

  const show = async (kind: 'user' | 'group', name: string, attributes: string): Promise<Record<string, string>> => {
    const out = await tool([kind, 'show', name, `--attributes=${attributes}`]);
    return Object.fromEntries(out.split('\n').map((line) => /^(\w+):\s*(.*)$/.exec(line)).filter((m) => m !== null).map((m) => [m[1], m[2]]));
  };
  const seeded = async (u: typeof alice): Promise<SambaAdUser> => {
    const shown = await show('user', u.name, 'objectGUID,userPrincipalName');
    return {
      sAMAccountName: u.name,
      userPrincipalName: shown['userPrincipalName'] ?? '',
      dn: shown['dn'] ?? '',
      password: u.password,
      displayName: `${u.given} ${u.surname}`,
      email: `${u.name}@${REALM.toLowerCase()}`,
      objectGuid: shown['objectGUID'] ?? '',
    };
  };
  const serviceShown = await show('user', service.name, 'userPrincipalName');
  const template = {
    service: { dn: serviceShown['dn'] ?? '', userPrincipalName: serviceShown['userPrincipalName'] ?? '', password: service.password },
    users: { alice: await seeded(alice), bob: await seeded(bob) },
    groups: { pulumiAdmins: (await show('group', 'pulumi-admins', 'cn'))['dn'] ?? '', platformEngineers: (await show('group', 'platform-engineers', 'cn'))['dn'] ?? '' },
  };
  if (!template.service.dn || !template.users.alice.objectGuid || !template.users.bob.dn || !template.groups.pulumiAdmins || !template.groups.platformEngineers) {
    throw new PeerStartError('samba-tool user/group show did not report the DNs and GUIDs of the seeded entries');
  }
  // Runs copy private/ and state/ and write their own smb.conf; the rest (etc/, caches) would
  // only mislead. The directory holds the seeded passwords: owner only.
  for (const entry of readdirSync(dir)) if (entry !== 'private' && entry !== 'state') rmSync(join(dir, entry), { recursive: true, force: true });
  chmodSync(dir, 0o700);
  return template;
}

/** samba-tool with `-s <conf>`; secret arguments (passwords) never appear in an error message. */
async function runSambaTool(sambaTool: string, args: string[], secretArgs: string[], conf?: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(sambaTool, [...args, ...secretArgs, ...(conf ? ['-s', conf] : [])], { timeout: 180_000, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; code?: unknown; signal?: unknown };
    const output = `${e.stderr ?? ''}${e.stdout ?? ''}`.trim().split('\n').slice(-20).join('\n');
    const redacted = secretArgs.reduce((text, secret) => text.split(secret).join('***'), output);
    throw new PeerStartError(`samba-tool ${args.slice(0, 2).join(' ')} failed (${String(e.signal ?? e.code)}):\n${redacted}`);
  }
}

/** AD's default policy wants three of: upper case, lower case, digits, symbols. */
function adPassword(): string {
  return `${randomBytes(15).toString('base64url')}Aa1!`;
}

interface MachineLock {
  release(): Promise<void>;
}

/**
 * An exclusive flock(1) on MACHINE_LOCK, held by a child process for as long as we keep its stdin
 * open. The kernel drops the lock when that process ends, and it ends when we do (EOF on stdin),
 * so a crashed test can never leave a stale lock behind.
 */
async function acquireMachineLock(flock: string, timeoutMs: number): Promise<MachineLock> {
  const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const holder = spawn(flock, ['--exclusive', '--wait', String(seconds), MACHINE_LOCK, 'sh', '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  holder.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve) => holder.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString('utf8').includes('locked')) resolve();
    });
    holder.once('error', reject);
    holder.once('exit', (code) => {
      reject(
        new PeerStartError(
          code === 1
            ? `another test process has held the Samba AD lock ${MACHINE_LOCK} for ${seconds} s (a DC's ports 389/636 are fixed, so DCs run one at a time)`
            : `flock ${MACHINE_LOCK} ended with code ${code}: ${stderr.trim()}`,
        ),
      );
    });
  });
  // Holding the lock must not keep the test process alive.
  holder.unref();
  for (const stream of [holder.stdin, holder.stdout, holder.stderr] as Array<{ unref?: () => void }>) stream.unref?.();
  let released = false;
  return {
    async release(): Promise<void> {
      if (released) return;
      released = true;
      holder.stdin.end();
      holder.ref();
      await exited;
    },
  };
}

async function assertPortsFree(): Promise<void> {
  for (const port of FIXED_PORTS) {
    const code = await new Promise<string | undefined>((resolve) => {
      const server = createServer();
      server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      server.listen({ host: '127.0.0.1', port, exclusive: true }, () => server.close(() => resolve(undefined)));
    });
    if (code === 'EACCES') throw new PeerStartError(`the Samba AD peer needs root (or CAP_NET_BIND_SERVICE) to serve port ${port}`);
    if (code !== undefined) {
      throw new PeerStartError(`port ${port} on 127.0.0.1 is not free (${code}): a process outside the test harness (a system slapd or samba?) holds it; the Samba AD peer needs ${FIXED_PORTS.join(', ')}`);
    }
  }
}

/** Stops the DC, then kills anything it left behind: the whole process tree goes. */
async function stopTree(pid: number, stop: () => Promise<void>): Promise<void> {
  const tree = processTree(pid);
  await stop();
  for (const child of tree) {
    if (child === pid || !isAlive(child)) continue;
    try {
      process.kill(child, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

async function canBind(url: string, caPem: string, user: string, password: string): Promise<boolean> {
  const client = new Client({ url, tlsOptions: { ca: caPem }, timeout: 3_000, connectTimeout: 3_000 });
  try {
    await client.bind(user, password);
    return true;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}
