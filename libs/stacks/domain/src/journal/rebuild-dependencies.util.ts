import { type ResourceV3Json } from './journal.types';

/**
 * After a refresh (which may delete resources others still point at), drops references to
 * resources that are not earlier in the list — Go `rebuildDependencies` + `undangleParentResources`
 * in `pkg/backend/journal.go`. Mutates `resources` in place; pass copies.
 *
 * Matching the reference exactly, and writing what Go's `omitempty` JSON would write:
 * - `dependencies`, `propertyDependencies` (per key) and `replaceWith` keep only URNs of resources
 *   that appear *before* the resource; a list that ends up empty is omitted, as is a property key
 *   whose list ends up empty (so `{"k": []}` disappears too).
 * - `deletedWith` is cleared unless it names an earlier resource.
 * - A `parent` that names no resource of the list at all becomes the value recorded for it by an
 *   earlier resource with that URN (in practice: none, so it is cleared).
 */
export function rebuildDependencies(resources: ResourceV3Json[]): void {
  const referenceable = new Set<string>();
  for (const res of resources) {
    const keep = (urns: readonly string[]): string[] => urns.filter((u) => referenceable.has(u));

    if (Array.isArray(res.replaceWith) && res.replaceWith.length > 0) {
      setList(res, 'replaceWith', keep(res.replaceWith));
    }
    if (!referenceable.has(typeof res.deletedWith === 'string' ? res.deletedWith : '')) {
      delete res.deletedWith;
    }
    if (Array.isArray(res.dependencies) && res.dependencies.length > 0) {
      setList(res, 'dependencies', keep(res.dependencies));
    }
    const propDeps = res.propertyDependencies;
    if (propDeps !== null && typeof propDeps === 'object' && Object.keys(propDeps).length > 0) {
      const rebuilt: Record<string, string[]> = {};
      for (const [key, deps] of Object.entries(propDeps)) {
        const kept = Array.isArray(deps) ? keep(deps) : [];
        if (kept.length > 0) rebuilt[key] = kept;
      }
      if (Object.keys(rebuilt).length > 0) res.propertyDependencies = rebuilt;
      else delete res.propertyDependencies;
    }
    referenceable.add(res.urn);
  }

  undangleParents(referenceable, resources);
}

function setList(res: ResourceV3Json, key: 'replaceWith' | 'dependencies', list: string[]): void {
  if (list.length > 0) res[key] = list;
  else delete res[key];
}

/** Go `undangleParentResources`: `present` holds every URN of the list. */
function undangleParents(present: ReadonlySet<string>, resources: ResourceV3Json[]): void {
  const parentOf = new Map<string, string>();
  for (const res of resources) {
    const parent = typeof res.parent === 'string' ? res.parent : '';
    if (!present.has(parent)) {
      const replacement = parentOf.get(parent) ?? '';
      if (replacement === '') delete res.parent;
      else res.parent = replacement;
    }
    // The reference records the resource's parent as it was before this fix-up.
    parentOf.set(res.urn, parent);
  }
}
