import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { removeTempDir, tempDir } from './temp-dir.util';

/**
 * Runs a separate Node process that starts a long-running "peer" (`sleep`) through spawnPeer,
 * then ends that process in the given way, and reports whether the peer survived it.
 */
async function peerSurvives(end: 'sigkill' | 'sigterm' | 'exit' | 'idle'): Promise<{ survived: boolean; parentExit: string }> {
  const dir = tempDir('stackyard-peer-process');
  const modulePath = join(__dirname, 'peer-process.util.js');
  const script = `
    const { spawnPeer } = require(${JSON.stringify(modulePath)});
    const peer = spawnPeer({ name: 'sleeper', command: 'sleep', args: ['300'], logFile: ${JSON.stringify(join(dir, 'sleep.log'))} });
    console.log(peer.pid);
    if (${JSON.stringify(end)} === 'exit') setTimeout(() => process.exit(3), 50);
    else if (${JSON.stringify(end)} !== 'idle') setInterval(() => {}, 1000);
    // 'idle': after one short timer (so the test can see the peer running first; without it a
    // loaded machine let the process end, and the peer die, before the check) nothing keeps the
    // event loop alive, so the process must end by itself.
    else setTimeout(() => {}, 1000);
  `;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve, reject) => {
    parent.stdout.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
    parent.once('error', reject);
  });
  assert.ok(isAlive(pid), 'the peer runs while its test process does');
  const parentExit = new Promise<string>((resolve) => parent.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
  if (end === 'sigkill') parent.kill('SIGKILL');
  if (end === 'sigterm') parent.kill('SIGTERM');
  const exit = await Promise.race([parentExit, new Promise<string>((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
  if (exit === 'still running') parent.kill('SIGKILL');
  // The watchdog needs a moment to notice the closed pipe.
  for (let i = 0; i < 50 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
  const survived = isAlive(pid);
  if (survived) process.kill(pid, 'SIGKILL');
  removeTempDir(dir);
  return { survived, parentExit: exit };
}

/** Running, not a zombie: an orphaned peer that was killed lingers as a zombie until init reaps it. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return existsSync('/proc/self') ? false : true;
  }
}

void describe('spawnPeer cleanup', () => {
  void it('kills the peer when the test process is SIGKILLed (watchdog)', async () => {
    const result = await peerSurvives('sigkill');
    assert.equal(result.parentExit, 'SIGKILL');
    assert.equal(result.survived, false);
  });

  void it('kills the peer on SIGTERM, and the test process still dies of the signal', async () => {
    const result = await peerSurvives('sigterm');
    assert.equal(result.parentExit, 'SIGTERM');
    assert.equal(result.survived, false);
  });

  void it('kills the peer on process.exit()', async () => {
    const result = await peerSurvives('exit');
    assert.equal(result.parentExit, 'code 3');
    assert.equal(result.survived, false);
  });

  void it('does not keep a finished test process alive, and still kills the peer', async () => {
    const result = await peerSurvives('idle');
    assert.equal(result.parentExit, 'code 0');
    assert.equal(result.survived, false);
  });
});
