import { randomBytes } from 'node:crypto';

/**
 * Finding known values in stored bytes: the forms a value can take when some layer between the CLI
 * and the disk copies it without encrypting it (as is, JSON-escaped, base64, hex), and a scanner
 * that reports where each form was found without echoing the stored data.
 */

/** `<prefix>-<24 random hex>`: 96 random bits, so a hit can only be this value. */
export function newMarker(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString('hex')}`;
}

export interface Needle {
  /** How the value was encoded, e.g. `base64 (offset 1)`. */
  encoding: string;
  bytes: Buffer;
}

/** Go's encoding/json also escapes these (HTML safety), and the CLI is written in Go. */
const GO_JSON_ESCAPES: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' };

const jsonEscaped = (value: string): string => JSON.stringify(value).slice(1, -1);
const goJsonEscaped = (value: string): string => jsonEscaped(value).replace(/[<>&\u2028\u2029]/g, (c) => GO_JSON_ESCAPES[c] ?? c);

/**
 * The part of base64(filler + value) that depends on the value alone, for `filler` of 0, 1 and 2
 * bytes: wherever the value sits in a longer base64-encoded text, one of these three appears in it.
 * The 4-character groups that also hold filler bytes or whatever follows the value are dropped.
 */
function base64Middles(value: Buffer): Array<{ offset: number; text: string }> {
  return [0, 1, 2].map((offset) => {
    const encoded = Buffer.concat([Buffer.alloc(offset), value]).toString('base64');
    const firstClean = Math.ceil(offset / 3) * 4;
    const lastClean = Math.floor((offset + value.length) / 3) * 4;
    return { offset, text: encoded.slice(firstClean, lastClean) };
  });
}

/** Every form of `value` to search for, without duplicates (a plain marker's JSON escape is itself). */
export function needlesFor(value: string): Needle[] {
  const raw = Buffer.from(value, 'utf8');
  const candidates: Array<[string, string]> = [
    ['plaintext', value],
    ['JSON-escaped', jsonEscaped(value)],
    ['JSON-escaped (Go)', goJsonEscaped(value)],
    ['JSON-escaped twice', jsonEscaped(jsonEscaped(value))],
    ['hex', raw.toString('hex')],
  ];
  for (const { offset, text } of base64Middles(raw)) {
    candidates.push([`base64 (offset ${offset})`, text]);
    candidates.push([`base64url (offset ${offset})`, text.replace(/\+/g, '-').replace(/\//g, '_')]);
  }
  const seen = new Set<string>();
  const needles: Needle[] = [];
  for (const [encoding, text] of candidates) {
    if (seen.has(text)) continue;
    // Short needles would match by chance; a 29-byte marker gives at least 36 base64 characters.
    if (text.length < 16) throw new Error(`the ${encoding} form of a marker is too short to search for (${text.length} characters)`);
    seen.add(text);
    needles.push({ encoding, bytes: Buffer.from(text, 'utf8') });
  }
  return needles;
}

/** One stored thing: a file, a database row, an object, or the inflated content of one of them. */
export interface StoredBlob {
  /** `file db/api.db`, `object stacks/…/1.json.gz (gunzipped)`, `mariadb e2e_x_api.updates row 3`. */
  where: string;
  /** Which store it belongs to, for the summary and the "the scan can see state" check. */
  store: 'database' | 'object-store' | 'logs' | 'data-dir';
  bytes: Buffer;
}

export interface MarkerHit {
  marker: string;
  encoding: string;
  where: string;
  store: StoredBlob['store'];
  offset: number;
  /** Up to 40 bytes before the hit, printable ASCII only, other markers masked: which field it is. */
  before: string;
}

/** Every occurrence of every needle of every named value in the blobs. */
export function findMarkers(blobs: readonly StoredBlob[], markers: Readonly<Record<string, string>>): MarkerHit[] {
  const searches = Object.entries(markers).flatMap(([marker, value]) => needlesFor(value).map((needle) => ({ marker, needle })));
  const allValues = Object.values(markers);
  const hits: MarkerHit[] = [];
  for (const blob of blobs) {
    for (const { marker, needle } of searches) {
      for (let at = blob.bytes.indexOf(needle.bytes); at !== -1; at = blob.bytes.indexOf(needle.bytes, at + 1)) {
        hits.push({ marker, encoding: needle.encoding, where: blob.where, store: blob.store, offset: at, before: contextBefore(blob.bytes, at, allValues) });
      }
    }
  }
  return hits;
}

function contextBefore(bytes: Buffer, at: number, markers: readonly string[]): string {
  let text = bytes
    .subarray(Math.max(0, at - 40), at)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  for (const marker of markers) text = text.split(marker).join('<marker>');
  return text;
}

/** One line per hit, for an assertion message. */
export function describeHits(hits: readonly MarkerHit[]): string {
  return hits.map((h) => `  ${h.marker} (${h.encoding}) in ${h.where} at byte ${h.offset}, after ${JSON.stringify(h.before)}`).join('\n');
}
