import { isDeepStrictEqual } from 'node:util';
import { canonicalValue, filterContext, isJsonObject, type JsonObject, lookupPath, resolvePath } from './scim-attributes';
import { ScimError } from './scim-error';
import { type Filter, matchesFilter, parseAttributePath, parsePatchPath, type PatchPath } from './scim-filter';
import { findSubAttribute, PATCH_OP_SCHEMA, type ScimAttribute, type ScimResourceDefinition } from './scim-schemas';

export type PatchOperationName = 'add' | 'replace' | 'remove';

export interface PatchOperation {
  op: PatchOperationName;
  path?: PatchPath;
  /** The path as the client wrote it, for messages. */
  pathText?: string;
  value?: unknown;
}

/** More operations than any identity provider sends in one request; each is applied in memory. */
export const MAX_PATCH_OPERATIONS = 1000;

/**
 * A PatchOp request body (RFC 7644 §3.5.2). Accepts what Entra ID and Okta actually send: `op` in
 * any case (`Replace`, `Add`), and no `path` with an object `value` whose keys are paths.
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isJsonObject(body)) throw ScimError.badRequest('invalidSyntax', 'the request body must be a PatchOp JSON object');
  const schemas = body['schemas'];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw ScimError.badRequest('invalidSyntax', `schemas must contain "${PATCH_OP_SCHEMA}"`);
  }
  const operations = body['Operations'] ?? body['operations'];
  if (!Array.isArray(operations) || operations.length === 0) throw ScimError.badRequest('invalidSyntax', 'Operations must be a non-empty array');
  if (operations.length > MAX_PATCH_OPERATIONS) throw ScimError.badRequest('tooMany', `at most ${MAX_PATCH_OPERATIONS} operations per request`);
  return operations.map((raw: unknown, index) => {
    if (!isJsonObject(raw)) throw ScimError.badRequest('invalidSyntax', `Operations[${index}] must be an object`);
    const op = typeof raw['op'] === 'string' ? raw['op'].toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw ScimError.badRequest('invalidSyntax', `Operations[${index}].op must be add, replace or remove`);
    const operation: PatchOperation = { op };
    const path = raw['path'];
    if (path !== undefined && path !== null && path !== '') {
      if (typeof path !== 'string') throw ScimError.badRequest('invalidPath', `Operations[${index}].path must be a string`);
      operation.path = parsePatchPath(path);
      operation.pathText = path;
    }
    if ('value' in raw) operation.value = raw['value'];
    if (op !== 'remove' && operation.value === undefined) throw ScimError.badRequest('invalidValue', `Operations[${index}] (${op}) needs a value`);
    if (op === 'remove' && !operation.path) throw ScimError.badRequest('noTarget', `Operations[${index}] (remove) needs a path`);
    return operation;
  });
}

/**
 * The resource after the operations, applied in order to a copy. The result still has to pass the
 * resource's own validation (types, required attributes, immutability), as a PUT body would.
 */
export function applyPatch(resource: JsonObject, operations: readonly PatchOperation[], definition: ScimResourceDefinition): JsonObject {
  const result = structuredClone(resource);
  for (const operation of operations) {
    if (operation.path) {
      applyAt(result, operation.op, operation.path, operation.value, definition);
      continue;
    }
    // No path: the value's keys are the targets (`{"active": false}`, `{"name.givenName": "A"}`).
    if (!isJsonObject(operation.value)) throw ScimError.badRequest('invalidValue', `${operation.op} without a path needs an object value`);
    for (const [key, value] of Object.entries(operation.value)) {
      let target: PatchPath;
      try {
        target = { path: parseAttributePath(key) };
      } catch {
        continue;
      }
      const resolved = lookupPath(definition, target.path);
      // Attributes Stackyard does not keep are ignored here, as in a POST or PUT body; read-only
      // ones (`id`, `meta`, often echoed back by clients) too.
      if (!resolved || resolved.attribute.mutability === 'readOnly') continue;
      applyAt(result, operation.op, target, value, definition);
    }
  }
  return result;
}

function applyAt(resource: JsonObject, op: PatchOperationName, target: PatchPath, value: unknown, definition: ScimResourceDefinition): void {
  const { attribute, subAttribute } = resolvePath(definition, target.path, 'invalidPath');
  if (attribute.mutability === 'readOnly') throw ScimError.badRequest('mutability', `'${attribute.name}' is read-only`);
  const name = attribute.name;
  // `null` as a value unassigns, as removing would (some clients clear attributes that way).
  if (op !== 'remove' && value === null && !target.filter) op = 'remove';

  if (target.filter) {
    if (!attribute.multiValued || !attribute.subAttributes) throw ScimError.badRequest('invalidPath', `'${name}' is not a multi-valued complex attribute; a value filter does not apply`);
    const sub = target.valueSubAttribute === undefined ? undefined : findSubAttribute(attribute, target.valueSubAttribute);
    if (target.valueSubAttribute !== undefined && !sub) throw ScimError.badRequest('invalidPath', `'${target.valueSubAttribute}' is not a sub-attribute of '${name}'`);
    applyToMatchingValues(resource, op, attribute, target.filter, sub, value, definition);
    return;
  }

  if (subAttribute) {
    const current = resource[name];
    if (op === 'remove') {
      if (Array.isArray(current)) {
        resource[name] = (current as unknown[]).map((item) => (isJsonObject(item) ? withoutKey(item, subAttribute.name) : item));
      } else if (isJsonObject(current)) {
        resource[name] = withoutKey(current, subAttribute.name);
        if (Object.keys(resource[name] as JsonObject).length === 0) delete resource[name];
      }
      return;
    }
    if (attribute.multiValued) {
      // `emails.value` without a filter names the sub-attribute of every value.
      if (!Array.isArray(current) || current.length === 0) throw ScimError.badRequest('noTarget', `'${name}' has no values to set '${subAttribute.name}' on`);
      resource[name] = current.map((item) => ({ ...(isJsonObject(item) ? item : {}), [subAttribute.name]: value }));
      return;
    }
    resource[name] = { ...(isJsonObject(current) ? current : {}), [subAttribute.name]: value };
    return;
  }

  const incoming = canonicalValue(attribute, value);
  switch (op) {
    case 'remove': {
      const current = resource[name];
      // Entra ID removes group members with `{"op":"Remove","path":"members","value":[{"value":"<id>"}]}`.
      if (attribute.multiValued && Array.isArray(current) && incoming !== undefined) {
        const removed = Array.isArray(incoming) ? incoming : [incoming];
        const remaining = current.filter((item) => !removed.some((r) => sameValue(item, r)));
        if (remaining.length > 0) resource[name] = remaining;
        else delete resource[name];
        return;
      }
      delete resource[name];
      return;
    }
    case 'add': {
      if (attribute.multiValued) {
        const current = Array.isArray(resource[name]) ? (resource[name] as unknown[]) : [];
        const added = Array.isArray(incoming) ? incoming : [incoming];
        const merged = [...current];
        for (const item of added) if (!merged.some((existing) => sameValue(existing, item))) merged.push(item);
        resource[name] = merged;
        return;
      }
      resource[name] = mergedComplex(attribute, resource[name], incoming);
      return;
    }
    case 'replace': {
      if (attribute.multiValued) {
        resource[name] = Array.isArray(incoming) ? incoming : [incoming];
        return;
      }
      // Replacing a complex attribute replaces the sub-attributes given and keeps the others (RFC 7644 §3.5.2.3).
      resource[name] = mergedComplex(attribute, resource[name], incoming);
      return;
    }
  }
}

function mergedComplex(attribute: ScimAttribute, current: unknown, incoming: unknown): unknown {
  if (attribute.subAttributes && isJsonObject(incoming)) return { ...(isJsonObject(current) ? current : {}), ...incoming };
  return incoming;
}

function applyToMatchingValues(
  resource: JsonObject,
  op: PatchOperationName,
  attribute: ScimAttribute,
  filter: Filter,
  sub: ScimAttribute | undefined,
  value: unknown,
  definition: ScimResourceDefinition,
): void {
  const name = attribute.name;
  const context = filterContext(definition);
  const inner = { caseExact: (path: { attribute: string }) => context.caseExact({ attribute: name, subAttribute: path.attribute }) };
  const current = Array.isArray(resource[name]) ? (resource[name] as unknown[]) : [];
  const matches = (item: unknown) => isJsonObject(item) && matchesFilter(filter, item, inner);
  if (op === 'remove') {
    // Removing what is not there is not an error: a retried removal must succeed.
    const remaining = sub ? current.map((item) => (matches(item) ? withoutKey(item as JsonObject, sub.name) : item)) : current.filter((item) => !matches(item));
    if (remaining.length > 0) resource[name] = remaining;
    else delete resource[name];
    return;
  }
  if (current.some(matches)) {
    resource[name] = current.map((item) => {
      if (!matches(item)) return item;
      if (sub) return { ...(item as JsonObject), [sub.name]: value };
      const replacement = canonicalValue(attribute, value);
      if (!isJsonObject(replacement)) throw ScimError.badRequest('invalidValue', `a value of '${name}' must be an object`);
      return op === 'add' ? { ...(item as JsonObject), ...replacement } : replacement;
    });
    return;
  }
  // Entra ID sets `emails[type eq "work"].value` on a user without a work address: the filter's
  // equalities describe the value to create. Anything else has nothing to act on.
  const equalities = equalitiesOf(filter);
  if (!equalities) throw ScimError.badRequest('noTarget', `no value of '${name}' matches the filter`);
  const created: JsonObject = {};
  for (const [key, literal] of Object.entries(equalities)) {
    const subAttribute = findSubAttribute(attribute, key);
    if (!subAttribute) throw ScimError.badRequest('invalidPath', `'${key}' is not a sub-attribute of '${name}'`);
    created[subAttribute.name] = literal;
  }
  if (sub) created[sub.name] = value;
  else {
    const given = canonicalValue(attribute, value);
    if (!isJsonObject(given)) throw ScimError.badRequest('invalidValue', `a value of '${name}' must be an object`);
    Object.assign(created, given);
  }
  resource[name] = [...current, created];
}

/** `type eq "work" and primary eq true` → `{type: "work", primary: true}`; undefined for any other shape. */
function equalitiesOf(filter: Filter): Record<string, string | number | boolean> | undefined {
  if (filter.kind === 'compare' && filter.operator === 'eq' && filter.value !== null && !filter.path.subAttribute && !filter.path.schema) {
    return { [filter.path.attribute]: filter.value };
  }
  if (filter.kind === 'and') {
    const left = equalitiesOf(filter.left);
    const right = equalitiesOf(filter.right);
    return left && right ? { ...left, ...right } : undefined;
  }
  return undefined;
}

/** Two values of a multi-valued attribute are the same value: same `value` sub-attribute, or equal as a whole. */
function sameValue(a: unknown, b: unknown): boolean {
  if (isJsonObject(a) && isJsonObject(b) && a['value'] !== undefined && b['value'] !== undefined) return a['value'] === b['value'];
  return isDeepStrictEqual(a, b);
}

function withoutKey(object: JsonObject, key: string): JsonObject {
  const copy = { ...object };
  delete copy[key];
  return copy;
}

