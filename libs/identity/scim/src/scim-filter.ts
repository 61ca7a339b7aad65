import { ScimError } from './scim-error';

/**
 * SCIM filters and attribute paths (RFC 7644 §3.4.2.2 and §3.5.2): parsed into a small syntax tree
 * and evaluated against a resource's JSON. Operators and attribute names are case-insensitive;
 * string comparison folds case unless the attribute is `caseExact`. Precedence: not, and, or.
 */

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';
export type FilterValue = string | number | boolean | null;

/** `[schema URN:]attribute[.subAttribute]`, names as written (resolve them case-insensitively). */
export interface AttributePath {
  schema?: string;
  attribute: string;
  subAttribute?: string;
}

export type Filter =
  | { kind: 'compare'; path: AttributePath; operator: CompareOperator; value: FilterValue }
  | { kind: 'present'; path: AttributePath }
  | { kind: 'and' | 'or'; left: Filter; right: Filter }
  | { kind: 'not'; filter: Filter }
  /** `emails[type eq "work"]`: some value of a multi-valued attribute matches the inner filter. */
  | { kind: 'valuePath'; path: AttributePath; filter: Filter };

/** A PATCH target: an attribute, optionally narrowed to the values matching `filter`, optionally one sub-attribute. */
export interface PatchPath {
  path: AttributePath;
  filter?: Filter;
  /** `emails[type eq "work"].value`: the sub-attribute after a value filter. */
  valueSubAttribute?: string;
}

const OPERATORS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le']);
/** Filters longer than this are refused before parsing: no client needs them, and parsing is recursive. */
export const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 32;

type Token =
  | { kind: 'word'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: '(' | ')' | '[' | ']' | '.'; at: number };

function tokenize(text: string, code: 'invalidFilter' | 'invalidPath'): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '(' || c === ')' || c === '[' || c === ']' || c === '.') {
      tokens.push({ kind: c, at: i });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (j >= text.length) throw ScimError.badRequest(code, `unterminated string starting at character ${i + 1}`);
      let value: unknown;
      try {
        value = JSON.parse(text.slice(i, j + 1));
      } catch {
        throw ScimError.badRequest(code, `malformed string starting at character ${i + 1}`);
      }
      tokens.push({ kind: 'string', value: value as string, at: i });
      i = j + 1;
    } else if (/[-0-9]/.test(c)) {
      const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i));
      if (!match) throw ScimError.badRequest(code, `unexpected '${c}' at character ${i + 1}`);
      tokens.push({ kind: 'number', value: Number(match[0]), at: i });
      i += match[0].length;
    } else {
      // Attribute paths (URNs carry ':' and '.', e.g. `urn:…:core:2.0:User:name.givenName`), operators, literals.
      const match = /^[A-Za-z_$][A-Za-z0-9_$:.-]*/.exec(text.slice(i));
      if (!match) throw ScimError.badRequest(code, `unexpected '${c}' at character ${i + 1}`);
      let word = match[0];
      // A word never ends in '.': in `emails[…].value` the '.' belongs to the next token.
      while (word.endsWith('.')) word = word.slice(0, -1);
      tokens.push({ kind: 'word', text: word, at: i });
      i += word.length;
    }
  }
  return tokens;
}

/** Splits `urn:…:User:name.givenName` / `name.givenName` / `userName` into its parts. */
export function parseAttributePath(text: string, code: 'invalidFilter' | 'invalidPath' = 'invalidPath'): AttributePath {
  let schema: string | undefined;
  let rest = text;
  if (/^urn:/i.test(text)) {
    const colon = text.lastIndexOf(':');
    schema = text.slice(0, colon);
    rest = text.slice(colon + 1);
  }
  const parts = rest.split('.');
  const valid = (name: string | undefined) => name !== undefined && /^[A-Za-z$][A-Za-z0-9_$-]*$/.test(name);
  if (parts.length > 2 || !valid(parts[0]) || (parts.length === 2 && !valid(parts[1]))) {
    throw ScimError.badRequest(code, `'${text.slice(0, 200)}' is not an attribute path`);
  }
  const path: AttributePath = { attribute: parts[0] };
  if (schema !== undefined) path.schema = schema;
  if (parts.length === 2) path.subAttribute = parts[1];
  return path;
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly code: 'invalidFilter' | 'invalidPath',
  ) {}

  done(): boolean {
    return this.position >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.position];
  }

  next(): Token | undefined {
    return this.tokens[this.position++];
  }

  fail(message: string): never {
    throw ScimError.badRequest(this.code, message);
  }

  expect(kind: Token['kind']): Token {
    const token = this.next();
    if (token?.kind !== kind) this.fail(`expected '${kind}' ${token ? `at character ${token.at + 1}` : 'at the end'}`);
    return token;
  }

  isWord(token: Token | undefined, word: string): boolean {
    return token?.kind === 'word' && token.text.toLowerCase() === word;
  }

  filter(): Filter {
    if (++this.depth > MAX_DEPTH) this.fail(`the filter nests deeper than ${MAX_DEPTH} levels`);
    let left = this.conjunction();
    while (this.isWord(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.conjunction() };
    }
    this.depth--;
    return left;
  }

  private conjunction(): Filter {
    let left = this.unary();
    while (this.isWord(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.unary() };
    }
    return left;
  }

  private unary(): Filter {
    const token = this.peek();
    if (this.isWord(token, 'not')) {
      this.next();
      this.expect('(');
      const inner = this.filter();
      this.expect(')');
      return { kind: 'not', filter: inner };
    }
    if (token?.kind === '(') {
      this.next();
      const inner = this.filter();
      this.expect(')');
      return inner;
    }
    return this.attributeExpression();
  }

  attributePath(): AttributePath {
    const token = this.next();
    if (token?.kind !== 'word') this.fail(token ? `expected an attribute path at character ${token.at + 1}` : 'expected an attribute path at the end');
    return parseAttributePath(token.text, this.code);
  }

  private attributeExpression(): Filter {
    const path = this.attributePath();
    const token = this.next();
    if (token?.kind === '[') {
      const inner = this.filter();
      this.expect(']');
      return { kind: 'valuePath', path, filter: inner };
    }
    if (token?.kind !== 'word') this.fail(`expected an operator after '${pathText(path)}'`);
    const operator = token.text.toLowerCase();
    if (operator === 'pr') return { kind: 'present', path };
    if (!OPERATORS.has(operator)) this.fail(`unknown operator '${token.text.slice(0, 20)}'`);
    return { kind: 'compare', path, operator: operator as CompareOperator, value: this.literal() };
  }

  private literal(): FilterValue {
    const token = this.next();
    if (token?.kind === 'string' || token?.kind === 'number') return token.value;
    if (token?.kind === 'word') {
      const word = token.text.toLowerCase();
      if (word === 'true') return true;
      if (word === 'false') return false;
      if (word === 'null') return null;
    }
    return this.fail(token ? `expected a value at character ${token.at + 1}` : 'expected a value at the end');
  }
}

export function parseFilter(text: string): Filter {
  if (text.length > MAX_FILTER_LENGTH) throw ScimError.badRequest('invalidFilter', `filters are limited to ${MAX_FILTER_LENGTH} characters`);
  const parser = new Parser(tokenize(text, 'invalidFilter'), 'invalidFilter');
  if (parser.done()) throw ScimError.badRequest('invalidFilter', 'the filter is empty');
  const filter = parser.filter();
  if (!parser.done()) parser.fail(`unexpected text at character ${parser.peek()!.at + 1}`);
  return filter;
}

/** A PATCH `path`: `attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub` (with an optional schema URN). */
export function parsePatchPath(text: string): PatchPath {
  if (text.length > MAX_FILTER_LENGTH) throw ScimError.badRequest('invalidPath', `paths are limited to ${MAX_FILTER_LENGTH} characters`);
  const parser = new Parser(tokenize(text, 'invalidPath'), 'invalidPath');
  if (parser.done()) throw ScimError.badRequest('invalidPath', 'the path is empty');
  const result: PatchPath = { path: parser.attributePath() };
  if (parser.peek()?.kind === '[') {
    if (result.path.subAttribute) parser.fail('a value filter must follow the attribute, not a sub-attribute');
    parser.next();
    result.filter = parser.filter();
    parser.expect(']');
    if (parser.peek()?.kind === '.') {
      parser.next();
      const sub = parser.next();
      if (sub?.kind !== 'word' || !/^[A-Za-z$][A-Za-z0-9_$-]*$/.test(sub.text)) throw ScimError.badRequest('invalidPath', 'expected a sub-attribute name after "]."');
      result.valueSubAttribute = sub.text;
    }
  }
  if (!parser.done()) parser.fail(`unexpected text at character ${parser.peek()!.at + 1}`);
  return result;
}

export function pathText(path: AttributePath): string {
  return `${path.schema ? `${path.schema}:` : ''}${path.attribute}${path.subAttribute ? `.${path.subAttribute}` : ''}`;
}

// ---- evaluation ----------------------------------------------------------------------------

export interface FilterContext {
  /** Whether string comparison on this attribute is exact (else case-insensitive). */
  caseExact(path: AttributePath): boolean;
}

/** The key of `object` equal to `name` ignoring case (attribute names are case-insensitive). */
export function keyOf(object: Record<string, unknown>, name: string): string | undefined {
  if (name in object) return name;
  const wanted = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === wanted);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function member(object: unknown, name: string): unknown {
  if (!isObject(object)) return undefined;
  const key = keyOf(object, name);
  return key === undefined ? undefined : object[key];
}

/** Every value at `path` (multi-valued attributes flattened; a complex value compares by its `value`). */
function valuesAt(resource: Record<string, unknown>, path: AttributePath): unknown[] {
  const top = member(resource, path.attribute);
  const items: unknown[] = Array.isArray(top) ? (top as unknown[]) : top === undefined || top === null ? [] : [top];
  const values: unknown[] = [];
  for (const item of items) {
    const value = path.subAttribute ? member(item, path.subAttribute) : isObject(item) && Array.isArray(top) ? member(item, 'value') : item;
    if (Array.isArray(value)) values.push(...(value as unknown[]));
    else if (value !== undefined && value !== null) values.push(value);
  }
  return values;
}

function compare(actual: unknown, operator: CompareOperator, expected: FilterValue, exact: boolean): boolean {
  if (expected === null) return false;
  if (typeof expected === 'boolean' || typeof actual === 'boolean') {
    if (operator !== 'eq' && operator !== 'ne') throw ScimError.badRequest('invalidFilter', `'${operator}' does not apply to boolean values`);
    return actual === expected;
  }
  if (typeof expected === 'number') {
    if (typeof actual !== 'number') return false;
    switch (operator) {
      case 'eq':
      case 'ne':
        return actual === expected;
      case 'gt':
        return actual > expected;
      case 'ge':
        return actual >= expected;
      case 'lt':
        return actual < expected;
      case 'le':
        return actual <= expected;
      case 'co':
      case 'sw':
      case 'ew':
        throw ScimError.badRequest('invalidFilter', `'${operator}' applies to strings only`);
    }
  }
  if (typeof actual !== 'string') return false;
  const a = exact ? actual : actual.toLowerCase();
  const b = exact ? expected : expected.toLowerCase();
  switch (operator) {
    case 'eq':
    case 'ne':
      return a === b;
    case 'co':
      return a.includes(b);
    case 'sw':
      return a.startsWith(b);
    case 'ew':
      return a.endsWith(b);
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
  }
}

/** Whether `resource` (a resource, or one value of a multi-valued attribute inside a value filter) matches. */
export function matchesFilter(filter: Filter, resource: Record<string, unknown>, context: FilterContext): boolean {
  switch (filter.kind) {
    case 'and':
      return matchesFilter(filter.left, resource, context) && matchesFilter(filter.right, resource, context);
    case 'or':
      return matchesFilter(filter.left, resource, context) || matchesFilter(filter.right, resource, context);
    case 'not':
      return !matchesFilter(filter.filter, resource, context);
    case 'present':
      return valuesAt(resource, filter.path).some((v) => v !== '' && !(isObject(v) && Object.keys(v).length === 0));
    case 'valuePath': {
      const top = member(resource, filter.path.attribute);
      const items: unknown[] = Array.isArray(top) ? (top as unknown[]) : top === undefined || top === null ? [] : [top];
      const inner: FilterContext = { caseExact: (sub) => context.caseExact({ attribute: filter.path.attribute, subAttribute: sub.attribute }) };
      return items.some((item) => isObject(item) && matchesFilter(filter.filter, item, inner));
    }
    case 'compare': {
      const values = valuesAt(resource, filter.path);
      const exact = context.caseExact(filter.path);
      if (filter.value === null) return filter.operator === 'eq' ? values.length === 0 : values.length > 0;
      const any = values.some((v) => compare(v, filter.operator, filter.value, exact));
      return filter.operator === 'ne' ? !any : any;
    }
  }
}

/** `attr eq "text"`: the one filter shape that lists can answer with an index lookup. */
export function equalityLookup(filter: Filter): { path: AttributePath; value: string } | undefined {
  if (filter.kind !== 'compare' || filter.operator !== 'eq' || typeof filter.value !== 'string') return undefined;
  return { path: filter.path, value: filter.value };
}

/** The filter's attribute paths, outermost first (to check them against a schema before evaluating). */
export function filterPaths(filter: Filter, parent?: AttributePath): AttributePath[] {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return [...filterPaths(filter.left, parent), ...filterPaths(filter.right, parent)];
    case 'not':
      return filterPaths(filter.filter, parent);
    case 'valuePath':
      return [filter.path, ...filterPaths(filter.filter, filter.path)];
    case 'present':
    case 'compare':
      return [parent ? { ...(parent.schema ? { schema: parent.schema } : {}), attribute: parent.attribute, subAttribute: filter.path.attribute } : filter.path];
  }
}
