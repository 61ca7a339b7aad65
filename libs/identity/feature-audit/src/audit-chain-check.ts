import { type AuditChainBreak, AuditChainVerifier } from '@stackyard/identity-domain';
import type { IdentityDatabase } from '@stackyard/identity-feature-tokens';
import type { AuditChainVerification } from '@stackyard/shared-contracts';

const WALK_PAGE = 1000;

/**
 * Walks the whole audit log from sequence 1 and stops at the first link that does not follow
 * from the one before (see AuditChainVerifier), then checks the chain head names the last link.
 * Reads in pages, so a long log costs memory for one page only.
 */
export async function verifyAuditChain(database: IdentityDatabase): Promise<AuditChainVerification> {
  const repository = database.repositories.auditLog;
  const verifier = new AuditChainVerifier();
  // Read the head first: links appended during the walk come after it and are not judged.
  const head = await repository.head();
  let broken: AuditChainBreak | null = null;
  let after = 0;
  while (broken === null) {
    const page = await repository.walk(after, WALK_PAGE);
    for (const record of page) {
      if (record.sequence > head.lastSequence && record.sequence === verifier.last.sequence + 1) break;
      broken = verifier.check(record);
      if (broken) break;
    }
    if (page.length < WALK_PAGE || broken) break;
    after = page.at(-1)!.sequence;
    if (after > head.lastSequence) break;
  }
  broken ??= verifier.finish(head);
  return {
    ok: broken === null,
    linksChecked: verifier.linksChecked,
    lastSequence: verifier.last.sequence,
    ...(broken ? { broken } : {}),
  };
}
