import { Injectable } from '@nestjs/common';
import type { AuditEventInput, Principal } from '@stackyard/shared-contracts';
import type { StackEntity } from '@stackyard/stacks-data-access';
import { type AuditFacts, auditEventOf, AuditRecorder } from './audit-recorder';
import type { AuthenticatedRequest } from './request-context';
import { requireBase64, requireBase64Array, requireObject } from './request-validation.util';
import { SecretsGateway } from './secrets.client';

const MAX_BATCH = 100_000;

/**
 * The CLI's service secrets manager (pulumi-protocol.md §2.3): values are sealed by the secrets
 * service with the stack's own data key, bound to the stack's internal id.
 */
@Injectable()
export class StackSecretsService {
  constructor(
    private readonly secrets: SecretsGateway,
    private readonly audit: AuditRecorder,
  ) {}

  async encrypt(stack: StackEntity, body: unknown, requestId?: string): Promise<{ ciphertext: string }> {
    const plaintext = requireBase64(requireObject(body)['plaintext'] ?? '', "'plaintext'");
    const [ciphertext] = await this.secrets.encrypt(stack.id, [plaintext], requestId);
    return { ciphertext: ciphertext };
  }

  /** `req`, when given, makes the audit event name the caller's token and source address too. */
  async decrypt(stack: StackEntity, body: unknown, actor: string, requestId?: string, req?: AuthenticatedRequest): Promise<{ plaintext: string }> {
    const ciphertext = requireBase64(requireObject(body)['ciphertext'], "'ciphertext'");
    const [plaintext] = await this.secrets.decrypt(stack.id, [ciphertext], requestId);
    this.auditDecrypt(actor, stack, 1, requestId, req);
    return { plaintext: plaintext };
  }

  async batchEncrypt(stack: StackEntity, body: unknown, requestId?: string): Promise<{ ciphertexts: string[] }> {
    const plaintexts = requireBase64Array(requireObject(body), 'plaintexts', MAX_BATCH);
    return { ciphertexts: await this.secrets.encrypt(stack.id, plaintexts, requestId) };
  }

  /** The answer maps each ciphertext, exactly as received, to its plaintext: the CLI looks them up by string. */
  async batchDecrypt(stack: StackEntity, body: unknown, actor: string, requestId?: string, req?: AuthenticatedRequest): Promise<{ plaintexts: Record<string, string> }> {
    const ciphertexts = requireBase64Array(requireObject(body), 'ciphertexts', MAX_BATCH);
    const unique = [...new Set(ciphertexts)];
    const plain = await this.secrets.decrypt(stack.id, unique, requestId);
    if (unique.length > 0) this.auditDecrypt(actor, stack, unique.length, requestId, req);
    const plaintexts: Record<string, string> = {};
    unique.forEach((c, i) => (plaintexts[c] = plain[i]!));
    return { plaintexts };
  }

  /**
   * Every decrypt of a stack's secrets is an audit event (`stack_secret_decrypted`): who (a user,
   * or an update's engine), which stack, how many values — never a value or a ciphertext. Written
   * after the decrypt succeeded. The log line keeps its detailed form.
   */
  private auditDecrypt(actor: string, stack: StackEntity, values: number, requestId: string | undefined, req: AuthenticatedRequest | undefined): void {
    const name = `${stack.orgName}/${stack.projectName}/${stack.stackName}`;
    const facts: AuditFacts = { organization: stack.orgName, event: 'stack_secret_decrypted', description: `${values} secret value${values === 1 ? '' : 's'} of stack '${name}' decrypted for ${actor}` };
    const line = { event: 'stack.secrets.decrypt', actor, stack: name, stackId: stack.id, values, requestId: requestId ?? null };
    this.audit.recordEvent(req ? auditEventOf(req, facts) : eventWithoutRequest(facts, actor, requestId), line);
  }

  /** Decryption notices from the CLI (`stack_secret_decryption_logged`; names only, never values). */
  logDecryption(principal: Principal | undefined, stack: StackEntity, body: unknown, field: 'secretName' | 'commandName', req?: AuthenticatedRequest): void {
    const request = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const detail = typeof request[field] === 'string' ? (request[field]).slice(0, 200) : '';
    const name = `${stack.orgName}/${stack.projectName}/${stack.stackName}`;
    const facts: AuditFacts = {
      organization: stack.orgName,
      event: 'stack_secret_decryption_logged',
      description: `the CLI reported decrypting ${field === 'secretName' ? `secret '${detail}'` : `secrets for '${detail}'`} of stack '${name}'`,
    };
    const line = { event: 'secret.decrypt', user: principal?.login ?? null, stack: name, [field]: detail };
    const event: AuditEventInput = req
      ? auditEventOf(req, facts)
      : principal
        ? { ...eventWithoutRequest(facts, principal.userId !== '' ? principal.login : `${principal.token.kind} token ${principal.token.name}`, undefined), ...(principal.userId === '' ? { user: null, actorUrn: `urn:stackyard:token:${principal.token.id}` } : {}), tokenId: principal.token.id, tokenName: principal.token.name }
        : eventWithoutRequest(facts, 'anonymous', undefined);
    this.audit.recordEvent(event, line);
  }
}

/**
 * The event when only the actor's name is known (`alice`, or `update:<id>` for an update's
 * engine): no source address or token. Callers that pass the request get the full event.
 */
function eventWithoutRequest(facts: AuditFacts, actor: string, requestId: string | undefined): AuditEventInput {
  const update = /^update:(.+)$/.exec(actor);
  return {
    timestamp: Date.now(),
    organization: facts.organization,
    event: facts.event,
    description: facts.description,
    sourceIp: '',
    user: update || actor === 'anonymous' ? null : actor,
    actorName: update ? `update ${update[1]}` : actor,
    actorUrn: update ? `urn:stackyard:update:${update[1]}` : actor === 'anonymous' ? 'urn:stackyard:anonymous' : `urn:stackyard:user:${actor}`,
    ...(requestId ? { requestId } : {}),
  };
}
