/**
 * How the CLI uploads state during an update (pulumi-protocol.md §3.4–3.6), chosen on the server:
 * `journal` grants journaling (the shipped default; a CLI too old to journal falls back to deltas),
 * `delta` offers only verbatim + delta checkpoints, `checkpoint` offers neither (whole states).
 */
export type UploadMode = 'journal' | 'delta' | 'checkpoint';

export const UPLOAD_MODES: readonly UploadMode[] = ['journal', 'delta', 'checkpoint'];

export const UPLOAD_MODE_ENV: Record<UploadMode, Record<string, string>> = {
  journal: { STACKYARD_JOURNALING: 'true', STACKYARD_DELTA_CHECKPOINTS: 'true' },
  delta: { STACKYARD_JOURNALING: 'false', STACKYARD_DELTA_CHECKPOINTS: 'true' },
  checkpoint: { STACKYARD_JOURNALING: 'false', STACKYARD_DELTA_CHECKPOINTS: 'false' },
};

/**
 * `STACKYARD_E2E_UPLOAD_MODE` runs every suite the e2e tests start in one upload mode (the
 * compatibility runs, scripts/compat.sh); unset means the shipped defaults.
 */
export function selectedUploadMode(): UploadMode | undefined {
  const raw = process.env.STACKYARD_E2E_UPLOAD_MODE;
  if (!raw) return undefined;
  if (!UPLOAD_MODES.includes(raw as UploadMode)) throw new Error(`STACKYARD_E2E_UPLOAD_MODE: unknown mode '${raw}'; known: ${UPLOAD_MODES.join(', ')}`);
  return raw as UploadMode;
}

/** The api settings of the selected upload mode, to merge under a test's own `extraEnv`. */
export function uploadModeEnv(): Record<string, string> {
  const mode = selectedUploadMode();
  return mode ? UPLOAD_MODE_ENV[mode] : {};
}
