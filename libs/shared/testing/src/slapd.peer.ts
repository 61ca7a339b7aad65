import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'ldapts';
import { createCertificateAuthority, issueCertificate, writePrivateFile } from '@stackyard/shared-tls';
import { freePort } from './free-port.util';
import { PeerStartError, spawnPeer, waitUntil, type PeerProcess } from './peer-process.util';
import { MissingPeerError, requirePeer } from './require-peer.util';
import { keepTestData, removeTempDir, tempDir } from './temp-dir.util';

const SLAPD_HINT = 'bash scripts/peers/slapd.sh (apt-get installs Debian slapd: the server and its modules in /usr/lib/ldap)';
const MODULE_DIR = '/usr/lib/ldap';
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULES = ['back_mdb', 'memberof', 'refint', 'ppolicy'] as const;
/** ppolicy's "locked until an administrator unlocks it" (slapd ≥ 2.5): how `bob` is disabled. */
export const PPOLICY_PERMANENT_LOCK = '000001010000Z';

const BASE_DN = 'dc=example,dc=test';

export interface SlapdUser {
  /** The uid, what a person types to sign in. */
  username: string;
  dn: string;
  password: string;
  displayName: string;
  email: string;
}

export interface SlapdPeer {
  /** `ldap://127.0.0.1:<port>`: StartTLS is offered; simple binds without TLS are refused. */
  ldapUrl: string;
  /** `ldaps://127.0.0.1:<port>`. */
  ldapsUrl: string;
  /** The test CA that issued the server certificate (SANs 127.0.0.1 and localhost). */
  caPem: string;
  caFile: string;
  baseDn: string;
  peopleDn: string;
  groupsDn: string;
  /** A service account that may read the tree (not passwords): what an application searches with. */
  serviceBindDn: string;
  servicePassword: string;
  /** The rootdn, for tests that add their own entries. */
  adminDn: string;
  adminPassword: string;
  /**
   * alice: in `platform`, which is in `engineering` (so both, one of them nested);
   * bob: in `finance`, disabled by a permanent ppolicy lock (`pwdAccountLockedTime: 000001010000Z`);
   * carol: in no group.
   */
  users: { alice: SlapdUser; bob: SlapdUser; carol: SlapdUser };
  groups: { platform: string; engineering: string; finance: string };
  /** Milliseconds from the call to a seeded, ready server. */
  startupMs: number;
  stop(): Promise<void>;
}

/**
 * An isolated OpenLDAP slapd (Debian's 2.5, docs: test-peers.md §6) for directory sign-in tests:
 * its own slapd.conf and MDB database in a temp dir (RAM when possible), `ldap://` with StartTLS
 * and `ldaps://` on free 127.0.0.1 ports, a fresh test CA and server certificate, the memberof,
 * refint and ppolicy overlays, and a small seeded tree. Simple binds need TLS (`security
 * simple_bind=128`), as on a production directory; anonymous users may read nothing.
 */
export async function startSlapd(options: { startTimeoutMs?: number } = {}): Promise<SlapdPeer> {
  const started = Date.now();
  const slapd = requirePeer('slapd', 'slapd', SLAPD_HINT);
  const missing = MODULES.filter((m) => !existsSync(join(MODULE_DIR, `${m}.so`)) && !existsSync(join(MODULE_DIR, `${m}.la`)));
  if (missing.length) throw new MissingPeerError('slapd', `the slapd modules ${missing.join(', ')} are not in ${MODULE_DIR}`, SLAPD_HINT);

  const base = tempDir('stackyard-slapd', { memory: true });
  try {
    const ca = await createCertificateAuthority('Stackyard test LDAP CA');
    const server = await issueCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], serverAuth: true });
    const caFile = join(base, 'ca.pem');
    writeFileSync(caFile, ca.certPem);
    writeFileSync(join(base, 'server.pem'), server.certPem);
    writePrivateFile(join(base, 'server-key.pem'), server.keyPem);

    const adminDn = `cn=admin,${BASE_DN}`;
    const adminPassword = newPassword();
    mkdirSync(join(base, 'db'));
    const confFile = join(base, 'slapd.conf');
    writeFileSync(confFile, slapdConf(base, adminDn, adminPassword));

    const { peer, ldapPort, ldapsPort } = await launch(slapd, base, confFile, { adminDn, adminPassword, caPem: ca.certPem, timeoutMs: options.startTimeoutMs ?? 30_000 });
    try {
      const seeded = await seed(`ldaps://127.0.0.1:${ldapsPort}`, ca.certPem, adminDn, adminPassword);
      return {
        ldapUrl: `ldap://127.0.0.1:${ldapPort}`,
        ldapsUrl: `ldaps://127.0.0.1:${ldapsPort}`,
        caPem: ca.certPem,
        caFile,
        baseDn: BASE_DN,
        peopleDn: `ou=people,${BASE_DN}`,
        groupsDn: `ou=groups,${BASE_DN}`,
        adminDn,
        adminPassword,
        ...seeded,
        startupMs: Date.now() - started,
        async stop(): Promise<void> {
          await peer.stop(5_000);
          if (!keepTestData()) removeTempDir(base);
        },
      };
    } catch (error) {
      await peer.stop(1_000);
      throw error;
    }
  } catch (error) {
    if (!keepTestData()) removeTempDir(base);
    throw error;
  }
}

async function launch(
  slapd: string,
  base: string,
  confFile: string,
  probe: { adminDn: string; adminPassword: string; caPem: string; timeoutMs: number },
): Promise<{ peer: PeerProcess; ldapPort: number; ldapsPort: number }> {
  // As root, slapd would otherwise switch to the `openldap` user, which cannot read the temp dir.
  const userArgs = process.getuid?.() === 0 ? ['-u', 'root', '-g', 'root'] : [];
  for (let tries = 0; ; tries++) {
    const ldapPort = await freePort();
    const ldapsPort = await freePort();
    const peer = spawnPeer({
      name: 'slapd',
      command: slapd,
      // -d keeps slapd in the foreground (the watchdog needs its pid); `stats` logs connections,
      // binds by DN and searches, never passwords, and says why a start failed.
      args: ['-f', confFile, '-h', `ldap://127.0.0.1:${ldapPort}/ ldaps://127.0.0.1:${ldapsPort}/`, ...userArgs, '-d', 'stats'],
      logFile: join(base, `slapd-${ldapsPort}.log`),
      cwd: base,
    });
    try {
      await waitUntil(() => canBind(`ldaps://127.0.0.1:${ldapsPort}`, probe.caPem, probe.adminDn, probe.adminPassword), {
        what: `slapd on 127.0.0.1:${ldapPort} and :${ldapsPort}`,
        timeoutMs: probe.timeoutMs,
        intervalMs: 25,
        peer,
      });
      return { peer, ldapPort, ldapsPort };
    } catch (error) {
      await peer.stop(1_000);
      if (tries < 3 && error instanceof PeerStartError && /Address already in use/.test(error.message)) continue;
      throw error;
    }
  }
}

function slapdConf(base: string, adminDn: string, adminPassword: string): string {
  // slapd.conf allows comments only at the start of a line.
  return `${['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include ${SCHEMA_DIR}/${s}.schema`).join('\n')}
modulepath ${MODULE_DIR}
${MODULES.map((m) => `moduleload ${m}`).join('\n')}
pidfile ${join(base, 'slapd.pid')}
argsfile ${join(base, 'slapd.args')}
TLSCACertificateFile ${join(base, 'ca.pem')}
TLSCertificateFile ${join(base, 'server.pem')}
TLSCertificateKeyFile ${join(base, 'server-key.pem')}
# TLS 1.2 or newer; and no simple bind (a password) over a connection without TLS.
TLSProtocolMin 3.3
security simple_bind=128
# Passwords: a user may change their own, anyone may bind with one, nobody may read them.
access to attrs=userPassword
  by self write
  by anonymous auth
  by * none
access to *
  by users read
  by * none
database mdb
maxsize 104857600
suffix "${BASE_DN}"
rootdn "${adminDn}"
rootpw ${ssha(adminPassword)}
directory ${join(base, 'db')}
overlay memberof
memberof-group-oc groupOfNames
memberof-member-ad member
memberof-memberof-ad memberOf
memberof-refint TRUE
overlay refint
refint_attributes member
overlay ppolicy
ppolicy_default "cn=default,ou=policies,${BASE_DN}"
`;
}

async function seed(
  ldapsUrl: string,
  caPem: string,
  adminDn: string,
  adminPassword: string,
): Promise<Pick<SlapdPeer, 'serviceBindDn' | 'servicePassword' | 'users' | 'groups'>> {
  const people = `ou=people,${BASE_DN}`;
  const groupsDn = `ou=groups,${BASE_DN}`;
  const user = (username: string, displayName: string): SlapdUser => ({
    username,
    dn: `uid=${username},${people}`,
    password: newPassword(),
    displayName,
    email: `${username}@example.test`,
  });
  const users = { alice: user('alice', 'Alice Liddell'), bob: user('bob', 'Bob Builder'), carol: user('carol', 'Carol Danvers') };
  const groups = { platform: `cn=platform,${groupsDn}`, engineering: `cn=engineering,${groupsDn}`, finance: `cn=finance,${groupsDn}` };
  const serviceBindDn = `cn=stackyard,ou=services,${BASE_DN}`;
  const servicePassword = newPassword();
  const person = (u: SlapdUser, extra: Record<string, string> = {}): Record<string, string | string[]> => ({
    objectClass: ['inetOrgPerson'],
    uid: u.username,
    cn: u.displayName,
    sn: u.displayName.split(' ').at(-1) ?? u.displayName,
    displayName: u.displayName,
    mail: u.email,
    userPassword: ssha(u.password),
    ...extra,
  });

  const client = new Client({ url: ldapsUrl, tlsOptions: { ca: caPem }, timeout: 10_000, connectTimeout: 5_000 });
  try {
    await client.bind(adminDn, adminPassword);
    await client.add(BASE_DN, { objectClass: ['dcObject', 'organization'], dc: 'example', o: 'Example' });
    for (const ou of ['people', 'groups', 'services', 'policies']) await client.add(`ou=${ou},${BASE_DN}`, { objectClass: 'organizationalUnit', ou });
    // ppolicy_default names this entry; pwdLockout makes pwdAccountLockedTime count.
    await client.add(`cn=default,ou=policies,${BASE_DN}`, { objectClass: ['device', 'pwdPolicy'], cn: 'default', pwdAttribute: 'userPassword', pwdLockout: 'TRUE' });
    await client.add(serviceBindDn, { objectClass: ['applicationProcess', 'simpleSecurityObject'], cn: 'stackyard', userPassword: ssha(servicePassword) });
    await client.add(users.alice.dn, person(users.alice));
    await client.add(users.bob.dn, person(users.bob, { pwdAccountLockedTime: PPOLICY_PERMANENT_LOCK }));
    await client.add(users.carol.dn, person(users.carol));
    // Inner groups first: the memberof overlay writes memberOf into members that exist.
    await client.add(groups.platform, { objectClass: 'groupOfNames', cn: 'platform', member: users.alice.dn });
    await client.add(groups.engineering, { objectClass: 'groupOfNames', cn: 'engineering', member: groups.platform });
    await client.add(groups.finance, { objectClass: 'groupOfNames', cn: 'finance', member: users.bob.dn });
  } finally {
    await client.unbind().catch(() => undefined);
  }
  return { serviceBindDn, servicePassword, users, groups };
}

async function canBind(url: string, caPem: string, dn: string, password: string): Promise<boolean> {
  const client = new Client({ url, tlsOptions: { ca: caPem }, timeout: 2_000, connectTimeout: 2_000 });
  try {
    await client.bind(dn, password);
    return true;
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

/** RFC 2307 `{SSHA}`: what slappasswd writes, so the directory holds no plaintext passwords. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password, 'utf8').update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

function newPassword(): string {
  return randomBytes(18).toString('base64url');
}
