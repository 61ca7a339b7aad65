import { Injectable, Logger } from '@nestjs/common';
import type { Principal } from '@stackyard/shared-contracts';
import type { StackEntity } from '@stackyard/stacks-data-access';
import { requireBase64, requireBase64Array, requireObject } from './request-validation.util';
import { SecretsGateway } from './secrets.client';

const MAX_BATCH = 100_000;

/**
 * The CLI's service secrets manager (pulumi-protocol.md §2.3): values are sealed by the secrets
 * service with the stack's own data key, bound to the stack's internal id.
 */
@Injectable()
export class StackSecretsService {
  private readonly logger = new Logger('audit');

  constructor(private readonly secrets: SecretsGateway) {}

  async encrypt(stack: StackEntity, body: unknown, requestId?: string): Promise<{ ciphertext: string }> {
    const plaintext = requireBase64(requireObject(body)['plaintext'] ?? '', "'plaintext'");
    const [ciphertext] = await this.secrets.encrypt(stack.id, [plaintext], requestId);
    return { ciphertext: ciphertext };
  }

  async decrypt(stack: StackEntity, body: unknown, actor: string, requestId?: string): Promise<{ plaintext: string }> {
    const ciphertext = requireBase64(requireObject(body)['ciphertext'], "'ciphertext'");
    const [plaintext] = await this.secrets.decrypt(stack.id, [ciphertext], requestId);
    this.auditDecrypt(actor, stack, 1, requestId);
    return { plaintext: plaintext };
  }

  async batchEncrypt(stack: StackEntity, body: unknown, requestId?: string): Promise<{ ciphertexts: string[] }> {
    const plaintexts = requireBase64Array(requireObject(body), 'plaintexts', MAX_BATCH);
    return { ciphertexts: await this.secrets.encrypt(stack.id, plaintexts, requestId) };
  }

  /** The answer maps each ciphertext, exactly as received, to its plaintext: the CLI looks them up by string. */
  async batchDecrypt(stack: StackEntity, body: unknown, actor: string, requestId?: string): Promise<{ plaintexts: Record<string, string> }> {
    const ciphertexts = requireBase64Array(requireObject(body), 'ciphertexts', MAX_BATCH);
    const unique = [...new Set(ciphertexts)];
    const plain = await this.secrets.decrypt(stack.id, unique, requestId);
    if (unique.length > 0) this.auditDecrypt(actor, stack, unique.length, requestId);
    const plaintexts: Record<string, string> = {};
    unique.forEach((c, i) => (plaintexts[c] = plain[i]!));
    return { plaintexts };
  }

  /**
   * Every decrypt of a stack's secrets is an audit line: who (a user, or an update's engine), which
   * stack, how many values — never a value or a ciphertext. Written after the decrypt succeeded.
   */
  private auditDecrypt(actor: string, stack: StackEntity, values: number, requestId: string | undefined): void {
    this.logger.log(JSON.stringify({ event: 'stack.secrets.decrypt', actor, stack: `${stack.orgName}/${stack.projectName}/${stack.stackName}`, stackId: stack.id, values, requestId: requestId ?? null }));
  }

  /** Decryption notices from the CLI become audit lines (names only, never values). */
  logDecryption(principal: Principal | undefined, stack: StackEntity, body: unknown, field: 'secretName' | 'commandName'): void {
    const req = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
    const detail = typeof req[field] === 'string' ? (req[field]).slice(0, 200) : '';
    this.logger.log(
      JSON.stringify({ event: 'secret.decrypt', user: principal?.login ?? null, stack: `${stack.orgName}/${stack.projectName}/${stack.stackName}`, [field]: detail }),
    );
  }
}
