import { checkFilter, parseAttributeList, type ResolvedPath } from './scim-attributes';
import { ScimError } from './scim-error';
import { type Filter, parseFilter } from './scim-filter';
import { DEFAULT_PAGE_SIZE, MAX_RESULTS, type ScimResourceDefinition } from './scim-schemas';

/** What a list (`GET /Users?…`, `POST /Users/.search`) asks for. */
export interface ListQuery {
  filter?: Filter;
  /** 1-based, as SCIM counts. */
  startIndex: number;
  /** 0 asks for `totalResults` alone. */
  count: number;
  attributes?: ResolvedPath[];
  excludedAttributes?: ResolvedPath[];
}

/** The raw parameters, from the query string or a SearchRequest body. */
export interface ListParameters {
  filter?: unknown;
  startIndex?: unknown;
  count?: unknown;
  attributes?: unknown;
  excludedAttributes?: unknown;
}

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d{1,15}$/.test(value.trim()) ? Number(value.trim()) : NaN;
  if (!Number.isInteger(number)) throw ScimError.badRequest('invalidValue', `${name} must be an integer`);
  return number;
}

function list(value: unknown, name: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(',');
  throw ScimError.badRequest('invalidValue', `${name} must be a comma-separated list of attribute paths`);
}

/**
 * RFC 7644 §3.4.2.4: a startIndex below 1 is 1, a negative count is 0, and a count above the
 * maximum is the maximum (announced as `filter.maxResults`).
 */
export function parseListQuery(definition: ScimResourceDefinition, parameters: ListParameters): ListQuery {
  const query: ListQuery = {
    startIndex: Math.max(1, integer(parameters.startIndex, 'startIndex') ?? 1),
    count: Math.min(MAX_RESULTS, Math.max(0, integer(parameters.count, 'count') ?? DEFAULT_PAGE_SIZE)),
  };
  if (parameters.filter !== undefined && parameters.filter !== null && parameters.filter !== '') {
    if (typeof parameters.filter !== 'string') throw ScimError.badRequest('invalidFilter', 'filter must be a string');
    query.filter = parseFilter(parameters.filter);
    checkFilter(definition, query.filter);
  }
  const attributes = parseAttributeList(definition, list(parameters.attributes, 'attributes'));
  const excluded = parseAttributeList(definition, list(parameters.excludedAttributes, 'excludedAttributes'));
  if (attributes && excluded) throw ScimError.badRequest('invalidValue', 'attributes and excludedAttributes are mutually exclusive');
  if (attributes) query.attributes = attributes;
  if (excluded) query.excludedAttributes = excluded;
  return query;
}
