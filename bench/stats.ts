/** Nearest-rank percentile (p in 0..100) of unsorted samples; undefined for none. */
export function percentile(samples: readonly number[], p: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const median = (samples: readonly number[]): number | undefined => percentile(samples, 50);

export function max(samples: readonly number[]): number | undefined {
  return samples.length === 0 ? undefined : Math.max(...samples);
}

export const MiB = 1024 * 1024;

/** Timed samples of one kind: every sample and its summary. */
export interface Timings {
  runsMs: number[];
  medianMs?: number;
  p95Ms?: number;
  maxMs?: number;
}

export function timings(runsMs: number[]): Timings {
  return { runsMs, medianMs: median(runsMs), p95Ms: percentile(runsMs, 95), maxMs: max(runsMs) };
}
