import { readFileSync, writeFileSync } from 'node:fs';

function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Peak resident memory of a process over a stretch of work (Linux /proc). The kernel's high-water
 * mark (VmHWM) is reset at `start` (`5 > /proc/<pid>/clear_refs`) so it covers just this
 * stretch; VmRSS is also sampled, which is all there is when the reset is not allowed.
 */
export class RssSampler {
  private timer?: NodeJS.Timeout;
  private peakKiB = 0;
  private hwmReset = false;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 20,
  ) {}

  start(): void {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      this.hwmReset = true;
    } catch {
      this.hwmReset = false;
    }
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  /** Peak MiB and how it was obtained. */
  stop(): { peakMiB: number; method: string } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    const hwm = this.hwmReset ? statusKiB(this.pid, 'VmHWM') : undefined;
    const peak = Math.max(this.peakKiB, hwm ?? 0);
    return {
      peakMiB: Math.round((peak / 1024) * 10) / 10,
      method: this.hwmReset ? `VmHWM (reset before) and VmRSS every ${this.intervalMs} ms` : `VmRSS every ${this.intervalMs} ms (VmHWM reset not permitted)`,
    };
  }

  private sample(): void {
    const rss = statusKiB(this.pid, 'VmRSS');
    if (rss !== undefined && rss > this.peakKiB) this.peakKiB = rss;
  }
}
