import 'reflect-metadata';
import { verifyAuditChain } from '@stackyard/identity-feature-audit';
import { IdentityDatabase } from '@stackyard/identity-feature-tokens';
import { loadConfig } from '@stackyard/shared-config';
import { createIdentityDataSource } from './data-source';
import { identityMigrateConfigSchema } from './identity.config';

/**
 * `node dist/apps/identity/src/audit-verify.js`: walks the audit log's hash chain from the first
 * link and reports the first broken one (an edited, deleted or moved row). Needs only
 * STACKYARD_DATABASE_URL (or _FILE). Exit status 0: intact; 1: broken; 2: could not check.
 */
async function main(): Promise<number> {
  const { DATABASE_URL } = loadConfig(identityMigrateConfigSchema, { env: process.env });
  const dataSource = createIdentityDataSource(DATABASE_URL);
  await dataSource.initialize();
  try {
    const result = await verifyAuditChain(new IdentityDatabase(dataSource));
    if (result.ok) {
      console.log(`audit log intact: ${result.linksChecked} events verified, sequence 1 to ${result.lastSequence}`);
      return 0;
    }
    console.error(`audit log BROKEN at sequence ${result.broken!.sequence}: ${result.broken!.message}`);
    console.error(`(${result.linksChecked} events before it verified)`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`audit-verify: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
