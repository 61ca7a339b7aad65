/** Progress goes to stderr, so stdout stays free and a long run shows where it is. */
export function progress(message: string): void {
  const time = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[bench ${time}] ${message}\n`);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function seconds(ms: number | undefined): string {
  return ms === undefined ? '—' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
