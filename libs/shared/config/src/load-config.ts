import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Raised when the environment does not describe a runnable service; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface ConfigSource {
  env: NodeJS.ProcessEnv;
  /** Well-known variables of Pulumi's self-hosted edition, accepted as aliases: alias → canonical. */
  aliases?: Record<string, string>;
}

/**
 * Reads `STACKYARD_*` variables into an object shaped by `schema` (keys are the variable names
 * without the prefix). `<NAME>_FILE` may hold a path whose content becomes the value, so Kubernetes
 * Secrets mount cleanly. Every problem is collected before failing.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, source: ConfigSource): z.infer<S> {
  const problems: string[] = [];
  const raw: Record<string, string> = {};
  const env = source.env;
  for (const key of Object.keys(schema.shape)) {
    const name = `STACKYARD_${key}`;
    const fileName = `${name}_FILE`;
    let value = env[name];
    const filePath = env[fileName];
    if (filePath !== undefined && filePath !== '') {
      if (value !== undefined) problems.push(`${name} and ${fileName} are both set; set one`);
      try {
        value = readFileSync(filePath, 'utf8').replace(/\r?\n$/, '');
      } catch (error) {
        problems.push(`${fileName}: cannot read ${filePath} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    if (value === undefined) {
      for (const [alias, canonical] of Object.entries(source.aliases ?? {})) {
        if (canonical === key && env[alias] !== undefined) value = env[alias];
      }
    }
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.');
      problems.push(key ? `STACKYARD_${key}: ${issue.message}` : issue.message);
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

/** Parses "true/false/1/0/yes/no" the way operators write booleans in env files. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'FALSE'])
  .transform((v) => ['true', '1', 'yes', 'TRUE'].includes(v));

export const envPort = z.coerce.number().int().min(0).max(65535);
export const envPositiveInt = z.coerce.number().int().positive();
