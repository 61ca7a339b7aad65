import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { createCertificateAuthority, issueCertificate, writePrivateFile } from '@stackyard/shared-tls';
import { freePort } from './free-port.util';
import { type PeerProcess, spawnPeer, waitUntil } from './peer-process.util';
import { requirePeer } from './require-peer.util';
import { keepTestData, removeTempDir, tempDir } from './temp-dir.util';

const RSYSLOG_HINT = 'bash scripts/peers/rsyslog.sh (unpacks Debian rsyslog and rsyslog-gnutls into ~/.cache/stackyard/peers/rsyslog)';

/** Where scripts/peers/rsyslog.sh unpacks the packages (same variables, same layout). */
function rsyslogRoot(): string {
  return join(process.env['STACKYARD_CACHE'] ?? join(homedir(), '.cache', 'stackyard'), 'peers', 'rsyslog', 'root');
}

/** One message as rsyslog parsed it (its `%jsonmesg%` property set), RFC 5424 fields included. */
export interface RsyslogMessage {
  msg: string;
  rawmsg: string;
  pri: string;
  syslogfacility: string;
  syslogseverity: string;
  hostname: string;
  'app-name': string;
  procid: string;
  msgid: string;
  'structured-data': string;
  'protocol-version': string;
  timereported: string;
}

export interface RsyslogPeer {
  /** What STACKYARD_AUDIT_SYSLOG_URL names: `tls://127.0.0.1:<port>`. */
  url: string;
  /** The test CA that issued the server certificate (SANs 127.0.0.1 and localhost). */
  caFile: string;
  caPem: string;
  /** Everything received so far, in order. */
  messages(): RsyslogMessage[];
  /** Waits until at least `count` messages arrived; rejects with what did after `timeoutMs`. */
  waitForMessages(count: number, timeoutMs?: number): Promise<RsyslogMessage[]>;
  /** Stops the server, keeping its port, certificate and received messages (to test reconnection). */
  pause(): Promise<void>;
  /** Starts it again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A private rsyslog (Debian's, unpacked by scripts/peers/rsyslog.sh) receiving syslog over TLS:
 * imtcp with the GnuTLS stream driver on a free 127.0.0.1 port, a fresh test CA and server
 * certificate, RFC 5425 octet-counted framing (imtcp's default detection), and every message
 * written to a file as rsyslog's own JSON rendering of what it parsed.
 */
export async function startRsyslog(options: { startTimeoutMs?: number } = {}): Promise<RsyslogPeer> {
  const root = rsyslogRoot();
  const rsyslogd = requirePeer('rsyslogd', join(root, 'usr', 'sbin', 'rsyslogd'), RSYSLOG_HINT);
  const libRoot = join(root, 'usr', 'lib');
  const multiarch = existsSync(libRoot) ? readdirSync(libRoot).find((d) => existsSync(join(libRoot, d, 'rsyslog', 'lmnsd_gtls.so'))) : undefined;
  if (!multiarch) throw new Error(`rsyslog's TLS driver (lmnsd_gtls.so) is not under ${libRoot}; provision it with: ${RSYSLOG_HINT}`);
  const libDir = join(libRoot, multiarch);

  const base = tempDir('stackyard-rsyslog', { memory: true });
  const ca = await createCertificateAuthority('Stackyard test syslog CA');
  const server = await issueCertificate(ca, { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], serverAuth: true });
  const caFile = join(base, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  writeFileSync(join(base, 'server.pem'), server.certPem);
  writePrivateFile(join(base, 'server-key.pem'), server.keyPem);
  const output = join(base, 'received.jsonl');
  const port = await freePort();
  const confFile = join(base, 'rsyslog.conf');
  writeFileSync(
    confFile,
    [
      // Control characters kept as received (rsyslog writes a line feed as #012 by default).
      `global(workDirectory="${base}" parser.escapeControlCharactersOnReceive="off" defaultNetstreamDriver="gtls" defaultNetstreamDriverCAFile="${caFile}" defaultNetstreamDriverCertFile="${join(base, 'server.pem')}" defaultNetstreamDriverKeyFile="${join(base, 'server-key.pem')}")`,
      // Mode 1: TLS only; anon: clients need no certificate of their own.
      'module(load="imtcp" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon")',
      `input(type="imtcp" port="${port}" address="127.0.0.1")`,
      'template(name="json" type="string" string="%jsonmesg%\\n")',
      `*.* action(type="omfile" file="${output}" template="json" flushOnTXEnd="on")`,
      '',
    ].join('\n'),
  );

  let peer: PeerProcess | undefined;
  const launch = async () => {
    peer = spawnPeer({
      name: 'rsyslogd',
      command: rsyslogd,
      // -n: foreground (the watchdog needs its pid); -M: modules from the unpacked tree; -i: our own pid file.
      args: ['-n', '-f', confFile, '-i', join(base, 'rsyslogd.pid'), '-M', join(libDir, 'rsyslog')],
      logFile: join(base, 'rsyslogd.log'),
      env: { ...process.env, LD_LIBRARY_PATH: libDir },
    });
    await waitUntil(() => canHandshake(port, ca.certPem), { what: 'rsyslogd (TLS syslog)', timeoutMs: options.startTimeoutMs ?? 30_000, peer, intervalMs: 100 });
  };
  await launch();

  const messages = (): RsyslogMessage[] =>
    existsSync(output)
      ? readFileSync(output, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as RsyslogMessage)
      : [];
  return {
    url: `tls://127.0.0.1:${port}`,
    caFile,
    caPem: ca.certPem,
    messages,
    async waitForMessages(count: number, timeoutMs = 30_000): Promise<RsyslogMessage[]> {
      try {
        await waitUntil(() => Promise.resolve(messages().length >= count), { what: `${count} syslog messages`, timeoutMs, intervalMs: 100 });
      } catch {
        throw new Error(`expected ${count} syslog messages, received ${messages().length}:\n${messages().map((m) => m.rawmsg).join('\n')}`);
      }
      return messages();
    },
    async pause(): Promise<void> {
      await peer?.stop(5_000);
    },
    resume: launch,
    async stop(): Promise<void> {
      await peer?.stop(5_000);
      if (!keepTestData()) removeTempDir(base);
    },
  };
}

/** A full TLS handshake against the test CA: the listener is up and its driver loaded. */
function canHandshake(port: number, caPem: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: caPem }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}
