import type { ResolveSessionResponse, SignInMethod } from '@stackyard/shared-contracts';
import type { CliLoginRequest } from './cli-login-request';

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
button { font: inherit; padding: .5rem 1rem; border: 0; border-radius: .25rem; background: #1f5fbf; color: #fff; cursor: pointer; justify-self: start; }
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

/**
 * The sign-in page: one username/password form per directory method. Only directory methods have a
 * sign-in route so far; SAML and OAuth methods get their buttons with their routes.
 */
export function signInPageBody(model: SignInPageModel): string {
  const forms = model.methods
    .map((method, index) => ({ method, index }))
    .filter(({ method }) => method.kind === 'directory')
    .map(({ method, index }) => directoryForm(method, index, model));
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
<h2>Organizations</h2>
${organizations}
<form method="post" action="/logout">
<input type="hidden" name="csrf" value="${escapeHtml(csrfToken)}">
<button type="submit">Sign out</button>
</form>`;
}
