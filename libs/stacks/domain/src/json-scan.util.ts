import { isUtf8 } from 'node:buffer';
import { JsonScanError } from './json-scan.exception';

/**
 * A validating, position-tracking JSON scanner for request bodies that are too large to
 * `JSON.parse` just to check them (checkpoints reach hundreds of MiB, and parsing one costs several
 * times its size in heap). It never builds values; it reports byte spans so callers can slice the
 * original bytes (pulumi-protocol.md §3.5 needs the exact bytes of a property, not a re-serialisation).
 *
 * Acceptance is exactly `JSON.parse(buf.toString('utf8'))`'s, with two deliberate differences:
 * - the bytes must be valid UTF-8 (RFC 8259 §8.1). `toString` would silently turn bad bytes into
 *   U+FFFD, i.e. store something other than what the client sent. (Escaped lone surrogates such as
 *   "\ud800" stay accepted: they are valid JSON text and JSON.parse takes them.)
 * - nesting deeper than `maxDepth` is refused, so neither this scanner's state nor any later
 *   recursive consumer can be driven into huge stacks. Go's encoding/json (the CLI) stops at 10000.
 * A UTF-8 byte order mark is refused, as JSON.parse refuses U+FEFF (RFC 8259 §8.1: "MUST NOT add").
 */

export type JsonType = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/** A value's bytes are `buf.subarray(start, end)`; `end` is exclusive. */
export interface JsonSpan {
  readonly start: number;
  readonly end: number;
  readonly type: JsonType;
}

/**
 * Members of an object, key (decoded) → value span. Like JSON.parse, a repeated key keeps its last
 * value; the Map keeps the key's first insertion position.
 */
export type JsonMembers = ReadonlyMap<string, JsonSpan>;

export interface JsonScanOptions {
  /** Maximum container nesting (`[]` is depth 1). Default `DEFAULT_JSON_MAX_DEPTH`. */
  readonly maxDepth?: number;
  /**
   * Dotted member paths (from the root object) whose members to report in `nested`, e.g.
   * `['deployment']`. Paths walk through objects only; keys containing '.' cannot be addressed.
   */
  readonly describe?: readonly string[];
  /** Dotted member paths whose array length to report in `counts`, e.g. `['deployment.resources']`. */
  readonly count?: readonly string[];
}

export interface JsonScanResult {
  /** The root value's span (surrounding whitespace excluded). */
  readonly span: JsonSpan;
  /** Members of the root value when it is an object, else undefined. */
  readonly root: JsonMembers | undefined;
  /** One entry per `describe` path: its members, or undefined when absent or not an object. */
  readonly nested: Readonly<Record<string, JsonMembers | undefined>>;
  /** One entry per `count` path: the array's element count, 0 when absent or not an array. */
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * 512 is far above anything a Pulumi deployment nests (resource → outputs → a few levels of user
 * data) while keeping every recursive walk over an accepted document shallow.
 */
export const DEFAULT_JSON_MAX_DEPTH = 512;

// Byte values, named so the state machine below reads like the grammar.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_1 = 0x31;
const DIGIT_9 = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/** 1 for bytes that end the fast path inside a string: quote, backslash, control characters. */
const STRING_STOP = new Uint8Array(256);
for (let i = 0; i < 0x20; i++) STRING_STOP[i] = 1;
STRING_STOP[QUOTE] = 1;
STRING_STOP[BACKSLASH] = 1;

const HEX = new Uint8Array(256);
for (const ch of '0123456789abcdefABCDEF') HEX[ch.charCodeAt(0)] = 1;

/** Single-character escapes RFC 8259 §7 allows after a backslash (besides `u`). */
const SIMPLE_ESCAPE = new Uint8Array(256);
for (const ch of '"\\/bfnrt') SIMPLE_ESCAPE[ch.charCodeAt(0)] = 1;

const LITERALS: ReadonlyArray<readonly [number, Buffer]> = [
  [0x74, Buffer.from('true')],
  [0x66, Buffer.from('false')],
  [0x6e, Buffer.from('null')],
];

/** Which paths matter below a tracked object member; built once per call from the options. */
interface TrackNode {
  readonly path: string;
  describe: boolean;
  count: boolean;
  readonly children: Map<string, TrackNode>;
}

/** Mutable result slots; `nested`/`counts` are null-prototype so any path string is a safe key. */
interface Results {
  rootMembers: Map<string, JsonSpan> | undefined;
  readonly nested: Record<string, JsonMembers | undefined>;
  readonly counts: Record<string, number>;
}

/**
 * Validates `buf` as one JSON text and reports spans (see module comment). Throws `JsonScanError`.
 * Runs in one pass with an explicit stack; cost is a few operations per byte.
 */
export function scanJson(buf: Uint8Array, opts: JsonScanOptions = {}): JsonScanResult {
  const maxDepth = opts.maxDepth ?? DEFAULT_JSON_MAX_DEPTH;
  if (!Number.isInteger(maxDepth) || maxDepth < 0) throw new RangeError('maxDepth must be a non-negative integer');
  // The native check (simdutf) runs at many GB/s, so the byte loop below can treat every byte
  // >= 0x80 inside a string as opaque payload.
  if (!isUtf8(buf)) throw new JsonScanError(firstInvalidUtf8Offset(buf), 'invalid UTF-8');

  const rootNode = buildTrackTree(opts);
  const results: Results = {
    rootMembers: undefined,
    nested: Object.create(null) as Record<string, JsonMembers | undefined>,
    counts: Object.create(null) as Record<string, number>,
  };
  for (const p of opts.describe ?? []) results.nested[p] = undefined;
  for (const p of opts.count ?? []) results.counts[p] = 0;

  const len = buf.length;
  // Per-depth state. `kinds[d]` is the container byte ('{' or '[') open at depth d (1-based).
  const kinds = new Uint8Array(maxDepth + 1);
  // Tracked containers form a chain from the root: the open containers at depths 1..trackedDepth.
  // Only for those do we decode keys and record member spans, so the hot path pays one compare.
  let trackedDepth = 0;
  const tNode: TrackNode[] = [];
  const tMembers: Array<Map<string, JsonSpan> | undefined> = [];
  const tKey: string[] = [];
  const tKeyNode: Array<TrackNode | undefined> = [];
  const tCount: number[] = [];
  // Start byte / first byte of the value currently being read inside tracked container d
  // (index 0 is the root value itself).
  const vStart: number[] = [0];
  const vFirst: number[] = [0];

  let depth = 0;
  let pos = skipWs(buf, 0, len);
  if (pos === 0 && len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    throw new JsonScanError(0, 'byte order mark is not allowed');
  }

  outer: for (;;) {
    // State: a value must start at `pos` (whitespace already skipped).
    if (pos >= len) throw new JsonScanError(pos, 'unexpected end of input, expected a value');
    const c = buf[pos];
    const inTracked = depth === trackedDepth;
    if (inTracked) {
      vStart[depth] = pos;
      vFirst[depth] = c;
    }
    if (c === LBRACE || c === LBRACKET) {
      if (depth >= maxDepth) throw new JsonScanError(pos, `nesting deeper than ${maxDepth} levels`);
      let node: TrackNode | undefined;
      if (inTracked) {
        node = depth === 0 ? rootNode : kinds[depth] === LBRACE ? tKeyNode[depth] : undefined;
        if (node !== undefined) resetBelow(node, results);
      }
      depth++;
      kinds[depth] = c;
      if (node !== undefined) {
        trackedDepth = depth;
        tNode[depth] = node;
        tCount[depth] = 0;
        let members: Map<string, JsonSpan> | undefined;
        if (c === LBRACE && (node === rootNode || node.describe)) {
          members = new Map();
          if (node === rootNode) results.rootMembers = members;
          else results.nested[node.path] = members;
        }
        tMembers[depth] = members;
      }
      pos = skipWs(buf, pos + 1, len);
      if (c === LBRACE) {
        if (buf[pos] !== RBRACE) {
          pos = readKey(buf, pos, len, depth === trackedDepth, depth, tNode, tKey, tKeyNode);
          continue outer;
        }
      } else if (buf[pos] !== RBRACKET) {
        continue outer;
      }
      // Empty container: close it right away and fall through to "after value".
      pos++;
      if (depth === trackedDepth) {
        closeTracked(tNode[depth], tCount[depth], results);
        trackedDepth--;
      }
      depth--;
    } else {
      if (inTracked && depth > 0 && kinds[depth] === LBRACE) {
        // A primitive replaces whatever an earlier duplicate of this key described.
        const keyNode = tKeyNode[depth];
        if (keyNode !== undefined) resetBelow(keyNode, results);
      }
      if (c === QUOTE) pos = scanString(buf, pos + 1, len);
      else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) pos = scanNumber(buf, pos, len);
      else pos = scanLiteral(buf, pos, len, c);
    }

    // State: a value just ended at `pos`, inside the container at `depth` (0 = it was the root).
    for (;;) {
      if (depth === trackedDepth) {
        if (depth === 0) break outer;
        if (kinds[depth] === LBRACE) {
          tMembers[depth]?.set(tKey[depth], { start: vStart[depth], end: pos, type: typeOf(vFirst[depth]) });
        } else {
          tCount[depth]++;
        }
      }
      pos = skipWs(buf, pos, len);
      if (pos >= len) throw new JsonScanError(pos, `unexpected end of input, expected ',' or '${kinds[depth] === LBRACE ? '}' : ']'}'`);
      const d = buf[pos];
      if (d === COMMA) {
        pos = skipWs(buf, pos + 1, len);
        if (kinds[depth] === LBRACE) pos = readKey(buf, pos, len, depth === trackedDepth, depth, tNode, tKey, tKeyNode);
        continue outer;
      }
      if (d !== (kinds[depth] === LBRACE ? RBRACE : RBRACKET)) {
        throw new JsonScanError(pos, `unexpected ${describeByte(d)}, expected ',' or '${kinds[depth] === LBRACE ? '}' : ']'}'`);
      }
      pos++;
      if (depth === trackedDepth) {
        closeTracked(tNode[depth], tCount[depth], results);
        trackedDepth--;
      }
      depth--;
    }
  }

  const span: JsonSpan = { start: vStart[0], end: pos, type: typeOf(vFirst[0]) };
  pos = skipWs(buf, pos, len);
  if (pos !== len) throw new JsonScanError(pos, `unexpected ${describeByte(buf[pos])} after the JSON value`);
  return { span, root: results.rootMembers, nested: results.nested, counts: results.counts };
}

/**
 * Reads `"key"` + `:` starting at `pos` (whitespace before already skipped) and returns the position
 * of the member value (whitespace skipped). Inside a tracked object, also decodes the key and looks up
 * whether the member's value is tracked.
 */
function readKey(
  buf: Uint8Array,
  pos: number,
  len: number,
  tracked: boolean,
  depth: number,
  tNode: TrackNode[],
  tKey: string[],
  tKeyNode: Array<TrackNode | undefined>,
): number {
  if (pos >= len) throw new JsonScanError(pos, 'unexpected end of input, expected a string key');
  if (buf[pos] !== QUOTE) throw new JsonScanError(pos, `unexpected ${describeByte(buf[pos])}, expected a string key`);
  const keyStart = pos;
  pos = scanString(buf, pos + 1, len);
  if (tracked) {
    const key = decodeString(buf, keyStart, pos);
    tKey[depth] = key;
    tKeyNode[depth] = tNode[depth].children.get(key);
  }
  pos = skipWs(buf, pos, len);
  if (buf[pos] !== COLON) {
    throw new JsonScanError(pos, pos >= len ? "unexpected end of input, expected ':'" : `unexpected ${describeByte(buf[pos])}, expected ':'`);
  }
  return skipWs(buf, pos + 1, len);
}

/** Decodes the string token at [start, end) (quotes included); escapes are rare in keys. */
function decodeString(buf: Uint8Array, start: number, end: number): string {
  const raw = Buffer.from(buf.buffer, buf.byteOffset + start, end - start);
  return raw.includes(BACKSLASH) ? (JSON.parse(raw.toString('utf8')) as string) : raw.toString('utf8', 1, raw.length - 1);
}

/** `pos` is just after the opening quote; returns the position after the closing quote. */
function scanString(buf: Uint8Array, pos: number, len: number): number {
  for (;;) {
    // Hot loop: plain payload bytes (including UTF-8 continuation bytes, already validated).
    while (pos < len && STRING_STOP[buf[pos]] === 0) pos++;
    if (pos >= len) throw new JsonScanError(pos, 'unterminated string');
    const c = buf[pos];
    if (c === QUOTE) return pos + 1;
    if (c !== BACKSLASH) throw new JsonScanError(pos, `unescaped control character 0x${hex2(c)} in string`);
    if (pos + 1 >= len) throw new JsonScanError(pos + 1, 'unterminated string');
    const e = buf[pos + 1];
    if (SIMPLE_ESCAPE[e] === 1) {
      pos += 2;
    } else if (e === 0x75 /* u */) {
      for (let i = pos + 2; i < pos + 6; i++) {
        if (i >= len) throw new JsonScanError(i, 'unterminated string');
        if (HEX[buf[i]] === 0) throw new JsonScanError(i, 'invalid \\u escape (expected 4 hex digits)');
      }
      pos += 6;
    } else {
      throw new JsonScanError(pos, `invalid escape '\\${e >= 0x20 && e < 0x7f ? String.fromCharCode(e) : `x${hex2(e)}`}' in string`);
    }
  }
}

/** RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`. Returns the end. */
function scanNumber(buf: Uint8Array, pos: number, len: number): number {
  const start = pos;
  if (buf[pos] === MINUS) pos++;
  const first = pos < len ? buf[pos] : -1;
  if (first === DIGIT_0) {
    pos++;
  } else if (first >= DIGIT_1 && first <= DIGIT_9) {
    pos++;
    while (pos < len && isDigit(buf[pos])) pos++;
  } else {
    throw new JsonScanError(pos, pos >= len ? 'unexpected end of input in number' : `invalid number starting at byte ${start}`);
  }
  if (pos < len && buf[pos] === DOT) {
    pos++;
    if (pos >= len || !isDigit(buf[pos])) throw new JsonScanError(pos, 'expected a digit after the decimal point');
    while (pos < len && isDigit(buf[pos])) pos++;
  }
  if (pos < len && (buf[pos] === LOWER_E || buf[pos] === UPPER_E)) {
    pos++;
    if (pos < len && (buf[pos] === PLUS || buf[pos] === MINUS)) pos++;
    if (pos >= len || !isDigit(buf[pos])) throw new JsonScanError(pos, 'expected a digit in the exponent');
    while (pos < len && isDigit(buf[pos])) pos++;
  }
  return pos;
}

function scanLiteral(buf: Uint8Array, pos: number, len: number, c: number): number {
  for (const [first, bytes] of LITERALS) {
    if (c !== first) continue;
    for (let i = 1; i < bytes.length; i++) {
      if (pos + i >= len || buf[pos + i] !== bytes[i]) {
        throw new JsonScanError(pos + i, `invalid literal, expected '${bytes.toString('latin1')}'`);
      }
    }
    return pos + bytes.length;
  }
  throw new JsonScanError(pos, `unexpected ${describeByte(c)}, expected a value`);
}

function skipWs(buf: Uint8Array, pos: number, len: number): number {
  while (pos < len) {
    const c = buf[pos];
    if (c !== SPACE && c !== LF && c !== CR && c !== TAB) break;
    pos++;
  }
  return pos;
}

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

function typeOf(first: number): JsonType {
  switch (first) {
    case LBRACE:
      return 'object';
    case LBRACKET:
      return 'array';
    case QUOTE:
      return 'string';
    case 0x74:
    case 0x66:
      return 'boolean';
    case 0x6e:
      return 'null';
    default:
      return 'number';
  }
}

function describeByte(c: number): string {
  if (c >= 0x21 && c < 0x7f) return `'${String.fromCharCode(c)}'`;
  return `byte 0x${hex2(c)}`;
}

function hex2(c: number): string {
  return c.toString(16).padStart(2, '0');
}

function buildTrackTree(opts: JsonScanOptions): TrackNode {
  // The root's members are always reported (as `root`), outside the `nested` record.
  const root: TrackNode = { path: '', describe: false, count: false, children: new Map() };
  const add = (path: string, kind: 'describe' | 'count'): void => {
    if (path === '') throw new RangeError('scanJson: empty path (the root is always described, as `root`)');
    let node = root;
    for (const key of path.split('.')) {
      let child = node.children.get(key);
      if (child === undefined) {
        child = { path: node === root ? key : `${node.path}.${key}`, describe: false, count: false, children: new Map() };
        node.children.set(key, child);
      }
      node = child;
    }
    node[kind] = true;
  };
  for (const p of opts.describe ?? []) add(p, 'describe');
  for (const p of opts.count ?? []) add(p, 'count');
  return root;
}

/** A (duplicate) member value is starting: forget what earlier values at and below `node` reported. */
function resetBelow(node: TrackNode, results: Results): void {
  if (node.describe) results.nested[node.path] = undefined;
  if (node.count) results.counts[node.path] = 0;
  for (const child of node.children.values()) resetBelow(child, results);
}

function closeTracked(node: TrackNode, count: number, results: Results): void {
  if (node.count) results.counts[node.path] = count;
}

/**
 * Offset of the first byte that breaks UTF-8 (Unicode §3.9 table 3-7: no overlongs, no encoded
 * surrogates, nothing above U+10FFFF). Only runs on the error path, so it is written for clarity.
 */
export function firstInvalidUtf8Offset(buf: Uint8Array): number {
  const len = buf.length;
  let i = 0;
  while (i < len) {
    const c = buf[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const b = i + k < len ? buf[i + k] : -1;
      if (k === 1 ? b < lo || b > hi : b < 0x80 || b > 0xbf) return i;
    }
    i += need + 1;
  }
  return len;
}
