import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PulumiCli } from '@stackyard/testing';
import { tempDir } from '@stackyard/testing';

/**
 * One project directory shared by every person's CLI (each has its own PULUMI_HOME and token), as
 * a team sharing a repository would: `Pulumi.yaml` and each stack's `Pulumi.<stack>.yaml`.
 */
export function sharedProjectDir(project: string): string {
  const dir = tempDir(`stackyard-e2e-${project}`);
  writeFileSync(join(dir, 'Pulumi.yaml'), `name: ${project}\nruntime: nodejs\ndescription: Stackyard access-control end-to-end\n`);
  return dir;
}

/** `pulumi stack init` and the secret config the e2e program requires (`dbPassword`). */
export async function initStack(cli: PulumiCli, stackRef: string): Promise<void> {
  await cli.ok(['stack', 'init', stackRef]);
  await cli.ok(['config', 'set', '--secret', 'dbPassword', 'not-a-real-password', '--stack', stackRef]);
}
