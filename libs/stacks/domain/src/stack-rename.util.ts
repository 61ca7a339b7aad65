import type { UntypedDeployment } from '@stackyard/shared-contracts';
import { ROOT_STACK_TYPE, formatUrn, parseUrn } from './urn.util';

/**
 * Rewrites a stack's latest deployment for `POST …/rename` (pulumi-protocol.md §4 "Rename"). The CLI
 * only renames local files; unless the server rewrites the URNs, the next `up` sees every resource as
 * new. This mirrors the DIY backend's `edit.RenameStack` (`pkg/resource/edit/operations.go`,
 * `stackRenamer.renameURN`, `renameSerializedPropertyValue`), field for field:
 *
 * - per resource (in `resources` and in each pending operation's `resource`): `urn`, `parent`,
 *   `dependencies`, `propertyDependencies` values, `deletedWith`, `replaceWith`, `aliases`, `viewOf`,
 *   the URN part of `provider` (`<urn>::<id>`), and inside `inputs`, `outputs` and
 *   `replacementTrigger`: the `urn` of resource references, the `value`/`dependencies` of output
 *   values, and the JSON inside secret `plaintext`/`ciphertext` strings when it parses;
 * - only URNs whose stack is `oldStack` (and whose project is `oldProject`, when given) change, so a
 *   StackReference's outputs that name another stack stay as they are;
 * - the root `pulumi:pulumi:Stack` resource's name becomes `<project>-<newStack>`.
 *
 * Deliberately like the reference, plain strings in `inputs`/`outputs` are NOT rewritten even when
 * they hold a URN of this stack (e.g. an exported `bucket.urn` stack output): a string is user data,
 * and the next `pulumi up` recomputes it. `rewritePlainStrings: true` opts into rewriting strings
 * that are exactly a matching URN, for callers that prefer no transient stale values.
 *
 * Beyond the reference (which leaves secrets-manager state to the backend), a `service` secrets
 * provider's `state.stack`/`state.project` are updated: the CLI encrypts/decrypts through the stack
 * path stored there, and the old path no longer exists after the rename.
 *
 * Pure: the input is not modified; unchanged sub-trees are shared with the result.
 */

export interface StackRenameNames {
  readonly oldStack: string;
  readonly newStack: string;
  /** Restricts rewrites to URNs of this project; undefined matches any project (as in the reference). */
  readonly oldProject?: string;
  /** New project for rewritten URNs; undefined keeps each URN's project. */
  readonly newProject?: string;
  /** Also rewrite plain strings in property values that are exactly a matching URN. Default false. */
  readonly rewritePlainStrings?: boolean;
}

/** `sdk/go/common/resource/sig/sig.go`. */
export const SIG_KEY = '4dabf18193072939515e22adb298388d';
export const SECRET_SIG = '1b47061264138c4ac30d75fd1eb44270';
export const RESOURCE_REFERENCE_SIG = '5cf8f73096256a8f31e491e813e4eb8e';
export const OUTPUT_VALUE_SIG = 'd0e6a833031e9bbcd3f4e8bde6ca49a4';
/** `providers.UnknownID`: what `providers.NewReference` substitutes for an empty provider id. */
export const UNKNOWN_PROVIDER_ID = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

type JsonObject = Record<string, unknown>;

export function renameStackInDeployment(untyped: UntypedDeployment, names: StackRenameNames): UntypedDeployment {
  const r = new Renamer(names);
  const d = untyped.deployment;
  const deployment: JsonObject = { ...d };
  if (Array.isArray(d['resources'])) deployment['resources'] = mapArray(d['resources'], (res) => r.resource(res));
  // `pendingOperations` is what the verbatim checkpoint layout writes instead (protocol §3.5).
  for (const key of ['pending_operations', 'pendingOperations']) {
    const ops = d[key];
    if (Array.isArray(ops)) deployment[key] = mapArray(ops, (op) => (isObject(op) && 'resource' in op ? replaceKey(op, 'resource', r.resource(op['resource'])) : op));
  }
  const sp = d['secrets_providers'];
  if (isObject(sp) && sp['type'] === 'service' && isObject(sp['state'])) {
    const state: JsonObject = { ...sp['state'], stack: names.newStack };
    if (names.newProject !== undefined) state['project'] = names.newProject;
    deployment['secrets_providers'] = { ...sp, state };
  }
  return { ...untyped, deployment };
}

/** Rewrites one URN if it belongs to the renamed stack; anything else is returned unchanged. */
export function renameStackInUrn(urn: string, names: StackRenameNames): string {
  return new Renamer(names).urn(urn);
}

class Renamer {
  constructor(private readonly names: StackRenameNames) {}

  urn(urn: string): string {
    const u = parseUrn(urn);
    if (u === undefined || u.stack !== this.names.oldStack) return urn;
    if (this.names.oldProject !== undefined && u.project !== this.names.oldProject) return urn;
    const project = this.names.newProject ?? u.project;
    const name = u.qualifiedType === ROOT_STACK_TYPE ? `${project}-${this.names.newStack}` : u.name;
    return formatUrn({ stack: this.names.newStack, project, qualifiedType: u.qualifiedType, name });
  }

  /** Strings are URNs; other element types are left for the CLI to complain about, as they came. */
  private urnValue(v: unknown): unknown {
    return typeof v === 'string' ? this.urn(v) : v;
  }

  private urnArray(v: unknown): unknown {
    return Array.isArray(v) ? mapArray(v, (x) => this.urnValue(x)) : v;
  }

  /** `<provider URN>::<id>`, split at the LAST `::` like `providers.ParseReference`. */
  private providerRef(v: unknown): unknown {
    if (typeof v !== 'string') return v;
    const sep = v.lastIndexOf('::');
    if (sep < 0) return v;
    const urn = v.slice(0, sep);
    const renamed = this.urn(urn);
    // Keep the reference byte-for-byte when its URN is not ours (the reference does the same).
    if (renamed === urn) return v;
    const id = v.slice(sep + 2);
    return `${renamed}::${id === '' ? UNKNOWN_PROVIDER_ID : id}`;
  }

  resource(res: unknown): unknown {
    if (!isObject(res)) return res;
    const out: JsonObject = { ...res };
    let changed = false;
    const set = (key: string, value: unknown): void => {
      if (value !== res[key]) {
        out[key] = value;
        changed = true;
      }
    };
    for (const key of ['urn', 'parent', 'deletedWith', 'viewOf']) if (key in res) set(key, this.urnValue(res[key]));
    for (const key of ['dependencies', 'replaceWith', 'aliases']) if (key in res) set(key, this.urnArray(res[key]));
    if (isObject(res['propertyDependencies'])) set('propertyDependencies', mapObject(res['propertyDependencies'], (deps) => this.urnArray(deps)));
    if ('provider' in res) set('provider', this.providerRef(res['provider']));
    // `inputs`/`outputs` are property maps: their own keys are property names, never signatures.
    for (const key of ['inputs', 'outputs']) {
      const map = res[key];
      if (isObject(map)) set(key, mapObject(map, (v) => this.value(v)));
    }
    if ('replacementTrigger' in res) set('replacementTrigger', this.value(res['replacementTrigger']));
    return changed ? out : res;
  }

  /** A serialized property value (`renameSerializedPropertyValue`). */
  value(v: unknown): unknown {
    if (Array.isArray(v)) return mapArray(v, (x) => this.value(x));
    if (!isObject(v)) return typeof v === 'string' && this.names.rewritePlainStrings === true ? this.urn(v) : v;
    switch (v[SIG_KEY]) {
      case RESOURCE_REFERENCE_SIG:
        return typeof v['urn'] === 'string' ? replaceKey(v, 'urn', this.urn(v['urn'])) : v;
      case SECRET_SIG: {
        let out = v;
        for (const key of ['plaintext', 'ciphertext']) {
          const raw = out[key];
          if (typeof raw === 'string') out = replaceKey(out, key, this.secretJson(raw));
        }
        return out;
      }
      case OUTPUT_VALUE_SIG: {
        let out = v;
        if ('value' in out) out = replaceKey(out, 'value', this.value(out['value']));
        if (Array.isArray(out['dependencies'])) out = replaceKey(out, 'dependencies', this.urnArray(out['dependencies']));
        return out;
      }
      default:
        // Assets, archives and plain objects: walk every member.
        return mapObject(v, (x) => this.value(x));
    }
  }

  /**
   * Secret payloads are JSON text of a property value when in plaintext (exports with
   * --show-secrets, or the service crypter's input); re-encode only when something changed, so
   * unrelated secrets keep their exact bytes. Ciphertext is tried too, like the reference, but
   * real ciphertexts never parse.
   */
  private secretJson(raw: string): string {
    // Only an object, array or string can hold a URN; skip the parse attempt for everything else.
    const first = raw.trimStart()[0];
    if (first !== '{' && first !== '[' && first !== '"') return raw;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return raw;
    }
    const renamed = this.value(parsed);
    return renamed === parsed ? raw : JSON.stringify(renamed);
  }
}

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Copy-on-write map: returns `arr` itself when no element changed. */
function mapArray(arr: readonly unknown[], fn: (v: unknown) => unknown): unknown[] {
  let out: unknown[] | undefined;
  for (let i = 0; i < arr.length; i++) {
    const v = fn(arr[i]);
    if (out === undefined && v !== arr[i]) out = arr.slice(0, i);
    out?.push(v);
  }
  return out ?? (arr as unknown[]);
}

/**
 * Copy-on-write over own enumerable members. Object.fromEntries defines properties, so a member
 * named `__proto__` (which JSON.parse creates as an own property) stays data, not a prototype.
 */
function mapObject(obj: JsonObject, fn: (v: unknown) => unknown): JsonObject {
  const keys = Object.keys(obj);
  let entries: Array<[string, unknown]> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const v = fn(obj[keys[i]]);
    if (entries === undefined && v !== obj[keys[i]]) entries = keys.slice(0, i).map((k) => [k, obj[k]]);
    entries?.push([keys[i], v]);
  }
  return entries === undefined ? obj : Object.fromEntries(entries);
}

function replaceKey(obj: JsonObject, key: string, value: unknown): JsonObject {
  return obj[key] === value ? obj : { ...obj, [key]: value };
}
