import { readFileSync } from 'node:fs';
import type { z } from 'zod';

/**
 * A setting that holds a JSON list of sign-in methods (`STACKYARD_DIRECTORIES`,
 * `STACKYARD_OAUTH_PROVIDERS`): parsed and checked against `schema`, every problem named with the
 * variable and the entry's path. Unset or blank is an empty list.
 */
export function parseJsonList<T>(json: string | undefined, variable: string, schema: z.ZodType<T[]>): { items: T[]; problems: string[] } {
  if (json === undefined || json.trim() === '') return { items: [], problems: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return { items: [], problems: [`${variable} is not valid JSON: ${(error as Error).message}`] };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { items: [], problems: parsed.error.issues.map((issue) => `${variable}[${issue.path.join('.')}]: ${issue.message}`) };
  return { items: parsed.data, problems: [] };
}

/** A secret or certificate from a mounted file (one trailing newline dropped), or a problem naming the setting. */
export function readSecretFile(path: string, what: string, problems: string[]): string | undefined {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    problems.push(`${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}
