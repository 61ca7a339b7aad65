import { type AuditEventInput } from '@stackyard/shared-contracts';
import { auditEventBy } from '@stackyard/identity-feature-tokens';

/**
 * A sign-in's detailed audit line (`auth.sign-in.succeeded` / `auth.sign-in.failed` with method,
 * reason, …) as the stored event Pulumi names `user_login` / `user_login_failed`. The line itself
 * stays the log's detailed form.
 */
export function signInAuditEvent(line: Readonly<Record<string, unknown>>): AuditEventInput {
  const text = (key: string): string | undefined => (typeof line[key] === 'string' && line[key] !== '' ? (line[key]) : undefined);
  const succeeded = line['event'] === 'auth.sign-in.succeeded';
  const method = text('method') ?? 'unknown method';
  const user = text('user');
  const username = text('username');
  const organization = text('organization') ?? (method.startsWith('saml:') ? method.slice('saml:'.length) : null);
  const as = user ?? username;
  const description = succeeded
    ? `${user ?? 'someone'} signed in with ${method}${line['userCreated'] === true ? ' (first sign-in: user created)' : ''}`
    : `sign-in${as ? ` of '${as}'` : ''} with ${method} refused: ${text('reason') ?? 'unknown reason'}${text('detail') ? ` (${text('detail')!.slice(0, 300)})` : ''}`;
  return auditEventBy(user ? { login: user } : null, { organization, event: succeeded ? 'user_login' : 'user_login_failed', description, sourceIp: text('sourceIp') ?? null, authFailure: !succeeded });
}
