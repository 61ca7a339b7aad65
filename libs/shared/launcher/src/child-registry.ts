import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/**
 * Every service process the launcher started in this process, so that none outlives its parent:
 * on `exit` (normal end, `process.exit`, uncaught error) they are SIGKILLed synchronously, the only
 * thing an exit hook can still do. Parents killed outright are covered by parent-guard.ts.
 */
const live = new Set<ChildProcess>();
/** Graceful stoppers of running suites, used when this process is asked to stop by a signal. */
const stoppers = new Set<() => Promise<void>>();
let exitHookInstalled = false;
let signalHooksInstalled = false;

export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of live) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
    });
  }
}

/**
 * On SIGINT/SIGTERM/SIGHUP: stop every registered suite gracefully, then exit with the
 * conventional 128+signal status. Hosts with their own shutdown logic opt out (handleSignals).
 */
export function registerStopper(stop: () => Promise<void>): () => void {
  stoppers.add(stop);
  if (!signalHooksInstalled) {
    signalHooksInstalled = true;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        const all = [...stoppers].map((s) => s().catch(() => undefined));
        void Promise.all(all).finally(() => process.exit(128 + (constants.signals[signal] ?? 1)));
      });
    }
  }
  return () => stoppers.delete(stop);
}
