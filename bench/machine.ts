import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { requirePeer, VERSITYGW_VERSION } from '@stackyard/testing';

const execFileAsync = promisify(execFile);

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  ramGiB: number;
  os: string;
  node: string;
  pulumi: string;
  mariadb: string;
  versitygw: string;
  date: string;
  /** 1-minute load average when the run started and ended: other work on the machine shows here. */
  loadAtStart: number;
  loadAtEnd?: number;
}

function osName(): string {
  const file = '/etc/os-release';
  const pretty = existsSync(file) ? /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync(file, 'utf8'))?.[1] : undefined;
  return `${pretty ?? process.platform} (kernel ${release()})`;
}

async function firstLine(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(command, args, { timeout: 30_000 });
    return stdout.trim().split('\n')[0] ?? '';
  } catch {
    return 'unknown';
  }
}

async function mariadbVersion(): Promise<string> {
  if (process.env['STACKYARD_TEST_MYSQL_URL']) return 'shared server (STACKYARD_TEST_MYSQL_URL)';
  try {
    const dir = process.env['STACKYARD_MARIADB_BIN_DIR'];
    const binary = requirePeer('mariadbd', dir ? `${dir}/mariadbd` : 'mariadbd');
    // `mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu on x86_64 (Debian 12)`
    const line = await firstLine(binary, ['--version']);
    return /Ver\s+(\S+)/.exec(line)?.[1] ?? line;
  } catch {
    return 'not installed';
  }
}

/** `pulumiVersion`: what `pulumi version` printed (run in the hermetic environment by the caller). */
export async function machineInfo(pulumiVersion: string): Promise<MachineInfo> {
  return {
    nproc: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: osName(),
    node: process.version,
    pulumi: pulumiVersion,
    mariadb: await mariadbVersion(),
    versitygw: process.env['STACKYARD_TEST_S3_ENDPOINT'] ? 'shared server (STACKYARD_TEST_S3_ENDPOINT)' : VERSITYGW_VERSION,
    date: new Date().toISOString(),
    loadAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
}
