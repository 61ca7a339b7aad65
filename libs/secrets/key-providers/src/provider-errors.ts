import { KeyProviderUnavailableError } from '@stackyard/secrets-domain';

/** The message of anything thrown, without stack or request bodies (never key material). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' || typeof code === 'number' ? ` (${code})` : ''}: ${error.message}`.slice(0, 500);
  }
  return String(error).slice(0, 500);
}

export function unavailable(provider: string, error: unknown): KeyProviderUnavailableError {
  return error instanceof KeyProviderUnavailableError ? error : new KeyProviderUnavailableError(provider, describeError(error));
}
