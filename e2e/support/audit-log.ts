import { readFileSync } from 'node:fs';

/**
 * The audit events a service wrote to its log file (JSON log lines whose logger context is
 * `audit` and whose message is the event as JSON), in order.
 */
export function auditEvents(logFile: string): Array<Record<string, unknown>> {
  const events: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { context?: unknown; message?: unknown };
      if (entry.context === 'audit' && typeof entry.message === 'string') events.push(JSON.parse(entry.message) as Record<string, unknown>);
    } catch {
      // Not a JSON log line (the launcher's own banners).
    }
  }
  return events;
}
