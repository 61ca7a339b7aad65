import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import { JsonScanError } from './json-scan.exception';
import { DEFAULT_JSON_MAX_DEPTH, type JsonScanResult, firstInvalidUtf8Offset, scanJson } from './json-scan.util';

/** The oracle: what the scanner must accept (see the module comment for the two differences). */
function oracleAccepts(buf: Buffer): boolean {
  if (!isUtf8(buf)) return false;
  try {
    JSON.parse(buf.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function scanAccepts(buf: Buffer): boolean {
  try {
    scanJson(buf);
    return true;
  } catch (e) {
    if (!(e instanceof JsonScanError)) throw e;
    return false;
  }
}

function scanError(input: string | Buffer): JsonScanError {
  const buf = typeof input === 'string' ? Buffer.from(input) : input;
  try {
    scanJson(buf);
  } catch (e) {
    if (e instanceof JsonScanError) return e;
    throw e;
  }
  assert.fail(`expected ${JSON.stringify(buf.toString())} to be rejected`);
}

/** Checks every reported span against JSON.parse of the whole document. */
function assertSpansMatchParse(buf: Buffer, result: JsonScanResult): void {
  const whole = JSON.parse(buf.toString()) as unknown;
  assert.deepEqual(JSON.parse(buf.toString('utf8', result.span.start, result.span.end)), whole);
  if (result.root === undefined) {
    assert.ok(whole === null || typeof whole !== 'object' || Array.isArray(whole));
    return;
  }
  const obj = whole as Record<string, unknown>;
  assert.deepEqual([...result.root.keys()].sort(), Object.keys(obj).sort());
  for (const [key, span] of result.root) {
    const value = JSON.parse(buf.toString('utf8', span.start, span.end)) as unknown;
    assert.deepEqual(value, obj[key], `member ${key}`);
    assert.equal(span.type, value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : (typeof value as string));
  }
}

/** Deterministic PRNG (mulberry32) so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRING_ALPHABET = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u007f', 'é', 'ß', '€', '☃', '😀', '\u2028', '\ufeff', '\ud800', '\udfff', ':', ',', '{', ']'];

function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 6 || r < 0.45) {
    const k = Math.floor(rand() * 8);
    switch (k) {
      case 0:
        return null;
      case 1:
        return rand() < 0.5;
      case 2:
        return Math.floor(rand() * 2000) - 1000;
      case 3:
        return (rand() - 0.5) * 10 ** Math.floor(rand() * 40 - 20);
      case 4:
        return rand() < 0.5 ? 0 : -0;
      default: {
        let s = '';
        const n = Math.floor(rand() * 12);
        for (let i = 0; i < n; i++) s += STRING_ALPHABET[Math.floor(rand() * STRING_ALPHABET.length)];
        return s;
      }
    }
  }
  const n = Math.floor(rand() * 5);
  if (r < 0.7) return Array.from({ length: n }, () => randomValue(rand, depth + 1));
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) obj[String(randomValue(rand, 99))] = randomValue(rand, depth + 1);
  return obj;
}

/** JSON.stringify plus random insignificant whitespace and random (valid) alternative escapes. */
function randomText(rand: () => number, value: unknown): string {
  const ws = (): string => {
    let s = '';
    while (rand() < 0.25) s += [' ', '\t', '\n', '\r'][Math.floor(rand() * 4)];
    return s;
  };
  const str = (s: string): string => {
    let out = '"';
    for (const ch of s) {
      if (/^[a-zA-Z]$/.test(ch) && rand() < 0.1) {
        const hex = ch.charCodeAt(0).toString(16).padStart(4, '0');
        out += `\\u${rand() < 0.5 ? hex : hex.toUpperCase()}`;
      } else if (ch === '/' && rand() < 0.5) out += '\\/';
      else out += JSON.stringify(ch).slice(1, -1);
    }
    return `${out}"`;
  };
  const go = (v: unknown): string => {
    if (Array.isArray(v)) return `[${ws()}${v.map((x) => `${go(x)}${ws()}`).join(`,${ws()}`)}]`;
    if (v !== null && typeof v === 'object') {
      return `{${ws()}${Object.entries(v).map(([k, x]) => `${str(k)}${ws()}:${ws()}${go(x)}${ws()}`).join(`,${ws()}`)}}`;
    }
    if (typeof v === 'string') return str(v);
    if (typeof v === 'number' && rand() < 0.2 && Number.isFinite(v) && v !== 0) return v.toExponential().replace('e+', rand() < 0.5 ? 'E' : 'e+');
    return JSON.stringify(v);
  };
  return `${ws()}${go(value)}${ws()}`;
}

const MUTATION_BYTES = Buffer.from([...Buffer.from('{}[]",:\\/ \t\n\r\f\v0123456789-+.eEtrufalsnu'), 0x00, 0x1f, 0x7f, 0xa0, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xff, 0xed, 0x80, 0xef, 0xbb, 0xbf]);
const STRUCTURAL = new Set(Buffer.from('{}[],:"\\'));

/** A position next to a structural byte, where a one-byte edit most often changes validity. */
function boundary(rand: () => number, buf: Buffer): number {
  const candidates: number[] = [];
  buf.forEach((b, i) => {
    if (STRUCTURAL.has(b)) candidates.push(i, i + 1);
  });
  return candidates.length === 0 ? 0 : candidates[Math.floor(rand() * candidates.length)];
}

/** Short fragments that often turn valid JSON into almost-valid JSON (and back) near structure. */
const SNIPPETS = [',', ',]', ',}', '[,', ':', '::', '""', '"', '\\', "\\'", '\\x', '\\u00', '\\ud800', "'", '-', '.', 'e', '0', '00', '1.', ' ', '\f', '\u00a0', '\ufeff', 'tru', 'nul', '/*', '//',
  // Whole elements followed by a comma: after '[' or ',' they keep the rest of an array intact, so
  // the element alone decides validity.
  '1,', '-0.5e+3,', '"a",', 'null,', '[],', '{},', '{"k":1},', '"\\u00e9\\/",',
  '1.,', '1e,', '-,', '01,', '.5,', '+1,', '"\\x",', '"\\u12",', 'tru,', '[,],', '{,},', '{"k"},', '{1:2},', 'NaN,', "'a',", '"\t",',
];

function mutate(rand: () => number, buf: Buffer): Buffer {
  const at = rand() < 0.5 ? boundary(rand, buf) : Math.floor(rand() * (buf.length + 1));
  const byte = MUTATION_BYTES[Math.floor(rand() * MUTATION_BYTES.length)];
  switch (Math.floor(rand() * 7)) {
    case 0:
      return Buffer.concat([buf.subarray(0, at), buf.subarray(at + 1)]); // delete
    case 1:
      return Buffer.concat([buf.subarray(0, at), Buffer.from([byte]), buf.subarray(at)]); // insert a byte
    case 2: {
      const snippet = Buffer.from(SNIPPETS[Math.floor(rand() * SNIPPETS.length)]); // insert a fragment
      return Buffer.concat([buf.subarray(0, at), snippet, buf.subarray(at)]);
    }
    case 3: {
      const out = Buffer.from(buf); // replace
      if (at < out.length) out[at] = byte;
      return out;
    }
    case 4:
      return buf.subarray(0, at); // truncate
    case 5: {
      const to = Math.min(buf.length, at + 1 + Math.floor(rand() * 8)); // duplicate a slice
      return Buffer.concat([buf.subarray(0, to), buf.subarray(at, to), buf.subarray(to)]);
    }
    default: {
      const out = Buffer.from(buf); // swap two bytes
      const other = Math.floor(rand() * out.length);
      if (at < out.length) [out[at], out[other]] = [out[other], out[at]];
      return out;
    }
  }
}

void describe('scanJson', () => {
  void describe('accepts what JSON.parse accepts', () => {
    const valid = [
      '0',
      '-0',
      '1',
      '-1.5e-3',
      '1E+300',
      '0.0001',
      '123456789012345678901234567890',
      '1e999', // JSON.parse gives Infinity, but the text is valid JSON
      'true',
      'false',
      'null',
      '""',
      '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0000\\uABCD\\uabcd"',
      '"\\ud800"', // lone surrogate escapes are valid JSON text
      '"\\udfff\\ud800"',
      '"\u007f é ☃ 😀 \u2028 \ufeff"',
      '[]',
      '{}',
      ' \t\r\n[ 1 , [ ] , { } , "x" ] \n',
      '{"a":{"b":[1,{"c":null}]},"a":2}',
      '{"":0,"__proto__":1,"constructor":2}',
    ];
    for (const text of valid) {
      void it(`accepts ${JSON.stringify(text)}`, () => {
        const buf = Buffer.from(text);
        assert.ok(oracleAccepts(buf), 'oracle sanity');
        assertSpansMatchParse(buf, scanJson(buf));
      });
    }
  });

  void describe('rejects malformed input with an offset and a reason', () => {
    const cases: Array<[string, string | Buffer, number, RegExp]> = [
      ['empty input', '', 0, /unexpected end of input/],
      ['only whitespace', '  \n', 3, /unexpected end of input/],
      ['truncated object', '{"a":1', 6, /expected ',' or '}'/],
      ['truncated after key', '{"a"', 4, /expected ':'/],
      ['truncated after colon', '{"a":', 5, /expected a value/],
      ['truncated array', '[1,2', 4, /expected ',' or '\]'/],
      ['unterminated string', '"abc', 4, /unterminated string/],
      ['string ends in backslash', '"abc\\', 5, /unterminated string/],
      ['bad escape', '"a\\x"', 2, /invalid escape '\\x'/],
      ['single-quote escape', '"\\\'"', 1, /invalid escape/],
      ['short \\u escape', '"\\u12"', 5, /4 hex digits/],
      ['non-hex \\u escape', '"\\u12G4"', 5, /4 hex digits/],
      ['raw tab in string', '"a\tb"', 2, /control character 0x09/],
      ['raw newline in string', '"a\nb"', 2, /control character 0x0a/],
      ['raw NUL in string', '"\u0000"', 1, /control character 0x00/],
      ['leading zero', '01', 1, /after the JSON value/],
      ['leading zero in array', '[01]', 2, /expected ',' or '\]'/],
      ['lone minus', '-', 1, /end of input in number/],
      ['minus letter', '-a', 1, /invalid number/],
      ['plus sign', '+1', 0, /unexpected '\+'/],
      ['leading dot', '.5', 0, /unexpected '\.'/],
      ['trailing dot', '1.', 2, /digit after the decimal point/],
      ['dot exponent', '1.e5', 2, /digit after the decimal point/],
      ['empty exponent', '1e', 2, /digit in the exponent/],
      ['signed empty exponent', '1e+', 3, /digit in the exponent/],
      ['hex number', '0x10', 1, /after the JSON value/],
      ['NaN', 'NaN', 0, /unexpected 'N'/],
      ['Infinity', '-Infinity', 1, /invalid number/],
      ['trailing comma in array', '[1,]', 3, /expected a value/],
      ['trailing comma in object', '{"a":1,}', 7, /expected a string key/],
      ['missing comma', '[1 2]', 3, /expected ',' or '\]'/],
      ['missing colon', '{"a" 1}', 5, /expected ':'/],
      ['unquoted key', '{a:1}', 1, /expected a string key/],
      ['single-quoted string', "'a'", 0, /unexpected '''/],
      ['number key', '{1:2}', 1, /expected a string key/],
      ['mismatched bracket', '[1}', 2, /expected ',' or '\]'/],
      ['mismatched brace', '{"a":1]', 6, /expected ',' or '}'/],
      ['extra closer', '[]]', 2, /after the JSON value/],
      ['two values', '{} {}', 3, /after the JSON value/],
      ['line comment', '[1] // x', 4, /after the JSON value/],
      ['block comment', '/* x */ 1', 0, /unexpected '\/'/],
      ['bad literal', 'tru', 3, /expected 'true'/],
      ['capitalised literal', 'True', 0, /unexpected 'T'/],
      ['literal typo', 'nul1', 3, /expected 'null'/],
      ['literal with suffix', 'nullx', 4, /after the JSON value/],
      ['form feed is not whitespace', '\f1', 0, /byte 0x0c/],
      ['vertical tab is not whitespace', '1\v', 1, /byte 0x0b/],
      ['NBSP is not whitespace', '\u00a01', 0, /byte 0xc2/],
      ['byte order mark', '\ufeff{}', 0, /byte order mark/],
      ['invalid UTF-8 in string', Buffer.from([0x22, 0x61, 0xff, 0x22]), 2, /invalid UTF-8/],
      ['overlong UTF-8', Buffer.from([0x22, 0xc0, 0x80, 0x22]), 1, /invalid UTF-8/],
      ['UTF-8 encoded surrogate', Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), 1, /invalid UTF-8/],
      ['truncated UTF-8 sequence', Buffer.from([0x22, 0xe2, 0x82]), 1, /invalid UTF-8/],
      ['code point above U+10FFFF', Buffer.from([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22]), 1, /invalid UTF-8/],
    ];
    for (const [name, input, offset, reason] of cases) {
      void it(name, () => {
        const buf = typeof input === 'string' ? Buffer.from(input) : input;
        if (!name.includes('UTF-8') && !name.includes('surrogate') && !name.includes('U+10FFFF')) {
          assert.equal(oracleAccepts(buf), false, 'oracle sanity: JSON.parse rejects it too');
        }
        const err = scanError(buf);
        assert.match(err.reason, reason);
        assert.equal(err.offset, offset, `offset for ${JSON.stringify(buf.toString('latin1'))}: ${err.message}`);
        assert.equal(err.message, `invalid JSON at byte ${err.offset}: ${err.reason}`);
      });
    }

    void it('rejects invalid UTF-8 that JSON.parse would silently replace with U+FFFD', () => {
      const buf = Buffer.from([0x22, 0x80, 0x22]);
      assert.doesNotThrow(() => JSON.parse(buf.toString('utf8')));
      assert.match(scanError(buf).reason, /invalid UTF-8/);
    });
  });

  void describe('differential test against JSON.parse', () => {
    void it('agrees on 300 random documents and their spans', () => {
      const rand = prng(0x5eed);
      for (let i = 0; i < 300; i++) {
        // Every third document is forced to be an object, to exercise member spans.
        const value = i % 3 === 0 ? Object.fromEntries(Array.from({ length: 1 + Math.floor(rand() * 6) }, () => [String(randomValue(rand, 99)), randomValue(rand, 1)])) : randomValue(rand, 0);
        const buf = Buffer.from(randomText(rand, value));
        assert.ok(oracleAccepts(buf), `generator produced invalid JSON: ${buf.toString()}`);
        assertSpansMatchParse(buf, scanJson(buf));
      }
    });

    void it('accepts exactly what JSON.parse accepts across 5000 mutations', () => {
      const rand = prng(0xc0ffee);
      let accepted = 0;
      let rejected = 0;
      for (let i = 0; i < 1000; i++) {
        const base = Buffer.from(randomText(rand, randomValue(rand, 0)));
        let buf: Buffer = base;
        for (let m = 0; m < 5; m++) {
          buf = mutate(rand, m === 0 ? base : rand() < 0.5 ? base : buf);
          const expected = oracleAccepts(buf);
          assert.equal(scanAccepts(buf), expected, `disagreement on ${JSON.stringify(buf.toString('latin1'))} (JSON.parse ${expected ? 'accepts' : 'rejects'})`);
          if (expected) {
            accepted++;
            assertSpansMatchParse(buf, scanJson(buf));
          } else rejected++;
        }
      }
      // Both outcomes must be well represented, or the test proves little.
      assert.ok(accepted > 500 && rejected > 2000, `accepted ${accepted}, rejected ${rejected}`);
    });

    void it('agrees on every truncation of a document', () => {
      const buf = Buffer.from('{"a": [1, -2.5e+3, true, false, null, "x\\u00e9\\n", {"b": {}}], "c": "☃"}');
      for (let end = 0; end < buf.length; end++) {
        const prefix = buf.subarray(0, end);
        assert.equal(scanAccepts(prefix), oracleAccepts(prefix), `prefix ${end}`);
      }
    });
  });

  void describe('nesting depth', () => {
    const nested = (n: number): Buffer => Buffer.from('['.repeat(n) + ']'.repeat(n));

    void it(`accepts ${DEFAULT_JSON_MAX_DEPTH} levels and rejects one more`, () => {
      assert.doesNotThrow(() => scanJson(nested(DEFAULT_JSON_MAX_DEPTH)));
      const err = scanError(nested(DEFAULT_JSON_MAX_DEPTH + 1));
      assert.equal(err.offset, DEFAULT_JSON_MAX_DEPTH);
      assert.match(err.reason, /nesting deeper than 512/);
    });

    void it('honours maxDepth and counts objects too', () => {
      const doc = Buffer.from('{"a":[{"b":1}]}');
      assert.doesNotThrow(() => scanJson(doc, { maxDepth: 3 }));
      assert.throws(() => scanJson(doc, { maxDepth: 2 }), JsonScanError);
      assert.doesNotThrow(() => scanJson(Buffer.from('1'), { maxDepth: 0 }));
      assert.throws(() => scanJson(Buffer.from('[]'), { maxDepth: 0 }), JsonScanError);
    });

    void it('does not recurse: a million open brackets fail cleanly', () => {
      assert.match(scanError(Buffer.from('['.repeat(1_000_000))).reason, /nesting deeper/);
      assert.doesNotThrow(() => scanJson(nested(100_000), { maxDepth: 100_000 }));
    });
  });

  void describe('spans', () => {
    void it('reports byte offsets (not UTF-16 indices) past multibyte characters', () => {
      const buf = Buffer.from('{"☃😀":"é","v":[1, 2] ,"n":null}');
      const { root } = scanJson(buf);
      assert.ok(root);
      assert.deepEqual(root.get('☃😀'), { start: 11, end: 15, type: 'string' });
      assert.deepEqual(root.get('v'), { start: 20, end: 26, type: 'array' });
      assert.equal(buf.toString('utf8', 20, 26), '[1, 2]');
      assert.deepEqual(root.get('n'), { start: 32, end: 36, type: 'null' });
    });

    void it('decodes escaped keys', () => {
      const { root } = scanJson(Buffer.from('{"a\\"b":1,"\\u00e9":2,"\\ud83d\\ude00":3}'));
      assert.deepEqual([...(root?.keys() ?? [])], ['a"b', 'é', '😀']);
    });

    void it('keeps the last value of a repeated key, like JSON.parse', () => {
      const { root } = scanJson(Buffer.from('{"a":1,"b":2,"a":"x"}'));
      assert.deepEqual(root?.get('a'), { start: 17, end: 20, type: 'string' });
      assert.deepEqual([...(root?.keys() ?? [])], ['a', 'b']);
    });

    void it('reports the root span without surrounding whitespace, and no members for non-objects', () => {
      const result = scanJson(Buffer.from('  [1]\n'));
      assert.deepEqual(result.span, { start: 2, end: 5, type: 'array' });
      assert.equal(result.root, undefined);
      assert.deepEqual(scanJson(Buffer.from(' "s" ')).span, { start: 1, end: 4, type: 'string' });
      assert.deepEqual(scanJson(Buffer.from('-1e3')).span, { start: 0, end: 4, type: 'number' });
      assert.deepEqual(scanJson(Buffer.from('false')).span, { start: 0, end: 5, type: 'boolean' });
    });

    void it('works on a Uint8Array view with a byte offset', () => {
      const backing = Buffer.from('xxxx{"a":[1]}yy');
      const view = new Uint8Array(backing.buffer, backing.byteOffset + 4, 9);
      const { root } = scanJson(view);
      assert.deepEqual(root?.get('a'), { start: 5, end: 8, type: 'array' });
      assert.deepEqual(scanJson(Buffer.from('{"k\\n":1}').subarray(0)).root?.get('k\n'), { start: 7, end: 8, type: 'number' });
    });
  });

  void describe('nested members and counts', () => {
    const opts = { describe: ['deployment'], count: ['deployment.resources'] };

    void it('describes a member object and counts an array inside it', () => {
      const text = '{"version":3,"deployment":{"manifest":{"time":"t"},"resources":[{"urn":"a","inputs":{"x":[1,2,3]}},{"urn":"b"},[],"s"],"z":0}}';
      const buf = Buffer.from(text);
      const r = scanJson(buf, opts);
      const dep = r.nested['deployment'];
      assert.ok(dep);
      assert.deepEqual([...dep.keys()], ['manifest', 'resources', 'z']);
      const res = dep.get('resources');
      assert.ok(res);
      assert.deepEqual(JSON.parse(buf.toString('utf8', res.start, res.end)), (JSON.parse(text) as { deployment: { resources: unknown } }).deployment.resources);
      assert.equal(r.counts['deployment.resources'], 4);
      assert.deepEqual(r.root?.get('deployment'), { start: 26, end: text.length - 1, type: 'object' });
    });

    void it('reports 0 / undefined when absent, null, empty or of another type', () => {
      for (const [text, described] of [
        ['{}', false],
        ['{"deployment":null}', false],
        ['{"deployment":[]}', false],
        ['{"deployment":{}}', true],
        ['{"deployment":{"resources":null}}', true],
        ['{"deployment":{"resources":[]}}', true],
        ['{"deployment":{"resources":{"a":1}}}', true],
        ['[{"deployment":{"resources":[1]}}]', false],
        ['{"x":{"deployment":{"resources":[1]}}}', false],
      ] as const) {
        const r = scanJson(Buffer.from(text), opts);
        assert.equal(r.counts['deployment.resources'], 0, text);
        assert.equal(r.nested['deployment'] !== undefined, described, text);
      }
    });

    void it('follows JSON.parse for repeated keys at every level of the path', () => {
      const count = (text: string): number => scanJson(Buffer.from(text), opts).counts['deployment.resources'];
      assert.equal(count('{"deployment":{"resources":[1,2]},"deployment":{"resources":[1]}}'), 1);
      assert.equal(count('{"deployment":{"resources":[1,2]},"deployment":{}}'), 0);
      assert.equal(count('{"deployment":{"resources":[1,2]},"deployment":7}'), 0);
      assert.equal(count('{"deployment":{"resources":[1,2],"resources":[]}}'), 0);
      assert.equal(count('{"deployment":{"resources":[1,2],"resources":"x"}}'), 0);
      assert.equal(count('{"deployment":7,"deployment":{"resources":[1,2,3]}}'), 3);
      assert.equal(scanJson(Buffer.from('{"deployment":{"a":1},"deployment":7}'), opts).nested['deployment'], undefined);
      assert.deepEqual([...(scanJson(Buffer.from('{"deployment":{"a":1},"deployment":{"b":2}}'), opts).nested['deployment']?.keys() ?? [])], ['b']);
    });

    void it('matches escaped spellings of path keys', () => {
      const r = scanJson(Buffer.from('{"deplo\\u0079ment":{"resource\\u0073":[1,2]}}'), opts);
      assert.equal(r.counts['deployment.resources'], 2);
    });

    void it('supports deeper paths and several paths at once', () => {
      const text = '{"a":{"b":{"c":{"d":1},"list":[1,[2,3],{"x":[4]}]}},"e":{"f":2}}';
      const r = scanJson(Buffer.from(text), { describe: ['a.b.c', 'e', 'a.b'], count: ['a.b.list', 'a.b.c.d', 'nope'] });
      assert.deepEqual([...(r.nested['a.b.c']?.keys() ?? [])], ['d']);
      assert.deepEqual([...(r.nested['a.b']?.keys() ?? [])], ['c', 'list']);
      assert.deepEqual([...(r.nested['e']?.keys() ?? [])], ['f']);
      assert.deepEqual({ ...r.counts }, { 'a.b.list': 3, 'a.b.c.d': 0, nope: 0 });
    });

    void it('still validates the whole document when paths are tracked', () => {
      assert.throws(() => scanJson(Buffer.from('{"deployment":{"resources":[1,]}}'), opts), JsonScanError);
      assert.throws(() => scanJson(Buffer.from('{"deployment":{"resources":[]}} x'), opts), JsonScanError);
    });

    void it('treats path-like keys as data (no prototype pollution)', () => {
      const r = scanJson(Buffer.from('{"__proto__":{"polluted":1}}'), { describe: ['__proto__'] });
      assert.deepEqual([...(r.nested['__proto__']?.keys() ?? [])], ['polluted']);
      assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    });

    void it('rejects an empty path', () => {
      assert.throws(() => scanJson(Buffer.from('{}'), { describe: [''] }), RangeError);
    });
  });
});

void describe('firstInvalidUtf8Offset', () => {
  void it('finds the first offending byte and returns the length for valid input', () => {
    assert.equal(firstInvalidUtf8Offset(Buffer.from('aé☃😀')), Buffer.byteLength('aé☃😀'));
    assert.equal(firstInvalidUtf8Offset(Buffer.from([0x61, 0xe2, 0x28, 0xa1])), 1);
    assert.equal(firstInvalidUtf8Offset(Buffer.from([0x61, 0x62, 0xc1, 0xbf])), 2);
    assert.equal(firstInvalidUtf8Offset(Buffer.from([0xe0, 0x80, 0x80])), 0);
    assert.equal(firstInvalidUtf8Offset(Buffer.from([0xf0, 0x9f, 0x98])), 0);
  });

  void it('agrees with the native check on random byte strings', () => {
    const rand = prng(42);
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({ length: Math.floor(rand() * 8) }, () => (rand() < 0.5 ? 0x80 + Math.floor(rand() * 0x80) : Math.floor(rand() * 0x80))));
      assert.equal(firstInvalidUtf8Offset(bytes) === bytes.length, isUtf8(bytes), bytes.toString('hex'));
    }
  });
});
