import { z } from 'zod';
import { ConfigError, loadConfig } from '@stackyard/shared-config';
import { TrustedProxies } from '@stackyard/console-feature-sign-in';
import { serviceConfigProblems, serviceConfigShape } from '@stackyard/shared-service';

export const consoleBackendConfigSchema = z.object({
  ...serviceConfigShape,
  PORT: serviceConfigShape.PORT.default(3443),
  /** identity's internal listener (mutual TLS): sign-in, sessions and CLI tokens. */
  IDENTITY_URL: z.url().default('https://127.0.0.1:7443'),
  /**
   * The console's origin as browsers see it, e.g. `https://app.example.com`. Form posts from any
   * other origin are refused. Unset: the origin is the request's Host over https.
   */
  CONSOLE_URL: z
    .url()
    .refine((url) => /^https?:\/\//.test(url), { error: 'must be an http(s):// URL' })
    .transform((url) => new URL(url).origin)
    .optional(),
  /** The api's public URL: the web console reads stacks from it as the signed-in person. */
  API_URL: z.url().default('https://127.0.0.1:8443'),
  /** PEM certificates, besides Node's built-in roots, that may sign the api's certificate (usually `STACKYARD_API_CA_FILE`); unset: the internal CA. */
  API_CA: z.string().optional(),
  /** Reverse proxies (addresses, CIDR ranges; comma-separated) whose X-Forwarded-For is believed. */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      for (const problem of TrustedProxies.problems(value)) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

export type ConsoleBackendConfig = z.infer<typeof consoleBackendConfigSchema>;

export function loadConsoleBackendConfig(env: NodeJS.ProcessEnv): ConsoleBackendConfig {
  const config = loadConfig(consoleBackendConfigSchema, { env });
  const problems = serviceConfigProblems(config, true);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
