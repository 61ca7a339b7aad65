/** The placeholder a user filter template must contain, e.g. `(&(objectClass=person)(uid={username}))`. */
export const USERNAME_PLACEHOLDER = '{username}';

// RFC 4515 §3: in an assertion value, `*`, `(`, `)`, `\` and NUL must be written as `\XX`.
// Nothing else is escaped on purpose: ldapts decodes every `\XX` into one UTF-16 code unit, so
// escaping the bytes of a non-ASCII character would corrupt it on the wire.
const FILTER_SPECIALS = /[\\*()\u0000]/g;

/** Escapes a value for use inside an LDAP filter assertion (RFC 4515), e.g. a username or a DN. */
export function escapeFilterValue(value: string): string {
  return value.replace(FILTER_SPECIALS, (char) => `\\${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The user filter for one sign-in: every `{username}` replaced by the escaped username. */
export function renderUserFilter(template: string, username: string): string {
  const escaped = escapeFilterValue(username);
  // split/join rather than replace(): `$&`-style patterns in a username must stay literal.
  return template.split(USERNAME_PLACEHOLDER).join(escaped);
}

/**
 * The value of a DN's first RDN, unescaped (`cn=platform,ou=groups,…` → `platform`): the name of
 * a group whose entry could not be read. RFC 4514 escapes are `\` + special char or `\XX`.
 */
export function firstRdnValue(dn: string): string {
  let value = '';
  let inValue = false;
  const bytes: number[] = [];
  const flushBytes = (): void => {
    if (bytes.length) value += Buffer.from(bytes.splice(0)).toString('utf8');
  };
  for (let i = 0; i < dn.length; i++) {
    const char = dn[i];
    if (!inValue) {
      if (char === '=') inValue = true;
      continue;
    }
    if (char === '\\') {
      const hex = dn.slice(i + 1, i + 3);
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else if (i + 1 < dn.length) {
        flushBytes();
        value += dn[i + 1];
        i += 1;
      }
      continue;
    }
    flushBytes();
    if (char === ',' || char === '+') break;
    value += char;
  }
  flushBytes();
  return value.trim();
}
