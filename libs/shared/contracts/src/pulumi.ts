/**
 * The Pulumi CLI's wire types (`sdk/go/common/apitype` in pulumi/pulumi; pulumi-protocol.md §2–4),
 * typed once here. Field names are exactly the CLI's.
 */

export interface Capability {
  capability: string;
  version?: number;
  configuration?: Record<string, unknown>;
}
export interface CapabilitiesResponse {
  capabilities: Capability[];
}

export interface ServiceUserOrganization {
  name: string;
  githubLogin: string;
  avatarUrl: string;
  email?: string;
  /** The caller's role there (`admin` or `member`). */
  role: 'admin' | 'member';
}
export interface ServiceUser {
  id: string;
  githubLogin: string;
  name: string;
  email: string;
  avatarUrl: string;
  organizations: ServiceUserOrganization[];
  identities: string[];
  siteAdmin?: boolean;
  tokenInfo?: { name: string; organization?: string; team?: string };
}

/** `GET /api/user/organizations/default`: the Go type has no json tags, hence the capitals. */
export interface DefaultOrganizationResponse {
  GitHubLogin: string;
  Messages: Array<{ severity: string; message: string }>;
}

export interface StackOperation {
  kind: string;
  author: string;
  started: number;
}

export interface StackResponse {
  id: string;
  orgName: string;
  projectName: string;
  stackName: string;
  currentOperation?: StackOperation;
  activeUpdate: string;
  tags: Record<string, string>;
  version: number;
}

export interface StackSummary {
  id: string;
  orgName: string;
  projectName: string;
  stackName: string;
  lastUpdate?: number;
  resourceCount?: number;
  /** The stack's tags (additive: Pulumi's CLI ignores the field; the console groups by them). */
  tags?: Record<string, string>;
}
export interface ListStacksResponse {
  stacks: StackSummary[];
  continuationToken?: string;
}

export interface UntypedDeployment {
  version: number;
  features?: string[];
  deployment: Record<string, unknown>;
}

export type UpdateKind = 'update' | 'preview' | 'refresh' | 'rename' | 'destroy' | 'import' | 'resource-import';

export interface ConfigValue {
  string: string;
  secret: boolean;
  object: boolean;
}

export interface UpdateProgramRequest {
  name?: string;
  runtime?: string;
  main?: string;
  description?: string;
  options?: { dryRun?: boolean; [key: string]: unknown };
  config?: Record<string, ConfigValue>;
  metadata?: { message?: string; environment?: Record<string, string> };
}
export interface UpdateProgramResponse {
  updateID: string;
  requiredPolicies: unknown[];
  messages: unknown[];
}

export interface StartUpdateRequest {
  tags?: Record<string, string>;
  journalVersion?: number;
}
export interface StartUpdateResponse {
  version: number;
  token: string;
  tokenExpiration: number;
  journalVersion?: number;
}

export type UpdateResult = 'not-started' | 'in-progress' | 'succeeded' | 'failed';

export interface UpdateInfo {
  /** The update's id, as Pulumi Cloud's history entries carry it (not in the CLI's `apitype.UpdateInfo`). */
  updateID?: string;
  kind: UpdateKind;
  startTime: number;
  endTime: number;
  message: string;
  environment: Record<string, string>;
  config: Record<string, ConfigValue>;
  result: UpdateResult;
  version: number;
  resourceChanges?: Record<string, number>;
  resourceCount?: number;
}

export type UpdateStatus = 'not started' | 'requested' | 'running' | 'failed' | 'succeeded' | 'cancelled';

export interface UpdateResults {
  status: UpdateStatus;
  events: Array<{ index: string; kind: 'stdout' | 'stderr'; fields: { text: string } }>;
  continuationToken: string | null;
}

export interface EngineEvent {
  sequence: number;
  timestamp: number;
  [kind: string]: unknown;
}
