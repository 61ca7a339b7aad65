import { JsonScanError } from './json-scan.exception';
import { type JsonMembers, type JsonSpan, scanJson } from './json-scan.util';

/**
 * Validation of `UntypedDeployment` bodies (export/import/create-stack `state`) and of checkpoint
 * PATCH bodies, without parsing the deployment (pulumi-protocol.md §4 "What the server should
 * validate"). The checks are the ones that would make the CLI fail to read the state back: Go decodes
 * `{version int, features []string, deployment json.RawMessage}` and then refuses versions outside
 * 1..4 (`pkg/resource/stack/deployment.go`). The deployment schema itself is deliberately not
 * enforced (the verbatim layout writes `pendingOperations`, and `extensions` is not in the schema).
 */

export const MIN_DEPLOYMENT_VERSION = 1;
export const MAX_DEPLOYMENT_VERSION = 4;

/** What a valid body says about itself; spans index into the validated buffer. */
export interface UntypedDeploymentInfo {
  readonly version: number;
  /** Present when the body has a `features` array (null counts as absent, as in Go). */
  readonly features: readonly string[] | undefined;
  readonly featuresSpan: JsonSpan | undefined;
  /** The `deployment` object's exact bytes. */
  readonly deploymentSpan: JsonSpan;
  /** `deployment.secrets_providers` when it is an object. */
  readonly secretsProvidersSpan: JsonSpan | undefined;
  /** `deployment.resources.length`; 0 when absent or null ("stack still contains resources" ⇔ > 0). */
  readonly resourceCount: number;
}

export interface CheckpointRequestInfo extends UntypedDeploymentInfo {
  readonly isInvalid: boolean;
}

/** `error` is a sentence for the detail of a 400 answer. */
export type ValidationResult<T> = { readonly ok: true; readonly info: T } | { readonly ok: false; readonly error: string };

/** Validates an `UntypedDeployment` body: `{version, features?, deployment}`. */
export function validateUntypedDeployment(buf: Uint8Array): ValidationResult<UntypedDeploymentInfo> {
  return validateEnvelope(buf, 'deployment', false);
}

/**
 * Validates the body of `PATCH …/checkpoint`: `{isInvalid?, version, features?, deployment}`
 * (`apitype.PatchUpdateCheckpointRequest`; the stored result is the same `UntypedDeployment`).
 */
export function validateCheckpointRequest(buf: Uint8Array): ValidationResult<CheckpointRequestInfo> {
  return validateEnvelope(buf, 'checkpoint', true);
}

/**
 * The stored form `{"version":N[,"features":[…]],"deployment":<bytes>}` as pieces that reference
 * `buf` (no copy of the deployment, which can be hundreds of MiB); write them in order or
 * `Buffer.concat` them. Re-wrapping, not re-serialising, keeps the deployment byte-identical.
 */
export function composeUntypedDeployment(buf: Uint8Array, info: UntypedDeploymentInfo): Buffer[] {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const pieces: Buffer[] = [Buffer.from(`{"version":${info.version}`)];
  if (info.featuresSpan !== undefined) {
    pieces.push(Buffer.from(',"features":'), bytes.subarray(info.featuresSpan.start, info.featuresSpan.end));
  }
  pieces.push(Buffer.from(',"deployment":'), bytes.subarray(info.deploymentSpan.start, info.deploymentSpan.end), Buffer.from('}'));
  return pieces;
}

function validateEnvelope(buf: Uint8Array, what: 'deployment' | 'checkpoint', withIsInvalid: true): ValidationResult<CheckpointRequestInfo>;
function validateEnvelope(buf: Uint8Array, what: 'deployment' | 'checkpoint', withIsInvalid: false): ValidationResult<UntypedDeploymentInfo>;
function validateEnvelope(
  buf: Uint8Array,
  what: 'deployment' | 'checkpoint',
  withIsInvalid: boolean,
): ValidationResult<UntypedDeploymentInfo | CheckpointRequestInfo> {
  let scan;
  try {
    scan = scanJson(buf, { describe: ['deployment'], count: ['deployment.resources'] });
  } catch (e) {
    if (e instanceof JsonScanError) return fail(`The ${what} is not valid JSON: ${e.reason} (at byte ${e.offset})`);
    throw e;
  }
  const root = scan.root;
  if (root === undefined) return fail(`The ${what} must be a JSON object, got ${article(scan.span.type)}`);
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);

  let isInvalid = false;
  if (withIsInvalid) {
    const span = root.get('isInvalid');
    if (span !== undefined && span.type !== 'null') {
      if (span.type !== 'boolean') return fail(`'isInvalid' must be a boolean, got ${article(span.type)}`);
      isInvalid = bytes[span.start] === 0x74; // 't'
    }
  }

  const versionSpan = root.get('version');
  if (versionSpan === undefined) return fail(`'version' is required`);
  const versionText = text(bytes, versionSpan);
  // Only the plain integer spellings: Go's decoder rejects `3.0` or `3e0` for an int field.
  const version = versionSpan.type === 'number' && /^-?\d+$/.test(versionText) ? Number(versionText) : NaN;
  if (!(version >= MIN_DEPLOYMENT_VERSION && version <= MAX_DEPLOYMENT_VERSION)) {
    return fail(
      `'version' must be an integer from ${MIN_DEPLOYMENT_VERSION} to ${MAX_DEPLOYMENT_VERSION}, got ${preview(versionText)}` +
        (Number.isInteger(version) ? ` (the CLI refuses deployments it considers too ${version < MIN_DEPLOYMENT_VERSION ? 'old' : 'new'})` : ''),
    );
  }

  let features: string[] | undefined;
  let featuresSpan: JsonSpan | undefined;
  const fSpan = root.get('features');
  // Go decodes `features` into []string for every version (it only *interprets* them from 4 on),
  // so a wrong type would make the state unreadable regardless of the version.
  if (fSpan !== undefined && fSpan.type !== 'null') {
    if (fSpan.type !== 'array') return fail(`'features' must be an array of strings, got ${article(fSpan.type)}`);
    // The features list is a handful of short names; parsing just this slice is cheap.
    const parsed = JSON.parse(text(bytes, fSpan)) as unknown[];
    const bad = parsed.findIndex((f) => typeof f !== 'string');
    if (bad >= 0) return fail(`'features' must be an array of strings, but element ${bad} is ${article(jsonTypeOf(parsed[bad]))}`);
    features = parsed as string[];
    featuresSpan = fSpan;
  }

  const deploymentSpan = root.get('deployment');
  if (deploymentSpan === undefined) return fail(`'deployment' is required`);
  if (deploymentSpan.type !== 'object') return fail(`'deployment' must be a JSON object, got ${article(deploymentSpan.type)}`);
  const deployment = scan.nested['deployment'] as JsonMembers; // an object, so described

  const manifest = deployment.get('manifest');
  if (manifest === undefined) return fail(`'deployment.manifest' is required`);
  if (manifest.type !== 'object') return fail(`'deployment.manifest' must be a JSON object, got ${article(manifest.type)}`);

  const resources = deployment.get('resources');
  if (resources !== undefined && resources.type !== 'array' && resources.type !== 'null') {
    return fail(`'deployment.resources' must be an array, got ${article(resources.type)}`);
  }
  const secretsProviders = deployment.get('secrets_providers');
  if (secretsProviders !== undefined && secretsProviders.type !== 'object' && secretsProviders.type !== 'null') {
    return fail(`'deployment.secrets_providers' must be a JSON object, got ${article(secretsProviders.type)}`);
  }

  const info: UntypedDeploymentInfo = {
    version,
    features,
    featuresSpan,
    deploymentSpan,
    secretsProvidersSpan: secretsProviders?.type === 'object' ? secretsProviders : undefined,
    resourceCount: scan.counts['deployment.resources'],
  };
  return { ok: true, info: withIsInvalid ? { ...info, isInvalid } : info };
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

function text(bytes: Buffer, span: JsonSpan): string {
  return bytes.toString('utf8', span.start, span.end);
}

function preview(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function article(type: string): string {
  return type === 'object' || type === 'array' ? `an ${type}` : type === 'null' ? 'null' : `a ${type}`;
}

function jsonTypeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}
