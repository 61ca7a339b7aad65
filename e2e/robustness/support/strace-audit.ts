import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * Reads an `strace -f` log of `connect`, `sendto`, `sendmsg`, `sendmmsg`, `bind` plus the process
 * bookkeeping calls (`clone*`, `fork`, `vfork`, `execve`) and says which process (by the program
 * it runs) addressed what.
 */

/** The strace arguments that produce a log this module understands. */
export function straceArgs(outputFile: string): string[] {
  return [
    '-f',
    '--seccomp-bpf',
    '-qq',
    '-s',
    '512',
    '-e',
    'trace=connect,sendto,sendmsg,sendmmsg,bind,clone,clone3,fork,vfork,execve',
    '-e',
    'signal=none',
    '-o',
    outputFile,
  ];
}

export interface SocketAddress {
  family: string;
  /** IP address, unix path, or '' for other families. */
  address: string;
  port?: number;
}

export interface AuditRecord {
  tid: number;
  /** Which program the thread belongs to (see `labelOf`). */
  label: string;
  syscall: string;
  target: SocketAddress;
  line: string;
}

export interface Audit {
  records: AuditRecord[];
  /** Labels of every traced process (by program), for a sanity check. */
  labels: Set<string>;
  lines: number;
}

const ADDRESS_CALLS = new Set(['connect', 'sendto', 'sendmsg', 'sendmmsg', 'bind']);

/** How a process is named in the report: a Stackyard service by its app, otherwise its program. */
export function labelOf(argv: string[]): string {
  for (const arg of argv) {
    const app = /\/apps\/([a-z-]+)\/src\/main\.js$/.exec(arg);
    if (app) return app[1];
    if (arg.endsWith('suite-host.js')) return 'launcher';
    if (arg.endsWith('robust-runner.js')) return 'automation-runner';
    if (/dynamic-provider(\/index\.js)?$/.test(arg)) return 'dynamic-provider';
  }
  return basename(argv[0] ?? 'unknown');
}

function parseArgv(line: string): string[] | undefined {
  const m = /execve\("[^"]*", \[(.*?)\](?:, |\.\.\.)/.exec(line);
  if (!m) return undefined;
  return [...m[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((a) => a[1]);
}

/** Every socket address mentioned in one syscall line. */
export function addressesIn(line: string): SocketAddress[] {
  const out: SocketAddress[] = [];
  for (const m of line.matchAll(/\{sa_family=(AF_[A-Z0-9]+)([^}]*)\}/g)) {
    const family = m[1];
    const rest = m[2];
    if (family === 'AF_INET') {
      const addr = /sin_addr=inet_addr\("([^"]+)"\)/.exec(rest)?.[1] ?? '';
      const port = Number(/sin_port=htons\((\d+)\)/.exec(rest)?.[1] ?? NaN);
      out.push({ family, address: addr, port });
    } else if (family === 'AF_INET6') {
      const addr = /inet_pton\(AF_INET6, "([^"]+)"/.exec(rest)?.[1] ?? '';
      const port = Number(/sin6_port=htons\((\d+)\)/.exec(rest)?.[1] ?? NaN);
      out.push({ family, address: addr, port });
    } else if (family === 'AF_UNIX') {
      out.push({ family, address: /sun_path=(@?"[^"]*")/.exec(rest)?.[1] ?? '' });
    } else {
      out.push({ family, address: '' });
    }
  }
  return out;
}

export function parseStrace(file: string): Audit {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').filter(Boolean);
  const parent = new Map<number, number>();
  const program = new Map<number, string>();
  const pending: Array<{ tid: number; syscall: string; line: string }> = [];
  for (const line of lines) {
    const head = /^(\d+)\s+(?:<\.\.\. )?([a-z0-9_]+)/.exec(line);
    if (!head) continue;
    const tid = Number(head[1]);
    const syscall = head[2];
    const resumed = line.slice(head[1].length).trimStart().startsWith('<...');
    if (syscall === 'clone' || syscall === 'clone3' || syscall === 'fork' || syscall === 'vfork') {
      const child = /= (\d+)\s*$/.exec(line);
      if (child) parent.set(Number(child[1]), tid);
      continue;
    }
    if (syscall === 'execve') {
      if (/= -1 /.test(line) || resumed) continue;
      const argv = parseArgv(line);
      if (argv) program.set(tid, labelOf(argv));
      continue;
    }
    if (ADDRESS_CALLS.has(syscall) && !resumed) pending.push({ tid, syscall, line });
  }
  const labelFor = (tid: number): string => {
    const seen = new Set<number>();
    for (let t: number | undefined = tid; t !== undefined && !seen.has(t); t = parent.get(t)) {
      seen.add(t);
      const label = program.get(t);
      if (label) return label;
    }
    return 'launcher';
  };
  const records: AuditRecord[] = [];
  for (const p of pending) {
    for (const target of addressesIn(p.line)) records.push({ tid: p.tid, label: labelFor(p.tid), syscall: p.syscall, target, line: p.line });
  }
  return { records, labels: new Set([...program.values()]), lines: lines.length };
}

/** Loopback (127.0.0.0/8, ::1, IPv4-mapped loopback), a unix socket, netlink or AF_UNSPEC. */
export function isLocal(target: SocketAddress): boolean {
  switch (target.family) {
    case 'AF_UNIX':
    case 'AF_NETLINK':
    case 'AF_UNSPEC':
      return true;
    case 'AF_INET':
      return /^127\./.test(target.address);
    case 'AF_INET6':
      return target.address === '::1' || /^::ffff:127\./.test(target.address);
    default:
      return false;
  }
}

/** A listener or outgoing socket that breaks the loopback-only rule, described for a message. */
export function violations(audit: Audit, filter: (r: AuditRecord) => boolean = () => true): string[] {
  return audit.records
    .filter(filter)
    .filter((r) => {
      if (r.syscall === 'bind') {
        // Binding an unspecified address with port 0 is how some clients pick a source port.
        if ((r.target.address === '0.0.0.0' || r.target.address === '::') && r.target.port === 0) return false;
      }
      return !isLocal(r.target);
    })
    .map((r) => `${r.label} (tid ${r.tid}) ${r.syscall} → ${r.target.family} ${r.target.address}${r.target.port !== undefined ? `:${r.target.port}` : ''}\n    ${r.line.slice(0, 400)}`);
}
