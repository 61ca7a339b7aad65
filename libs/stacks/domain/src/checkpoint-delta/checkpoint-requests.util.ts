import { JsonScanError } from '../json-scan.exception';
import { type JsonMembers, type JsonSpan, scanJson } from '../json-scan.util';
import { type UntypedDeploymentInfo, type ValidationResult, validateUntypedDeployment } from '../untyped-deployment.util';
import type { TextEdit } from './text-edits.util';

/**
 * Bodies of the Mode B checkpoint PATCHes (pulumi-protocol.md §2.4, §3.5), validated without
 * parsing the deployment:
 * - `checkpointverbatim`: `{"version":int,"untypedDeployment":<UntypedDeployment>,"sequenceNumber":int}`
 * - `checkpointdelta`: `{"version":int,"checkpointHash":hex,"sequenceNumber":int,"deploymentDelta":[TextEdit]}`
 */

export interface VerbatimCheckpointRequest {
  readonly sequenceNumber: number;
  /** Deployment schema version of the request envelope (the text carries its own). */
  readonly version: number;
  /** The exact bytes of `untypedDeployment`: a subarray of the request body, not a copy. */
  readonly text: Buffer;
  /** What `validateUntypedDeployment` says about `text` (spans index into `text`). */
  readonly info: UntypedDeploymentInfo;
}

export interface DeltaCheckpointRequest {
  readonly sequenceNumber: number;
  readonly version: number;
  /** Lowercase hex SHA-256 of the text the edits must produce. */
  readonly checkpointHash: string;
  readonly edits: TextEdit[];
}

const MAX_SEQUENCE = 2 ** 31 - 1;

export function validateVerbatimCheckpointRequest(body: Uint8Array): ValidationResult<VerbatimCheckpointRequest> {
  const envelope = scanEnvelope(body);
  if (!envelope.ok) return envelope;
  const { root, bytes } = envelope.info;
  const common = sequenceAndVersion(root, bytes);
  if (!common.ok) return common;
  const span = root.get('untypedDeployment');
  if (span === undefined || span.type === 'null') return fail(`'untypedDeployment' is required`);
  if (span.type !== 'object') return fail(`'untypedDeployment' must be a JSON object, got ${article(span.type)}`);
  const text = bytes.subarray(span.start, span.end);
  const checked = validateUntypedDeployment(text);
  if (!checked.ok) return fail(`'untypedDeployment': ${checked.error}`);
  return { ok: true, info: { ...common.info, text, info: checked.info } };
}

export function validateDeltaCheckpointRequest(body: Uint8Array): ValidationResult<DeltaCheckpointRequest> {
  const envelope = scanEnvelope(body);
  if (!envelope.ok) return envelope;
  const { root, bytes } = envelope.info;
  const common = sequenceAndVersion(root, bytes);
  if (!common.ok) return common;

  const hashSpan = root.get('checkpointHash');
  if (hashSpan === undefined || hashSpan.type !== 'string') return fail(`'checkpointHash' must be a string`);
  const checkpointHash = (JSON.parse(text(bytes, hashSpan)) as string).toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(checkpointHash)) return fail(`'checkpointHash' must be a hex SHA-256 digest`);

  const deltaSpan = root.get('deploymentDelta');
  let edits: TextEdit[] = [];
  if (deltaSpan !== undefined && deltaSpan.type !== 'null') {
    if (deltaSpan.type !== 'array') return fail(`'deploymentDelta' must be an array of edits, got ${article(deltaSpan.type)}`);
    // The delta holds only the changed resource spans; parsing this slice is proportionate.
    const parsed = parseEdits(JSON.parse(text(bytes, deltaSpan)) as unknown[]);
    if (!parsed.ok) return parsed;
    edits = parsed.info;
  }
  return { ok: true, info: { ...common.info, checkpointHash, edits } };
}

function parseEdits(raw: unknown[]): ValidationResult<TextEdit[]> {
  const edits: TextEdit[] = [];
  for (const [i, item] of raw.entries()) {
    if (!isObject(item)) return fail(`'deploymentDelta[${i}]' must be an object`);
    const span = item['Span'];
    if (!isObject(span)) return fail(`'deploymentDelta[${i}].Span' must be an object`);
    const start = offsetOf(span['start']);
    const end = offsetOf(span['end']);
    if (start === undefined || end === undefined) return fail(`'deploymentDelta[${i}].Span' needs integer start.offset and end.offset`);
    if (end < start) return fail(`'deploymentDelta[${i}].Span' ends before it starts`);
    const newText = item['NewText'] ?? '';
    if (typeof newText !== 'string') return fail(`'deploymentDelta[${i}].NewText' must be a string`);
    edits.push({ start, end, newText: Buffer.from(newText, 'utf8') });
  }
  return { ok: true, info: edits };
}

function offsetOf(point: unknown): number | undefined {
  if (!isObject(point)) return undefined;
  const offset = point['offset'];
  return typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0 ? offset : undefined;
}

function scanEnvelope(body: Uint8Array): ValidationResult<{ root: JsonMembers; bytes: Buffer }> {
  let root: JsonMembers | undefined;
  let type: string;
  try {
    const scan = scanJson(body);
    root = scan.root;
    type = scan.span.type;
  } catch (e) {
    if (e instanceof JsonScanError) return fail(`The checkpoint is not valid JSON: ${e.reason} (at byte ${e.offset})`);
    throw e;
  }
  if (root === undefined) return fail(`The checkpoint must be a JSON object, got ${article(type)}`);
  return { ok: true, info: { root, bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) } };
}

function sequenceAndVersion(root: JsonMembers, bytes: Buffer): ValidationResult<{ sequenceNumber: number; version: number }> {
  const sequenceNumber = integer(root.get('sequenceNumber'), bytes);
  if (sequenceNumber === undefined || sequenceNumber < 1 || sequenceNumber > MAX_SEQUENCE) return fail(`'sequenceNumber' must be a positive integer`);
  const versionSpan = root.get('version');
  const version = versionSpan === undefined ? 0 : integer(versionSpan, bytes);
  if (version === undefined || version < 0) return fail(`'version' must be a non-negative integer`);
  return { ok: true, info: { sequenceNumber, version } };
}

function integer(span: JsonSpan | undefined, bytes: Buffer): number | undefined {
  if (span === undefined || span.type !== 'number') return undefined;
  const raw = text(bytes, span);
  // Only plain integer spellings, as Go's decoder insists for an int field.
  if (!/^-?\d{1,15}$/.test(raw)) return undefined;
  return Number(raw);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function text(bytes: Buffer, span: JsonSpan): string {
  return bytes.toString('utf8', span.start, span.end);
}

function article(type: string): string {
  return type === 'object' || type === 'array' ? `an ${type}` : type === 'null' ? 'null' : `a ${type}`;
}

function fail(error: string): { ok: false; error: string } {
  return { ok: false, error };
}
