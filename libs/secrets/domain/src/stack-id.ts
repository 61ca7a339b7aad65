/**
 * A stack's immutable internal id as the api hands it over (a UUID today). Kept to a safe
 * alphabet and 64 characters: it is a primary key here and part of every value's AAD.
 */
const STACK_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidStackId(value: unknown): value is string {
  return typeof value === 'string' && STACK_ID_PATTERN.test(value);
}

/** What a stack's data key is wrapped for; authenticated by the KEK wrap. */
export function stackKeyContext(stackId: string): string {
  return `stack:${stackId}`;
}
