import type { ResolveSessionResponse, SignInMethod } from '@stackyard/shared-contracts';
import type { CliLoginRequest } from './cli-login-request';
import { DEFAULT_NEXT_PATH } from './next-path';

/** Text → HTML text or attribute value. Every value that did not come from this file goes through it. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

// The only styling: inline, allowed by a per-response CSP nonce, no fonts or images to fetch.
const STYLESHEET = `
:root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; line-height: 1.5; }
body { margin: 0; background: Canvas; color: CanvasText; }
main { max-width: 26rem; margin: 4rem auto; padding: 0 1.25rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
form { display: grid; gap: .5rem; }
label { font-weight: 600; }
input { font: inherit; padding: .5rem; border: 1px solid GrayText; border-radius: .25rem; }
button, a.button { font: inherit; padding: .5rem 1rem; border: 0; border-radius: .25rem; background: #1f5fbf; color: #fff; cursor: pointer; justify-self: start; }
a.button { display: inline-block; text-decoration: none; }
ul.sso { list-style: none; padding: 0; display: grid; gap: .5rem; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #f0a500; outline-offset: 2px; }
.alert { border-left: 4px solid #b00020; padding: .5rem .75rem; background: color-mix(in srgb, #b00020 10%, Canvas); }
.note { border-left: 4px solid #1f5fbf; padding: .5rem .75rem; }
ul { padding-left: 1.25rem; }
`;

export function renderDocument(title: string, body: string, styleNonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Stackyard</title>
<style nonce="${escapeHtml(styleNonce)}">${STYLESHEET}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

export interface SignInPageModel {
  methods: SignInMethod[];
  /** Already checked by `safeNextPath`. */
  next: string;
  csrfToken: string;
  /** Set when signing in continues a `pulumi login`. */
  cliRequest?: CliLoginRequest;
  /** Identity's (or the console's) reason the last attempt failed, shown with the method's form. */
  failure?: { methodId: string; message: string };
  /** What the person typed last time; the password never comes back. */
  username?: string;
}

function directoryForm(method: SignInMethod, index: number, model: SignInPageModel): string {
  const id = `m${index}`;
  const failed = model.failure?.methodId === method.id;
  const alert = failed ? `<p class="alert" role="alert" id="${id}-error">${escapeHtml(model.failure!.message)}</p>\n` : '';
  const describedBy = failed ? ` aria-describedby="${id}-error"` : '';
  const username = failed && model.username ? ` value="${escapeHtml(model.username)}"` : '';
  return `<section aria-labelledby="${id}-title">
<h2 id="${id}-title">${escapeHtml(method.displayName)}</h2>
${alert}<form method="post" action="/login/directory/${escapeHtml(encodeURIComponent(method.id))}">
<input type="hidden" name="csrf" value="${escapeHtml(model.csrfToken)}">
<input type="hidden" name="next" value="${escapeHtml(model.next)}">
<label for="${id}-username">Username</label>
<input id="${id}-username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required${username}${describedBy}${failed && !model.username ? ' autofocus' : ''}>
<label for="${id}-password">Password</label>
<input id="${id}-password" name="password" type="password" autocomplete="current-password" required${describedBy}${failed && model.username ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>
</section>`;
}

/** Where a SAML sign-in for `organization` starts, carrying `next` (omitted when it is the default). */
export function samlSignInPath(organization: string, next: string): string {
  const path = `/login/saml/${encodeURIComponent(organization)}`;
  return next === DEFAULT_NEXT_PATH ? path : `${path}?${new URLSearchParams({ next }).toString()}`;
}

/** One link per organization with SAML: a plain GET navigation to the console, which redirects to the IdP. */
function singleSignOnSection(methods: SignInMethod[], next: string): string {
  const links = methods.map((method) => `<li><a class="button" href="${escapeHtml(samlSignInPath(method.id, next))}">Sign in with ${escapeHtml(method.displayName)}</a></li>`);
  return `<section aria-labelledby="sso-title">
<h2 id="sso-title">Single sign-on</h2>
<ul class="sso">
${links.join('\n')}
</ul>
</section>`;
}

/** Where an OAuth sign-in (GitHub Enterprise, GitLab, Bitbucket) starts, carrying `next` (omitted when it is the default). */
export function oauthSignInPath(methodId: string, next: string): string {
  const path = `/login/oauth/${encodeURIComponent(methodId)}`;
  return next === DEFAULT_NEXT_PATH ? path : `${path}?${new URLSearchParams({ next }).toString()}`;
}

/** One link per OAuth provider: a plain GET navigation to the console, which redirects to the provider. */
function oauthSection(methods: SignInMethod[], next: string): string {
  const links = methods.map((method) => `<li><a class="button" href="${escapeHtml(oauthSignInPath(method.id, next))}">Sign in with ${escapeHtml(method.displayName)}</a></li>`);
  return `<section aria-labelledby="oauth-title">
<h2 id="oauth-title">Code host account</h2>
<ul class="sso">
${links.join('\n')}
</ul>
</section>`;
}

/**
 * The sign-in page: a single sign-on link per organization with SAML, and a username/password form
 * per directory method. OAuth methods get their buttons with their routes.
 */
export function signInPageBody(model: SignInPageModel): string {
  const saml = model.methods.filter((method) => method.kind === 'saml');
  const oauth = model.methods.filter((method) => method.kind === 'oauth');
  const forms = [
    ...(saml.length > 0 ? [singleSignOnSection(saml, model.next)] : []),
    ...(oauth.length > 0 ? [oauthSection(oauth, model.next)] : []),
    ...model.methods
      .map((method, index) => ({ method, index }))
      .filter(({ method }) => method.kind === 'directory')
      .map(({ method, index }) => directoryForm(method, index, model)),
  ];
  const cli = model.cliRequest
    ? `<p class="note">Signing in will give the Pulumi CLI on this computer a new access token named “${escapeHtml(model.cliRequest.description)}”.</p>\n`
    : '';
  const orphanFailure =
    model.failure && !model.methods.some((m) => m.kind === 'directory' && m.id === model.failure!.methodId)
      ? `<p class="alert" role="alert">${escapeHtml(model.failure.message)}</p>\n`
      : '';
  const content = forms.length > 0 ? forms.join('\n') : '<p>No sign-in method is available on this console. Ask your administrator to configure one.</p>';
  return `<h1>Sign in to Stackyard</h1>\n${cli}${orphanFailure}${content}`;
}

export function messagePageBody(heading: string, message: string, link?: { href: string; text: string }): string {
  const action = link ? `\n<p><a href="${escapeHtml(link.href)}">${escapeHtml(link.text)}</a></p>` : '';
  return `<h1>${escapeHtml(heading)}</h1>\n<p>${escapeHtml(message)}</p>${action}`;
}

export function welcomeCliPageBody(): string {
  return '<h1>You are signed in</h1>\n<p>The Pulumi CLI has its access token. Return to your terminal; you can close this page.</p>';
}

/** Until the web console arrives: who is signed in, their organizations, and a way out. */
export function homePageBody(session: ResolveSessionResponse, csrfToken: string): string {
  const { user } = session;
  const display = user.name && user.name !== user.login ? `${escapeHtml(user.name)} (${escapeHtml(user.login)})` : escapeHtml(user.login);
  const organizations =
    session.organizations.length > 0
      ? `<ul>\n${session.organizations.map((o) => `<li>${escapeHtml(o.name)} (${escapeHtml(o.role)})</li>`).join('\n')}\n</ul>`
      : '<p>You are not a member of any organization yet.</p>';
  return `<h1>Stackyard</h1>
<p>Signed in as ${display}.</p>
<p><a class="button" href="/console/">Open the console</a></p>
<h2>Organizations</h2>
${organizations}
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
<button type="submit">Sign out</button>
</form>`;
}
