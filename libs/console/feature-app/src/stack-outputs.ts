/** What the console shows in place of a secret value until someone allowed to reveals it. */
export const MASKED_SECRET = '[secret]';

/** Pulumi's marker for a secret in a checkpoint (`sig.Secret`), as the CLI writes it. */
const SECRET_SIGNATURE_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIGNATURE = '1b47061264138c4ac30d75fd1eb44270';
const ROOT_STACK_TYPE = 'pulumi:pulumi:Stack';

export interface StackOutput {
  name: string;
  /** The value with every secret inside replaced by MASKED_SECRET. */
  value: unknown;
  /** Whether the value is, or holds, a secret. */
  secret: boolean;
}

function isSecret(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as Record<string, unknown>)[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE;
}

/** The value with its secrets masked, and whether there were any. Ciphertext never leaves this function. */
export function maskSecrets(value: unknown): { value: unknown; secret: boolean } {
  if (isSecret(value)) return { value: MASKED_SECRET, secret: true };
  if (Array.isArray(value)) {
    const items = value.map(maskSecrets);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof value === 'object' && value !== null) {
    let secret = false;
    const masked: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      const m = maskSecrets(inner);
      masked[key] = m.value;
      secret ||= m.secret;
    }
    return { value: masked, secret };
  }
  return { value, secret: false };
}

/** The stack's outputs (its root resource's outputs) from an exported deployment, secrets masked, sorted by name. */
export function stackOutputsOf(deployment: unknown): StackOutput[] {
  const resources = (deployment as { resources?: unknown } | null | undefined)?.resources;
  if (!Array.isArray(resources)) return [];
  const root = resources.find((r): r is { outputs?: unknown } => typeof r === 'object' && r !== null && (r as { type?: unknown }).type === ROOT_STACK_TYPE);
  const outputs = root?.outputs;
  if (typeof outputs !== 'object' || outputs === null) return [];
  return Object.entries(outputs)
    .map(([name, raw]) => ({ name, ...maskSecrets(raw) }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** How many resources the deployment holds, the root stack resource excluded (as the CLI counts them). */
export function resourceCountOf(deployment: unknown): number {
  const resources = (deployment as { resources?: unknown } | null | undefined)?.resources;
  if (!Array.isArray(resources)) return 0;
  return resources.filter((r) => (r as { type?: unknown } | null)?.type !== ROOT_STACK_TYPE).length;
}

/** The ciphertexts of every secret inside a raw (unmasked) output value, in order. */
export function secretCiphertextsOf(value: unknown): string[] {
  if (isSecret(value)) {
    const ciphertext = (value as Record<string, unknown>)['ciphertext'];
    return typeof ciphertext === 'string' ? [ciphertext] : [];
  }
  if (Array.isArray(value)) return value.flatMap(secretCiphertextsOf);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(secretCiphertextsOf);
  return [];
}

/**
 * The output value with each secret replaced by its plaintext (`plaintexts`: ciphertext → base64 of
 * the JSON the CLI encrypted). A secret without a plaintext stays masked.
 */
export function revealSecrets(value: unknown, plaintexts: Record<string, string>): unknown {
  if (isSecret(value)) {
    const ciphertext = (value as Record<string, unknown>)['ciphertext'];
    const plain = typeof ciphertext === 'string' ? plaintexts[ciphertext] : undefined;
    if (plain === undefined) return MASKED_SECRET;
    const text = Buffer.from(plain, 'base64').toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  if (Array.isArray(value)) return value.map((v) => revealSecrets(v, plaintexts));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revealSecrets(v, plaintexts)]));
  return value;
}

/** One raw (unmasked) stack output by name, or undefined. */
export function rawStackOutput(deployment: unknown, name: string): { found: boolean; value: unknown } {
  const resources = (deployment as { resources?: unknown } | null | undefined)?.resources;
  const root: unknown = Array.isArray(resources) ? (resources as unknown[]).find((r) => (r as { type?: unknown } | null)?.type === ROOT_STACK_TYPE) : undefined;
  const outputs = (root as { outputs?: unknown } | undefined)?.outputs;
  if (typeof outputs !== 'object' || outputs === null || !Object.hasOwn(outputs, name)) return { found: false, value: undefined };
  return { found: true, value: (outputs as Record<string, unknown>)[name] };
}
