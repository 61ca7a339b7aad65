/**
 * Name rules the CLI applies client-side (pulumi-protocol.md §5), enforced again on the server
 * because REST clients and older CLIs do not apply them. Each validator returns undefined when the
 * value is acceptable, else a sentence for a 400 answer that the caller prefixes, e.g.
 * `Stack name '${name}' is invalid: ${problem}`. Lengths are UTF-8 byte counts, like Go's `len`
 * in the reference checks (all allowed characters are ASCII, so bytes = characters when valid).
 */

/** `backend.go` `stackOwnerRegexp`: 3–40 chars, alphanumeric at both ends, no dots. */
const ORG_NAME = /^[a-zA-Z0-9][a-zA-Z0-9\-_]{1,38}[a-zA-Z0-9]$/;
/** `tokens.IsName` (projects) and `tokens.ParseStackName` (stacks) share this character set. */
const NAME_CHARS = /^[A-Za-z0-9_.-]*$/;
/** `pkg/util/validation/stack.go` `validateStackTagName`. */
const TAG_NAME = /^[a-zA-Z0-9\-_.:]{1,40}$/;

export const MAX_PROJECT_NAME_LENGTH = 100;
export const MAX_STACK_NAME_LENGTH = 100;
export const MAX_TAG_NAME_LENGTH = 40;
export const MAX_TAG_VALUE_LENGTH = 256;
/** A server-side cap; the CLI itself has none, but it sends fewer than ten tags. */
export const MAX_TAG_COUNT = 100;

export function validateOrgName(name: string): string | undefined {
  if (name === '') return 'an organization name may not be empty';
  if (ORG_NAME.test(name)) return undefined;
  const len = byteLength(name);
  if (len < 3) return 'an organization name must be at least 3 characters long';
  if (len > 40) return 'an organization name cannot exceed 40 characters';
  return 'an organization name may only contain alphanumerics, hyphens and underscores, and must start and end with an alphanumeric';
}

export function validateProjectName(name: string): string | undefined {
  if (name === '') return 'a project name may not be empty';
  if (byteLength(name) > MAX_PROJECT_NAME_LENGTH) return `a project name cannot exceed ${MAX_PROJECT_NAME_LENGTH} characters`;
  const bad = firstBadChar(name);
  if (bad !== undefined) return `a project name may only contain alphanumerics, hyphens, underscores, or periods: invalid character ${bad}`;
  return undefined;
}

export function validateStackName(name: string): string | undefined {
  if (name === '') return 'a stack name may not be empty';
  if (byteLength(name) > MAX_STACK_NAME_LENGTH) return `a stack name cannot exceed ${MAX_STACK_NAME_LENGTH} characters`;
  const bad = firstBadChar(name);
  if (bad !== undefined) return `a stack name may only contain alphanumerics, hyphens, underscores, or periods: invalid character ${bad}`;
  return undefined;
}

export function validateTagName(name: string): string | undefined {
  if (name === '') return 'a tag name may not be empty';
  if (byteLength(name) > MAX_TAG_NAME_LENGTH) return `a tag name cannot exceed ${MAX_TAG_NAME_LENGTH} characters`;
  if (!TAG_NAME.test(name)) return 'a tag name may only contain alphanumerics, hyphens, underscores, periods, or colons';
  return undefined;
}

export function validateTagValue(value: string): string | undefined {
  if (byteLength(value) > MAX_TAG_VALUE_LENGTH) return `a tag value cannot exceed ${MAX_TAG_VALUE_LENGTH} bytes`;
  return undefined;
}

/**
 * Validates a complete tag map (`PATCH …/tags` replaces all tags; create-stack sends some). Accepts
 * an unknown body so the caller can pass parsed JSON straight in; the message names the offending tag.
 */
export function validateTags(tags: unknown): string | undefined {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) return 'tags must be a JSON object mapping names to string values';
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > MAX_TAG_COUNT) return `a stack may have at most ${MAX_TAG_COUNT} tags (got ${entries.length})`;
  for (const [name, value] of entries) {
    const nameProblem = validateTagName(name);
    if (nameProblem !== undefined) return `tag name ${quote(name)} is invalid: ${nameProblem}`;
    if (typeof value !== 'string') return `tag ${quote(name)} must have a string value`;
    const valueProblem = validateTagValue(value);
    if (valueProblem !== undefined) return `tag ${quote(name)} is invalid: ${valueProblem}`;
  }
  return undefined;
}

/** Describes the first character outside `[A-Za-z0-9_.-]` with its position, as the CLI does. */
function firstBadChar(name: string): string | undefined {
  if (NAME_CHARS.test(name)) return undefined;
  let index = 0;
  for (const ch of name) {
    if (!/^[A-Za-z0-9_.-]$/.test(ch)) return `${JSON.stringify(ch)} at position ${index}`;
    index++;
  }
  return undefined;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Quotes a user-supplied name for a message, escaping and capping it so the message stays one line. */
function quote(s: string): string {
  const shown = s.length > 60 ? `${s.slice(0, 60)}…` : s;
  return JSON.stringify(shown).replace(/^"|"$/g, "'");
}
