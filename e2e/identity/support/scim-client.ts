import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { MissingPeerError, REPO_ROOT } from '@stackyard/testing';

const PROVISION_HINT = 'bash scripts/peers/scim2-tester.sh (pip installs scim2-tester, scim2-client and httpx2 from PyPI into a cached virtualenv; needs python3 >= 3.10)';
const DRIVER = join(REPO_ROOT, 'e2e', 'identity', 'support', 'scim-client-check.py');

/** The independent SCIM client: the virtualenv's interpreter and what it holds (printed by the peer script). */
export interface ScimClientPeer {
  python: string;
  /** e.g. `scim2-tester 0.5.2, scim2-client 0.13.2, scim2-models 0.12.3, httpx2 2.16.2; Python 3.11.7`. */
  description: string;
}

let cached: Promise<ScimClientPeer> | undefined;

/** Provisions (or finds cached) scim2-tester through scripts/peers/scim2-tester.sh; a failure fails the test. */
export function scimClientPeer(): Promise<ScimClientPeer> {
  cached ??= new Promise<ScimClientPeer>((resolve, reject) => {
    const script = join(REPO_ROOT, 'scripts', 'peers', 'scim2-tester.sh');
    execFile('bash', [script], { timeout: 10 * 60_000, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const match = /^(\S+) \((.+)\)$/.exec(stdout.trim().split('\n').pop() ?? '');
      if (error || !match) {
        reject(new MissingPeerError('scim2-tester', `scripts/peers/scim2-tester.sh failed (${error?.message ?? 'no interpreter printed'})\n${stderr.slice(-2_000)}`, PROVISION_HINT));
        return;
      }
      resolve({ python: match[1], description: match[2] });
    });
  });
  return cached;
}

export interface ScimTarget {
  /** `https://<api>/scim/v2/<org>`. */
  baseUrl: string;
  token: string;
  caFile: string;
}

export interface ComplianceResult {
  title: string;
  status: 'SUCCESS' | 'COMPLIANT' | 'ACCEPTABLE' | 'DEVIATION' | 'ERROR' | 'CRITICAL' | 'SKIPPED';
  reason: string | null;
  resourceType: string | null;
  tags: string[];
}

export interface ClientVersions {
  'scim2-tester': string;
  'scim2-client': string;
  'scim2-models': string;
  httpx2: string;
  python: string;
}

type Resource = Record<string, unknown>;

export interface ProvisionSteps {
  created: Resource;
  createdSecond: Resource;
  foundByUserName: Resource[];
  updated: Resource;
  groupCreated: Resource;
  group: Resource;
}

/**
 * Runs scim-client-check.py (see its docstring) in the scim2-tester virtualenv. The token goes in
 * the environment, never on the command line; the answer is the JSON it prints.
 */
async function runDriver<T>(target: ScimTarget, mode: string, args: string[]): Promise<T & { client: ClientVersions }> {
  const { python } = await scimClientPeer();
  const argv = [DRIVER, mode, '--base-url', target.baseUrl, '--ca-file', target.caFile, ...args];
  return new Promise((resolve, reject) => {
    execFile(
      python,
      argv,
      { timeout: 5 * 60_000, maxBuffer: 64 * 1024 * 1024, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', SCIM_TOKEN: target.token, PYTHONDONTWRITEBYTECODE: '1' } },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`the SCIM client (${mode}) failed: ${error.message}\n--- stderr ---\n${stderr.slice(-8_000)}`));
          return;
        }
        try {
          resolve(JSON.parse(stdout) as T & { client: ClientVersions });
        } catch {
          reject(new Error(`the SCIM client (${mode}) printed no JSON:\n${stdout.slice(0, 2_000)}\n--- stderr ---\n${stderr.slice(-4_000)}`));
        }
      },
    );
  });
}

export function runCompliance(target: ScimTarget): Promise<{ results: ComplianceResult[]; client: ClientVersions }> {
  return runDriver(target, 'compliance', []);
}

export function runProvision(target: ScimTarget, people: { userName: string; secondUserName: string; groupName: string }): Promise<{ steps: ProvisionSteps; client: ClientVersions }> {
  return runDriver(target, 'provision', ['--user-name', people.userName, '--second-user-name', people.secondUserName, '--group-name', people.groupName]);
}

export function runDeactivate(target: ScimTarget, userName: string): Promise<{ steps: { deactivated: Resource }; client: ClientVersions }> {
  return runDriver(target, 'deactivate', ['--user-name', userName]);
}
