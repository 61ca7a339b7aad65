import { ScimError } from './scim-error';
import { type AttributePath, type Filter, type FilterContext, filterPaths, parseAttributePath, pathText } from './scim-filter';
import { findAttribute, findSubAttribute, type ScimAttribute, type ScimResourceDefinition } from './scim-schemas';

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export interface ResolvedPath {
  attribute: ScimAttribute;
  subAttribute?: ScimAttribute;
}

/**
 * The attribute a path names in `definition`, or undefined when the resource has no such
 * attribute. A schema URN prefix must be the resource's core schema: Stackyard keeps no extension.
 */
export function lookupPath(definition: ScimResourceDefinition, path: AttributePath): ResolvedPath | undefined {
  if (path.schema !== undefined && path.schema.toLowerCase() !== definition.schema.toLowerCase()) return undefined;
  const attribute = findAttribute(definition, path.attribute);
  if (!attribute) return undefined;
  if (path.subAttribute === undefined) return { attribute };
  const subAttribute = findSubAttribute(attribute, path.subAttribute);
  return subAttribute ? { attribute, subAttribute } : undefined;
}

export function resolvePath(definition: ScimResourceDefinition, path: AttributePath, code: 'invalidPath' | 'invalidFilter'): ResolvedPath {
  const resolved = lookupPath(definition, path);
  if (!resolved) throw ScimError.badRequest(code, `'${pathText(path).slice(0, 200)}' is not an attribute of ${definition.name} resources here`);
  return resolved;
}

/** Case sensitivity of string comparisons, by the schema. */
export function filterContext(definition: ScimResourceDefinition): FilterContext {
  return {
    caseExact: (path) => {
      const resolved = lookupPath(definition, path);
      if (!resolved) return false;
      if (resolved.subAttribute) return resolved.subAttribute.caseExact;
      // A multi-valued complex attribute compares by its `value` sub-attribute.
      const value = resolved.attribute.subAttributes ? findSubAttribute(resolved.attribute, 'value') : undefined;
      return (value ?? resolved.attribute).caseExact;
    },
  };
}

/** Refuses a filter naming attributes the resource does not have (400 invalidFilter). */
export function checkFilter(definition: ScimResourceDefinition, filter: Filter): void {
  for (const path of filterPaths(filter)) resolvePath(definition, path, 'invalidFilter');
}

/**
 * A client's resource body reduced to the attributes Stackyard keeps, each under its canonical name
 * (names are case-insensitive). Attributes it does not keep are dropped: identity providers send
 * many (phone numbers, titles, extensions) and RFC 7644 lets a service provider ignore them.
 */
export function canonicalResource(definition: ScimResourceDefinition, body: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    let path: AttributePath;
    try {
      path = parseAttributePath(key);
    } catch {
      continue;
    }
    const resolved = lookupPath(definition, path);
    if (!resolved || resolved.attribute.mutability === 'readOnly') continue;
    if (resolved.subAttribute) {
      const parent = isJsonObject(result[resolved.attribute.name]) ? (result[resolved.attribute.name] as JsonObject) : {};
      parent[resolved.subAttribute.name] = value;
      result[resolved.attribute.name] = parent;
    } else {
      result[resolved.attribute.name] = canonicalValue(resolved.attribute, value);
    }
  }
  return result;
}

/** A value of `attribute` with its sub-attributes under their canonical names (unknown ones dropped). */
export function canonicalValue(attribute: ScimAttribute, value: unknown): unknown {
  if (!attribute.subAttributes) return value;
  const one = (item: unknown): unknown => {
    if (!isJsonObject(item)) return item;
    const result: JsonObject = {};
    for (const [key, sub] of Object.entries(item)) {
      const subAttribute = findSubAttribute(attribute, key);
      if (subAttribute) result[subAttribute.name] = sub;
    }
    return result;
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

/** `attributes=a,b.c` / `excludedAttributes=…` (RFC 7644 §3.4.2.5), paths resolved against the schema. */
export function parseAttributeList(definition: ScimResourceDefinition, text: string | undefined): ResolvedPath[] | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const paths: ResolvedPath[] = [];
  for (const item of text.split(',')) {
    const trimmed = item.trim();
    if (trimmed === '') continue;
    // Unknown names select nothing (the RFC does not make them an error; clients probe with them).
    const resolved = lookupPath(definition, parseAttributePath(trimmed, 'invalidPath'));
    if (resolved) paths.push(resolved);
  }
  return paths;
}

const ALWAYS_RETURNED = new Set(['id', 'schemas']);

/**
 * The resource as `attributes` / `excludedAttributes` ask: with `attributes`, only those (and the
 * always-returned `id` and `schemas`); with `excludedAttributes`, everything but those.
 */
export function projectResource(resource: JsonObject, included: ResolvedPath[] | undefined, excluded: ResolvedPath[] | undefined): JsonObject {
  if (included) {
    const result: JsonObject = {};
    for (const [key, value] of Object.entries(resource)) if (ALWAYS_RETURNED.has(key)) result[key] = value;
    for (const { attribute, subAttribute } of included) {
      const value = resource[attribute.name];
      if (value === undefined) continue;
      if (!subAttribute) {
        result[attribute.name] = value;
        continue;
      }
      const existing = result[attribute.name];
      const withSub = (item: unknown, current: unknown): unknown => {
        if (!isJsonObject(item) || item[subAttribute.name] === undefined) return current;
        return { ...(isJsonObject(current) ? current : {}), [subAttribute.name]: item[subAttribute.name] };
      };
      if (Array.isArray(value)) {
        const current = Array.isArray(existing) ? existing : [];
        result[attribute.name] = value.map((item, index) => withSub(item, current[index]) ?? {});
      } else {
        const picked = withSub(value, existing);
        if (picked !== undefined) result[attribute.name] = picked;
      }
    }
    return result;
  }
  if (excluded) {
    const result: JsonObject = { ...resource };
    for (const { attribute, subAttribute } of excluded) {
      if (ALWAYS_RETURNED.has(attribute.name) || attribute.returned === 'always') continue;
      if (!subAttribute) {
        delete result[attribute.name];
        continue;
      }
      const value = result[attribute.name];
      const drop = (item: unknown) => {
        if (!isJsonObject(item)) return item;
        const copy = { ...item };
        delete copy[subAttribute.name];
        return copy;
      };
      if (Array.isArray(value)) result[attribute.name] = value.map(drop);
      else if (value !== undefined) result[attribute.name] = drop(value);
    }
    return result;
  }
  return resource;
}
