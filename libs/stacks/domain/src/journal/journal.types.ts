/**
 * JSON shapes of Pulumi's journaling upload mode (pulumi-protocol.md §3.6, §4), as the CLI sends
 * them in `PATCH …/journalentries` bodies `{"entries": [JournalEntry]}` (`sdk/go/common/apitype/
 * journal.go`, `core.go`). Only the fields the replayer reads are typed; everything else in a
 * resource or deployment is carried through untouched (index signatures), so state written by a
 * newer CLI keeps fields this server does not know.
 */

/** `apitype.JournalEntryKind`. */
export const JournalEntryKind = {
  Begin: 0,
  Success: 1,
  Failure: 2,
  RefreshSuccess: 3,
  Outputs: 4,
  Write: 5,
  SecretsManager: 6,
  RebuiltBaseState: 7,
  ExtensionParameterize: 8,
  Snippets: 9,
} as const;
export type JournalEntryKind = (typeof JournalEntryKind)[keyof typeof JournalEntryKind];

/** `apitype.ResourceV3` (the replayer reads and rewrites the URN-bearing and flag fields). */
export interface ResourceV3Json {
  urn: string;
  custom?: boolean;
  delete?: boolean;
  id?: string;
  type?: string;
  parent?: string;
  protect?: boolean;
  taint?: boolean;
  dependencies?: string[];
  provider?: string;
  propertyDependencies?: Record<string, string[]>;
  pendingReplacement?: boolean;
  aliases?: string[];
  deletedWith?: string;
  replaceWith?: string[];
  refreshBeforeUpdate?: boolean;
  viewOf?: string;
  resourceHooks?: Record<string, string[]>;
  extensionRef?: string;
  snippetID?: string;
  [key: string]: unknown;
}

/** `apitype.OperationType`: `creating`, `updating`, `deleting`, `reading` or `importing`. */
export type OperationTypeJson = string;

/** `apitype.OperationV2`: an entry of `pending_operations`. */
export interface OperationV2Json {
  resource: ResourceV3Json;
  type: OperationTypeJson;
  [key: string]: unknown;
}

/** `apitype.SecretsProvidersV1`. */
export interface SecretsProvidersJson {
  type: string;
  state?: unknown;
  [key: string]: unknown;
}

/** `apitype.SnippetV1` (its `references` values are URNs and take part in URN normalisation). */
export interface SnippetJson {
  uuid?: string;
  references?: Record<string, string>;
  [key: string]: unknown;
}

/** `apitype.Extension` (`value` is base64, Go `[]byte`). */
export interface ExtensionJson {
  name?: string;
  version?: string;
  value?: string | null;
  [key: string]: unknown;
}

/** `apitype.ManifestV1`. */
export interface ManifestJson {
  time: string;
  magic: string;
  version: string;
  plugins?: unknown[];
  [key: string]: unknown;
}

/** `apitype.DeploymentV3` (also the body of schema version 4). */
export interface DeploymentV3Json {
  manifest?: ManifestJson;
  secrets_providers?: SecretsProvidersJson | null;
  resources?: ResourceV3Json[] | null;
  pending_operations?: OperationV2Json[] | null;
  metadata?: Record<string, unknown> | null;
  snippets?: SnippetJson[] | null;
  extensions?: Record<string, ExtensionJson> | null;
  [key: string]: unknown;
}

/** `apitype.TypedDeployment`: what a replay produces, i.e. the stack's new `UntypedDeployment`. */
export interface TypedDeploymentJson {
  /** 3, or 4 when `features` is non-empty (`DeploymentSchemaVersionCurrent`/`Latest`). */
  version: 3 | 4;
  /** Sorted; empty for version 3. Store it only when non-empty (Go: `features,omitempty`). */
  features: string[];
  deployment: DeploymentV3Json;
}

/** `apitype.JournalEntry`. Pointer fields are `null` or absent when unset. */
export interface JournalEntry {
  version?: number;
  kind: number;
  /** Strictly increasing per update, starting at 1; the replay order and the retry key. */
  sequenceID: number;
  operationID?: number;
  /** Index into the base snapshot's resources. */
  removeOld?: number | null;
  /** Operation id of a resource produced earlier in this journal. */
  removeNew?: number | null;
  pendingReplacementOld?: number | null;
  pendingReplacementNew?: number | null;
  deleteOld?: number | null;
  deleteNew?: number | null;
  state?: ResourceV3Json | null;
  operation?: OperationV2Json | null;
  isRefresh?: boolean;
  secretsProvider?: SecretsProvidersJson | null;
  snippets?: SnippetJson[] | null;
  newSnapshot?: DeploymentV3Json | null;
  extensionRef?: string | null;
  extension?: ExtensionJson | null;
  requiresByteString?: boolean;
  [key: string]: unknown;
}
