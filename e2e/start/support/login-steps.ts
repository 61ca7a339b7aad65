import { isAbsolute } from 'node:path';

/** What `npm start` tells an operator to type, as parsed from its output (never hard-coded). */
export interface LoginSteps {
  /** The printed step lines, trimmed, in the order printed: what a person pastes into a shell. */
  lines: string[];
  /** `export SSL_CERT_FILE=<path>`: the installation CA. */
  caFile: string;
  /** `export PULUMI_ACCESS_TOKEN=$(cat <path>)`: the file holding the admin token. */
  tokenFile: string;
  /** `pulumi login <url>`. */
  url: string;
  /** From the status table (`login "<name>", organization "<org>"`) when printed. */
  adminLogin?: string;
  org?: string;
}

/**
 * One POSIX shell word as `shellQuote` (tools/start) prints it: bare, 'single-quoted' (with the
 * `'\''` escape) or "double-quoted". Anything needing expansion is refused: the steps must not
 * depend on the reader's shell state.
 */
export function shellWord(raw: string): string {
  const word = raw.trim();
  if (/^'.*'$/s.test(word)) return word.slice(1, -1).replace(/'\\''/g, "'");
  if (/^".*"$/s.test(word)) {
    const inner = word.slice(1, -1);
    if (/(^|[^\\])[$`]/.test(inner)) throw new Error(`the step ${JSON.stringify(raw)} depends on shell expansion`);
    return inner.replace(/\\(["\\$`])/g, '$1');
  }
  if (/[\s'"$`\\;&|<>()]/.test(word) || word === '') throw new Error(`not a plain shell word: ${JSON.stringify(raw)}`);
  return word;
}

function unique(output: string, pattern: RegExp, what: string): RegExpMatchArray & { index: number } {
  const all = [...output.matchAll(new RegExp(pattern.source, 'gm'))];
  if (all.length !== 1) throw new Error(`expected exactly one ${what} line in npm start's output, found ${all.length}:\n${output}`);
  return all[0];
}

/**
 * Finds the three login steps in `npm start`'s output: `export SSL_CERT_FILE=…`,
 * `export PULUMI_ACCESS_TOKEN=$(cat …)` and `pulumi login <url>`, in that order.
 */
export function parseLoginSteps(output: string): LoginSteps {
  const cert = unique(output, /^[ \t]*export SSL_CERT_FILE=(.+?)[ \t]*$/, '`export SSL_CERT_FILE=…`');
  const token = unique(output, /^[ \t]*export PULUMI_ACCESS_TOKEN=(.+?)[ \t]*$/, '`export PULUMI_ACCESS_TOKEN=…`');
  const login = unique(output, /^[ \t]*pulumi login[ \t]+(\S+)[ \t]*$/, '`pulumi login <url>`');
  if (!(cert.index < token.index && token.index < login.index)) {
    throw new Error(`the login steps are out of order (SSL_CERT_FILE, PULUMI_ACCESS_TOKEN, then pulumi login):\n${output}`);
  }
  // The token itself must never be printed: only a command substitution reading the file.
  const tokenValue = token[1].replace(/^"(.*)"$/s, '$1');
  const cat = /^\$\(cat[ \t]+(.+)\)$/.exec(tokenValue);
  if (!cat) throw new Error(`PULUMI_ACCESS_TOKEN is not set from a file with $(cat <file>): ${JSON.stringify(token[0].trim())}`);
  const steps: LoginSteps = {
    lines: [cert[0].trim(), token[0].trim(), login[0].trim()],
    caFile: shellWord(cert[1]),
    tokenFile: shellWord(cat[1]),
    url: login[1],
  };
  for (const [name, path] of [['SSL_CERT_FILE', steps.caFile], ['token file', steps.tokenFile]] as const) {
    if (!isAbsolute(path)) throw new Error(`${name} must be an absolute path (the reader's cwd is unknown), got ${JSON.stringify(path)}`);
  }
  const who = /login "([^"]+)", organization "([^"]+)"/.exec(output);
  if (who) {
    steps.adminLogin = who[1];
    steps.org = who[2];
  }
  return steps;
}
