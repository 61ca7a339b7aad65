import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { freePort } from './free-port.util';
import { PeerStartError, spawnPeer, waitUntil } from './peer-process.util';
import { MissingPeerError, requirePeer } from './require-peer.util';
import { keepTestData, removeTempDir, tempDir } from './temp-dir.util';

/**
 * SimpleSAMLphp's web root: Debian's simplesamlphp package puts it in /usr/share/simplesamlphp/www
 * (test-peers.md §5). STACKYARD_SIMPLESAMLPHP_WWW overrides (tests use it to simulate a machine
 * without SimpleSAMLphp), as in scripts/peers/simplesamlphp.sh.
 */
export function simpleSamlPhpWwwDir(): string {
  return process.env['STACKYARD_SIMPLESAMLPHP_WWW'] ?? '/usr/share/simplesamlphp/www';
}
const PROVISION_HINT = 'bash scripts/peers/simplesamlphp.sh (apt-get installs simplesamlphp, php-cli, php-xml and php-mbstring)';

// @peculiar/x509 speaks the WebCrypto API; Node's implementation is that API.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TestSigningCertificate {
  certificatePem: string;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
}

/**
 * A self-signed RSA-2048 certificate and its key, as SAML IdPs and SPs use for XML signatures.
 * Validity defaults to one day around now; tests pass past dates for an expired certificate.
 */
export async function createTestSigningCertificate(options: { commonName: string; notBefore?: Date; notAfter?: Date }): Promise<TestSigningCertificate> {
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const serial = randomBytes(16);
  serial[0] = serial[0] & 0x7f; // a positive serial number
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${options.commonName}`,
    notBefore: options.notBefore ?? new Date(now - 3_600_000),
    notAfter: options.notAfter ?? new Date(now + 86_400_000),
    signingAlgorithm: algorithm,
    keys,
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return { certificatePem: certificate.toString('pem'), privateKeyPem: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') };
}

export interface SimpleSamlPhpUser {
  username: string;
  password: string;
  /** Defaults to the username. */
  uid?: string;
  mail: string;
  displayName: string;
  /** Sent as one multi-valued `groups` attribute. */
  groups: string[];
}

export interface SimpleSamlPhpOptions {
  /** The service provider the IdP will answer (saml20-sp-remote). */
  sp: {
    entityId: string;
    acsUrl: string;
    /** NameID format the IdP issues; default emailAddress. */
    nameIdFormat?: string;
    /** User attribute that becomes the NameID; default `mail`. */
    nameIdAttribute?: string;
    /** The SP's signing certificate (PEM), needed when `requireSignedAuthnRequests` is set. */
    signingCertificatePem?: string;
  };
  users: SimpleSamlPhpUser[];
  /** IdP metadata says WantAuthnRequestsSigned and the IdP refuses unsigned AuthnRequests. */
  requireSignedAuthnRequests?: boolean;
  startTimeoutMs?: number;
}

export type SimpleSamlPhpSignInResult =
  | { kind: 'saml-response'; samlResponse: string; relayState: string | undefined; acsUrl: string }
  | { kind: 'login-refused'; error: string };

export interface SimpleSamlPhpPeer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  baseUrl: string;
  /** The IdP's entity ID (SimpleSAMLphp uses its metadata URL). */
  entityId: string;
  metadataUrl: string;
  /** IdP metadata as served by the running IdP. */
  metadataXml: string;
  /** The IdP's signing certificate and key (generated for this run); tests forge responses with the key. */
  certificatePem: string;
  certificateFile: string;
  privateKeyFile: string;
  privateKeyPem: string;
  /**
   * Plays the browser for an SP-initiated sign-in: follows the redirects from `authorizeUrl` with a
   * cookie jar, submits the IdP's login form and reads the auto-POST form aimed at the SP's ACS.
   * A wrong password yields `login-refused` with the error title the IdP shows ("Incorrect username or password").
   */
  signIn(options: { authorizeUrl: string; username: string; password: string }): Promise<SimpleSamlPhpSignInResult>;
  stop(): Promise<void>;
}

const CONFIG_DIR_NAMES = ['config', 'metadata', 'cert', 'tmp', 'log', 'data', 'sessions'] as const;
type ConfigDirs = Record<(typeof CONFIG_DIR_NAMES)[number], string>;

/**
 * SimpleSAMLphp (Debian's 1.19 package) as a SAML 2.0 IdP under `php -S 127.0.0.1:<free port>`:
 * configuration, sessions and a freshly generated IdP key pair in a temp dir; users from
 * `options.users` through exampleauth:UserPass with attributes uid, mail, displayName and groups.
 */
export async function startSimpleSamlPhp(options: SimpleSamlPhpOptions): Promise<SimpleSamlPhpPeer> {
  const php = requirePeer('php', 'php', PROVISION_HINT);
  const wwwDir = simpleSamlPhpWwwDir();
  if (!existsSync(join(wwwDir, 'saml2', 'idp', 'SSOService.php'))) {
    throw new MissingPeerError('simplesamlphp', `${wwwDir}/saml2/idp/SSOService.php does not exist`, PROVISION_HINT);
  }
  if (options.requireSignedAuthnRequests && !options.sp.signingCertificatePem) {
    throw new Error('startSimpleSamlPhp: requireSignedAuthnRequests needs sp.signingCertificatePem');
  }
  const base = tempDir('stackyard-simplesamlphp');
  const dirs = Object.fromEntries(CONFIG_DIR_NAMES.map((name) => [name, join(base, name)])) as ConfigDirs;
  for (const dir of Object.values(dirs)) mkdirSync(dir, { recursive: true, mode: 0o700 });

  const signing = await createTestSigningCertificate({ commonName: 'stackyard-test-idp' });
  const certificateFile = join(dirs.cert, 'idp.crt');
  const privateKeyFile = join(dirs.cert, 'idp.key');
  writeFileSync(certificateFile, signing.certificatePem);
  writeFileSync(privateKeyFile, signing.privateKeyPem, { mode: 0o600 });

  for (let tries = 0; ; tries++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    writeConfiguration(dirs, baseUrl, options);
    const peer = spawnPeer({
      name: 'simplesamlphp',
      command: php,
      // session.save_path: SimpleSAMLphp keeps its sessions in PHP sessions; never in /var/lib/php.
      args: ['-d', `session.save_path=${dirs.sessions}`, '-d', 'display_errors=stderr', '-S', `127.0.0.1:${port}`, '-t', wwwDir],
      logFile: join(dirs.log, `php-${port}.log`),
      cwd: base,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: base, SIMPLESAMLPHP_CONFIG_DIR: dirs.config },
    });
    const metadataUrl = `${baseUrl}/saml2/idp/metadata.php`;
    let metadataXml = '';
    try {
      await waitUntil(
        async () => {
          const response = await fetch(metadataUrl, { signal: AbortSignal.timeout(5_000) });
          const body = await response.text();
          // SimpleSAMLphp renders its error pages with HTTP 200, so look at the document itself.
          if (response.status !== 200 || !/<(?:md:)?EntityDescriptor\b/.test(body)) return false;
          metadataXml = body;
          return true;
        },
        { what: `SimpleSAMLphp on 127.0.0.1:${port}`, timeoutMs: options.startTimeoutMs ?? 20_000, peer },
      );
    } catch (error) {
      await peer.stop(1_000);
      if (tries < 3 && error instanceof PeerStartError && /address already in use/i.test(error.message)) continue;
      throw error;
    }
    return {
      baseUrl,
      entityId: metadataUrl,
      metadataUrl,
      metadataXml,
      certificatePem: signing.certificatePem,
      certificateFile,
      privateKeyFile,
      privateKeyPem: signing.privateKeyPem,
      signIn: (signInOptions) => signIn(baseUrl, signInOptions),
      async stop(): Promise<void> {
        await peer.stop(3_000);
        if (!keepTestData()) removeTempDir(base);
      },
    };
  }
}

const NAMEID_EMAIL = 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress';

/**
 * Writes SimpleSAMLphp's PHP configuration. Every value travels through one JSON file that the PHP
 * files decode, so no test string is ever spliced into PHP source.
 */
function writeConfiguration(dirs: ConfigDirs, baseUrl: string, options: SimpleSamlPhpOptions): void {
  const settings = {
    config: {
      baseurlpath: `${baseUrl}/`,
      certdir: `${dirs.cert}/`,
      metadatadir: `${dirs.metadata}/`,
      tempdir: dirs.tmp,
      loggingdir: `${dirs.log}/`,
      datadir: `${dirs.data}/`,
      'logging.handler': 'file',
      'logging.logfile': 'simplesamlphp.log',
      secretsalt: randomBytes(24).toString('hex'),
      'auth.adminpassword': randomBytes(24).toString('hex'),
      technicalcontact_name: 'Stackyard tests',
      technicalcontact_email: 'tests@stackyard.invalid',
      'enable.saml20-idp': true,
      'module.enable': { exampleauth: true, core: true, saml: true },
      // Plain HTTP on loopback: a secure cookie would be refused ("Setting secure cookie on plain HTTP is not allowed").
      'session.cookie.secure': false,
      'language.cookie.secure': false,
      'session.phpsession.savepath': dirs.sessions,
      'store.type': 'phpsession',
      'admin.checkforupdates': false,
      errorreporting: false,
      showerrors: true,
      production: false,
      timezone: 'UTC',
    },
    users: options.users.map((user) => ({
      username: user.username,
      password: user.password,
      attributes: { uid: [user.uid ?? user.username], mail: [user.mail], displayName: [user.displayName], groups: user.groups },
    })),
    idp: {
      // The hosted IdP answers whatever host it is reached by (SimpleSAMLphp looks hosted entities up by host).
      host: '__DEFAULT__',
      privatekey: 'idp.key',
      certificate: 'idp.crt',
      auth: 'example-userpass',
      ...(options.requireSignedAuthnRequests ? { 'validate.authnrequest': true } : {}),
    },
    sp: {
      entityId: options.sp.entityId,
      metadata: {
        AssertionConsumerService: [{ Binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', Location: options.sp.acsUrl, index: 0 }],
        NameIDFormat: options.sp.nameIdFormat ?? NAMEID_EMAIL,
        'simplesaml.nameidattribute': options.sp.nameIdAttribute ?? 'mail',
        'simplesaml.attributes': true,
        'attributes.NameFormat': 'urn:oasis:names:tc:SAML:2.0:attrname-format:basic',
        ...(options.sp.signingCertificatePem ? { certData: pemBody(options.sp.signingCertificatePem) } : {}),
        ...(options.requireSignedAuthnRequests ? { 'validate.authnrequest': true } : {}),
      },
    },
  };
  const settingsFile = join(dirs.config, 'stackyard-settings.json');
  writeFileSync(settingsFile, JSON.stringify(settings), { mode: 0o600 });
  const load = `json_decode(file_get_contents(${phpString(settingsFile)}), true, 64, JSON_THROW_ON_ERROR)`;
  writeFileSync(join(dirs.config, 'config.php'), `<?php\n$config = ${load}['config'];\n`);
  writeFileSync(
    join(dirs.config, 'authsources.php'),
    [
      '<?php',
      `$stackyard = ${load};`,
      "$userpass = ['exampleauth:UserPass'];",
      "foreach ($stackyard['users'] as $user) { $userpass[$user['username'] . ':' . $user['password']] = $user['attributes']; }",
      "$config = ['admin' => ['core:AdminPassword'], 'example-userpass' => $userpass];",
      '',
    ].join('\n'),
  );
  writeFileSync(join(dirs.metadata, 'saml20-idp-hosted.php'), `<?php\n$metadata['__DYNAMIC:1__'] = ${load}['idp'];\n`);
  writeFileSync(join(dirs.metadata, 'saml20-sp-remote.php'), `<?php\n$stackyard = ${load};\n$metadata[$stackyard['sp']['entityId']] = $stackyard['sp']['metadata'];\n`);
}

function phpString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

// ---- the browser -------------------------------------------------------------------------------

class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || value === 'deleted') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

interface Page {
  url: string;
  status: number;
  html: string;
}

async function signIn(baseUrl: string, options: { authorizeUrl: string; username: string; password: string }): Promise<SimpleSamlPhpSignInResult> {
  if (!options.authorizeUrl.startsWith(`${baseUrl}/`)) {
    throw new Error(`signIn: the authorize URL does not point at this IdP (${baseUrl})`);
  }
  const jar = new CookieJar();
  const loginPage = await browse(jar, options.authorizeUrl);
  const loginForm = findForm(loginPage, (form) => 'AuthState' in form.fields && 'password' in form.fields);
  if (!loginForm) throw new Error(`signIn: no login form at ${loginPage.url} (HTTP ${loginPage.status})`);
  const afterLogin = await browse(jar, loginForm.action, { ...loginForm.fields, username: options.username, password: options.password });
  const postForm = findForm(afterLogin, (form) => 'SAMLResponse' in form.fields);
  if (postForm) {
    return { kind: 'saml-response', samlResponse: postForm.fields['SAMLResponse'] ?? '', relayState: postForm.fields['RelayState'], acsUrl: postForm.action };
  }
  if (findForm(afterLogin, (form) => 'AuthState' in form.fields && 'password' in form.fields)) {
    return { kind: 'login-refused', error: loginError(afterLogin.html) };
  }
  throw new Error(`signIn: the IdP answered HTTP ${afterLogin.status} at ${afterLogin.url} with neither a SAMLResponse form nor the login form`);
}

/** GET (or form-POST) `url`, following redirects with the cookie jar, to the first non-redirect page. */
async function browse(jar: CookieJar, url: string, form?: Record<string, string>): Promise<Page> {
  let current = url;
  let body: URLSearchParams | undefined = form ? new URLSearchParams(form) : undefined;
  for (let hops = 0; hops < 10; hops++) {
    const response = await fetch(current, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: { cookie: jar.header(), ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.arrayBuffer();
      current = new URL(location, current).toString();
      body = undefined;
      continue;
    }
    return { url: current, status: response.status, html: await response.text() };
  }
  throw new Error(`signIn: more than 10 redirects from ${url}`);
}

interface HtmlForm {
  action: string;
  fields: Record<string, string>;
}

/** Enough of an HTML form reader for SimpleSAMLphp's templates: forms, their inputs and buttons. */
function findForm(page: Page, wanted: (form: HtmlForm) => boolean): HtmlForm | undefined {
  for (const match of page.html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = htmlAttributes(match[1] ?? '');
    const fields: Record<string, string> = {};
    for (const input of (match[2] ?? '').matchAll(/<(?:input|button)\b([^>]*)>/gi)) {
      const inputAttributes = htmlAttributes(input[1] ?? '');
      const name = inputAttributes['name'];
      const type = (inputAttributes['type'] ?? '').toLowerCase();
      if (name === undefined || type === 'submit' || type === 'checkbox') continue;
      fields[name] = inputAttributes['value'] ?? '';
    }
    const form = { action: new URL(attributes['action'] ?? page.url, page.url).toString(), fields };
    if (wanted(form)) return form;
  }
  return undefined;
}

function htmlAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    attributes[match[1].toLowerCase()] = decodeHtmlEntities(match[2] ?? match[3] ?? match[4] ?? '');
  }
  return attributes;
}

function decodeHtmlEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) ? String.fromCodePoint(code) : whole;
    }
    return named[entity.toLowerCase()] ?? whole;
  });
}

/** The error SimpleSAMLphp's login page shows next to its error icon, e.g. "Incorrect username or password". */
function loginError(html: string): string {
  const afterIcon = html.slice(Math.max(0, html.indexOf('erroricon')));
  const title = html.includes('erroricon') ? /<strong>([\s\S]*?)<\/strong>/i.exec(afterIcon) : null;
  if (!title) return 'login refused (the IdP showed the login form again without an error text)';
  return decodeHtmlEntities((title[1] ?? '').replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ').trim();
}
