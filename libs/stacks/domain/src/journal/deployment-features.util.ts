import { type ResourceV3Json } from './journal.types';

/**
 * Deployment features (`pkg/resource/stack/deployment.go`): a state that uses any of them must be
 * written as schema version 4 with a `features` list, so that older CLIs refuse it.
 */
export const DeploymentFeature = {
  RefreshBeforeUpdate: 'refreshBeforeUpdate',
  Views: 'views',
  Hooks: 'hooks',
  Taint: 'taint',
  ReplaceWith: 'replaceWith',
  Snippets: 'snippets-prototype',
  ExtensionParameterization: 'extensionParameterization',
  ByteString: 'byteString',
} as const;

function nonEmptyString(v: unknown): boolean {
  return typeof v === 'string' && v !== '';
}

function nonEmptyArray(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0;
}

function nonEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && Object.keys(v).length > 0;
}

/**
 * Adds the features `res` uses to `features` (Go `stack.ApplyFeatures`). `encodedByteString` is the
 * journal's sticky `requiresByteString` flag: the reference passes it for every resource it emits,
 * because strings with non-UTF-8 bytes inside secrets are invisible after encryption.
 */
export function applyResourceFeatures(res: ResourceV3Json, encodedByteString: boolean, features: Set<string>): void {
  if (encodedByteString) features.add(DeploymentFeature.ByteString);
  if (res.refreshBeforeUpdate === true) features.add(DeploymentFeature.RefreshBeforeUpdate);
  if (nonEmptyString(res.viewOf)) features.add(DeploymentFeature.Views);
  if (nonEmptyObject(res.resourceHooks)) features.add(DeploymentFeature.Hooks);
  if (res.taint === true) features.add(DeploymentFeature.Taint);
  if (nonEmptyArray(res.replaceWith)) features.add(DeploymentFeature.ReplaceWith);
  if (nonEmptyString(res.extensionRef)) features.add(DeploymentFeature.ExtensionParameterization);
  if (nonEmptyString(res.snippetID)) features.add(DeploymentFeature.Snippets);
}
