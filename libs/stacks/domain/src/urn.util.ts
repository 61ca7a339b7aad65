/**
 * Pulumi URNs: `urn:pulumi:<stack>::<project>::<qualified type>::<name>` (pulumi-protocol.md §4;
 * `sdk/go/common/resource/urn/urn.go`). Parsing follows the reference exactly: components are split
 * at the first three `::` found left to right, and the name is everything after the third one (so a
 * name may itself contain `::`).
 */

export const URN_PREFIX = 'urn:pulumi:';
export const URN_NAME_DELIMITER = '::';
export const ROOT_STACK_TYPE = 'pulumi:pulumi:Stack';

export interface ParsedUrn {
  readonly stack: string;
  readonly project: string;
  /** Parent types and the resource type joined by `$`, e.g. `my:comp:Thing$aws:s3/bucket:Bucket`. */
  readonly qualifiedType: string;
  readonly name: string;
}

/** Undefined unless `urn` has the prefix and at least three `::` delimiters (Go's `URN.IsValid`). */
export function parseUrn(urn: string): ParsedUrn | undefined {
  if (!urn.startsWith(URN_PREFIX)) return undefined;
  const rest = urn.slice(URN_PREFIX.length);
  const d1 = rest.indexOf(URN_NAME_DELIMITER);
  if (d1 < 0) return undefined;
  const d2 = rest.indexOf(URN_NAME_DELIMITER, d1 + 2);
  if (d2 < 0) return undefined;
  const d3 = rest.indexOf(URN_NAME_DELIMITER, d2 + 2);
  if (d3 < 0) return undefined;
  return { stack: rest.slice(0, d1), project: rest.slice(d1 + 2, d2), qualifiedType: rest.slice(d2 + 2, d3), name: rest.slice(d3 + 2) };
}

export function formatUrn(urn: ParsedUrn): string {
  return `${URN_PREFIX}${urn.stack}${URN_NAME_DELIMITER}${urn.project}${URN_NAME_DELIMITER}${urn.qualifiedType}${URN_NAME_DELIMITER}${urn.name}`;
}
