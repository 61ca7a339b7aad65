import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/** How to provision each peer the launchers know, for the error message. */
const PROVISION_HINTS: Record<string, string> = {
  versitygw: 'bash scripts/peers/versitygw.sh (builds it from the Go module proxy into ~/.cache/stackyard/peers)',
  mariadbd: 'bash scripts/peers/mariadb.sh (apt-get installs mariadb-server and mariadb-client)',
  'mariadb-install-db': 'bash scripts/peers/mariadb.sh (apt-get installs mariadb-server and mariadb-client)',
  slapd: 'bash scripts/peers/slapd.sh (apt-get installs Debian slapd: the server and its modules in /usr/lib/ldap)',
  samba: 'bash scripts/peers/samba-ad.sh (apt-get installs samba, samba-ad-provision, samba-dsdb-modules and samba-vfs-modules)',
  'samba-tool': 'bash scripts/peers/samba-ad.sh (apt-get installs samba, samba-ad-provision, samba-dsdb-modules and samba-vfs-modules)',
  php: 'bash scripts/peers/simplesamlphp.sh (apt-get installs simplesamlphp, php-cli, php-xml and php-mbstring)',
  simplesamlphp: 'bash scripts/peers/simplesamlphp.sh (apt-get installs simplesamlphp, php-cli, php-xml and php-mbstring)',
  chromium: 'bash scripts/peers/chromium.sh (unpacks Debian chromium and the libraries it needs into ~/.cache/stackyard/peers/chromium-<version>)',
  rsyslogd: 'bash scripts/peers/rsyslog.sh (unpacks Debian rsyslog and rsyslog-gnutls into ~/.cache/stackyard/peers/rsyslog)',
};

/** Raised when a test needs a peer binary that is not installed. Tests fail on it; they never skip. */
export class MissingPeerError extends Error {
  constructor(
    readonly peer: string,
    readonly looked: string,
    hint: string | undefined,
  ) {
    const ci = process.env['CI'] === 'true';
    super(
      [
        `test peer "${peer}" is missing: ${looked}.`,
        `Provision it with: ${hint ?? PROVISION_HINTS[peer] ?? `install "${peer}"`}.`,
        ci
          ? 'CI=true: the CI image must provide every peer; integration tests never skip.'
          : 'Integration tests fail rather than skip when a peer is missing, so a green run means the peer really ran.',
      ].join(' '),
    );
    this.name = 'MissingPeerError';
  }
}

/**
 * Resolves a peer binary or throws MissingPeerError. `path` is either an absolute path or a bare
 * command name looked up on PATH plus the sbin directories (Debian puts mariadbd in /usr/sbin,
 * which is not on a normal user's PATH).
 */
export function requirePeer(name: string, path: string, hint?: string): string {
  if (isAbsolute(path)) {
    if (isExecutableFile(path)) return path;
    throw new MissingPeerError(name, `${path} does not exist or is not executable`, hint);
  }
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, path);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new MissingPeerError(name, `"${path}" is not on PATH or in /usr/sbin`, hint);
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
