import { UNKNOWN_PROVIDER_ID } from '../stack-rename.util';
import { ROOT_STACK_TYPE, URN_NAME_DELIMITER, formatUrn, parseUrn } from '../urn.util';
import { JournalReplayError } from './journal-replay.exception';
import { type DeploymentV3Json, type ResourceV3Json } from './journal.types';

/**
 * Rewrites every URN reference that goes through an alias to the resource's current URN, and drops
 * `aliases` from the state — Go `apitype.DeploymentV3.NormalizeURNReferences`, which the reference
 * replayer applies to every deployment it generates. Mutates `deployment` in place; pass a copy.
 *
 * - Aliases are collected in resource order; two resources claiming one alias is an error.
 * - A resource whose parent was re-URNed gets a derived alias: its URN with the new parent's
 *   qualified type (unless that parent is the root stack).
 * - Rewritten: `urn`, `parent`, `provider` (the URN part of `<urn>::<id>`), `dependencies`,
 *   `propertyDependencies`, `deletedWith`, `viewOf`, and snippet `references`. Not `replaceWith`
 *   and not `pending_operations` (the reference leaves those alone too).
 *
 * Where Go would panic (malformed URNs or provider references) this leaves the value unchanged.
 */
export function normalizeUrnReferences(deployment: DeploymentV3Json): void {
  const resources = deployment.resources ?? [];
  const aliased = new Map<string, string>();
  for (const res of resources) {
    for (const alias of Array.isArray(res.aliases) ? res.aliases : []) {
      const other = aliased.get(alias);
      if (other !== undefined && other !== res.urn) {
        throw new JournalReplayError('replay-failed', `two resources ('${other}' and '${res.urn}') have the same alias: '${alias}'`);
      }
      aliased.set(alias, res.urn);
    }
    const parent = aliased.get(typeof res.parent === 'string' ? res.parent : '');
    if (parent !== undefined && parent !== '') {
      const parentUrn = parseUrn(parent);
      const own = parseUrn(res.urn);
      if (parentUrn !== undefined && own !== undefined && parentUrn.qualifiedType !== ROOT_STACK_TYPE) {
        // Go `urn.New(stack, project, parentType, baseType, name)`: an empty parent type adds no prefix.
        const type = baseType(own.qualifiedType);
        const qualifiedType = parentUrn.qualifiedType === '' ? type : `${parentUrn.qualifiedType}$${type}`;
        aliased.set(res.urn, formatUrn({ ...own, qualifiedType }));
      }
    }
  }

  const fix = (urn: string): string => aliased.get(urn) ?? urn;
  const fixField = (res: ResourceV3Json, key: 'parent' | 'deletedWith' | 'viewOf'): void => {
    const value = res[key];
    const fixed = fix(typeof value === 'string' ? value : '');
    if (fixed === '') delete res[key];
    else res[key] = fixed;
  };

  for (const res of resources) {
    res.urn = fix(res.urn);
    fixField(res, 'parent');
    if (typeof res.provider === 'string' && res.provider !== '') res.provider = fixProvider(res.provider, fix);
    if (Array.isArray(res.dependencies)) res.dependencies = res.dependencies.map(fix);
    const propDeps = res.propertyDependencies;
    if (propDeps !== null && typeof propDeps === 'object') {
      for (const key of Object.keys(propDeps)) {
        const deps = propDeps[key];
        if (Array.isArray(deps)) propDeps[key] = deps.map(fix);
      }
    }
    fixField(res, 'deletedWith');
    fixField(res, 'viewOf');
    if (res.aliases !== undefined) delete res.aliases;
  }

  for (const snippet of deployment.snippets ?? []) {
    const refs = snippet.references;
    if (refs === null || typeof refs !== 'object') continue;
    for (const key of Object.keys(refs)) {
      const urn = refs[key];
      if (typeof urn === 'string') refs[key] = fix(urn);
    }
  }
}

/** The last `$`-separated part of a qualified type (Go `URN.Type`). */
function baseType(qualifiedType: string): string {
  return qualifiedType.slice(qualifiedType.lastIndexOf('$') + 1);
}

/** Go `providers.validateURN`: a valid URN whose type is `pulumi:providers:<name>`. */
function isProviderUrn(urn: string): boolean {
  const parsed = parseUrn(urn);
  if (parsed === undefined) return false;
  const type = baseType(parsed.qualifiedType);
  const colon = type.lastIndexOf(':');
  return colon >= 0 && type.slice(0, colon) === 'pulumi:providers' && type.slice(colon + 1) !== '';
}

/** Go `fixProvider`: parse `<urn>::<id>` at the last `::`, fix the URN, re-format (empty id → UnknownID). */
function fixProvider(provider: string, fix: (urn: string) => string): string {
  const sep = provider.lastIndexOf(URN_NAME_DELIMITER);
  if (sep < 0) return provider;
  const urn = provider.slice(0, sep);
  const id = provider.slice(sep + URN_NAME_DELIMITER.length);
  if (!isProviderUrn(urn)) return provider;
  const fixed = fix(urn);
  if (!isProviderUrn(fixed)) return provider;
  return `${fixed}${URN_NAME_DELIMITER}${id === '' ? UNKNOWN_PROVIDER_ID : id}`;
}
