import type { Generated } from 'kysely'

/** Times are epoch milliseconds in both engines (PostgreSQL `bigint`, parsed to number). */
type Millis = number

export interface SpacesTable {
  id: string
  name: string
  display_name: string | null
  /** 1 when petitions for resources never uploaded are refused. */
  require_known_resources: number
  create_time: Millis
  update_time: Millis
}

export interface UsersTable {
  id: string
  email: string
  display_name: string | null
  is_admin: number
  create_time: Millis
  update_time: Millis
}

/** A user's membership of a space. `roles` is a comma-separated list. */
export interface MembersTable {
  space_id: string
  user_id: string
  roles: string
  create_time: Millis
  update_time: Millis
}

export interface ServiceAccountsTable {
  id: string
  space_id: string
  name: string
  display_name: string | null
  roles: string
  create_time: Millis
  delete_time: Millis | null
}

export interface TokensTable {
  id: string
  space_id: string
  service_account_id: string
  display_name: string | null
  secret_hash: string
  create_time: Millis
  expire_time: Millis | null
  revoke_time: Millis | null
}

export interface SignInCodesTable {
  code_hash: string
  user_id: string
  expire_time: Millis
  use_time: Millis | null
}

export interface SettingsTable {
  key: string
  value: string
}

/** JSON columns: `text` on SQLite, `jsonb` on PostgreSQL. Written as strings, read back by `parseJson`. */
type Json = string

export interface ResourcesTable {
  space_id: string
  kind: string
  id: string
  name: string
  display_name: string | null
  email: string | null
  alt_ids: Json | null
  labels: Json
  content_hash: string
  create_time: Millis
  update_time: Millis
  /** Id of the write that last changed the content; tells an upsert which rows it really changed. */
  change_id: string
}

export interface EventsTable {
  space_id: string
  seq: number
  id: string
  event: string
  actor_kind: string | null
  actor_id: string | null
  timestamp: Millis
  /** The event as canonical JSON; the hash chain is computed over exactly these bytes. */
  body: string
  prev_hash: string
  hash: string
  /** The petition the event belongs to, if any. */
  petition: string | null
}

export interface EventResourcesTable {
  space_id: string
  kind: string
  id: string
  seq: number
}

export interface AuditHeadsTable {
  space_id: string
  seq: number
  hash: string
}

export interface IdempotencyKeysTable {
  scope: string
  key: string
  request_hash: string
  status: number | null
  body: string | null
  create_time: Millis
}

export interface PetitionsTable {
  space_id: string
  name: string
  request_key: string
  phase: string
  petitioners: Json
  resources: Json
  reason: string | null
  duration_ms: Millis | null
  labels: Json
  create_time: Millis
  update_time: Millis
  decide_time: Millis | null
  decide_reason: string | null
  outcome: string | null
  /** Identity of the principal who filed it; null for petitions filed before 0003. */
  filer: string | null
}

export interface PetitionSubjectsTable {
  space_id: string
  /** 'petitioner' or 'resource'. */
  role: string
  /** `kind/id` (or `kind/email` for a petitioner without id). */
  subject: string
  petition: string
  create_time: Millis
}

export interface PetitionApprovalsTable {
  space_id: string
  petition: string
  reviewer: string
  duration_ms: Millis | null
  create_time: Millis
}

export interface GrantsTable {
  space_id: string
  id: string
  petition: string
  petitioner_key: string
  resource_key: string
  petitioner: Json
  resource: Json
  start_time: Millis
  expire_time: Millis | null
  revoke_time: Millis | null
  revoke_reason: string | null
}

export interface ApprovalRulesTable {
  space_id: string
  name: string
  priority: number
  spec: Json
  create_time: Millis
  update_time: Millis
}

export interface AuditInputsTable {
  space_id: string
  name: string
  display_name: string | null
  secret_hash: string
  create_time: Millis
  revoke_time: Millis | null
}

export interface WebhooksTable {
  space_id: string
  name: string
  display_name: string | null
  url: string
  method: string
  secret: string
  handler_type: string
  /** JSON array of strings. */
  resource_kinds: string
  dry_run: number
  create_time: Millis
  update_time: Millis
}

export interface PolicySetsTable {
  space_id: string
  version: number
  time_zone: string
  update_time: Millis
}

export interface PoliciesTable {
  space_id: string
  id: string
  text: string
  /** 'enforce' or 'shadow'. */
  mode: string
  description: string | null
  /** The set version that last wrote it. */
  version: number
  create_time: Millis
  update_time: Millis
}

export interface OutboxTable {
  id: string
  space_id: string
  topic: string
  petition: string | null
  create_time: Millis
}

export interface DeliveriesTable {
  id: string
  message_id: string
  space_id: string
  channel: string
  /** The webhook's name, or for email the recipient's address. */
  webhook: string
  body: string
  status: string
  attempts: number
  next_attempt_time: Millis
  lease_until: Millis | null
  leased_by: string | null
  last_error: string | null
  last_status: number | null
  latency_ms: number | null
  create_time: Millis
  update_time: Millis
  deliver_time: Millis | null
}

export interface JobLeasesTable {
  name: string
  owner: string
  lease_until: Millis
}

export interface PolicyVersionsTable {
  space_id: string
  version: number
  policy_id: string
  /** 'create', 'update', 'delete' or 'settings'. */
  change: string
  text: string | null
  mode: string | null
  actor: string
  time: Millis
}

/** A dashboard session: the hash of its cookie secret, never the secret. */
export interface DashboardSessionsTable {
  secret_hash: string
  user_id: string
  csrf_token: string
  create_time: Millis
  expire_time: Millis
  revoke_time: Millis | null
}

export interface SlackMessagesTable {
  space_id: string
  petition: string
  channel: string
  channel_id: string
  ts: string
  create_time: Millis
}

export interface SlackReplaysTable {
  signature: string
  expire_time: Millis
}

export interface PetitionNoticesTable {
  space_id: string
  petition: string
  kind: string
  create_time: Millis
}

export interface Database {
  spaces: SpacesTable
  users: UsersTable
  members: MembersTable
  service_accounts: ServiceAccountsTable
  tokens: TokensTable
  sign_in_codes: SignInCodesTable
  settings: SettingsTable
  resources: ResourcesTable
  events: EventsTable
  event_resources: EventResourcesTable
  audit_heads: AuditHeadsTable
  idempotency_keys: IdempotencyKeysTable
  petitions: PetitionsTable
  petition_subjects: PetitionSubjectsTable
  petition_approvals: PetitionApprovalsTable
  grants: GrantsTable
  approval_rules: ApprovalRulesTable
  slack_messages: SlackMessagesTable
  slack_replays: SlackReplaysTable
  petition_notices: PetitionNoticesTable
  audit_inputs: AuditInputsTable
  webhooks: WebhooksTable
  outbox: OutboxTable
  deliveries: DeliveriesTable
  job_leases: JobLeasesTable
  policy_sets: PolicySetsTable
  policies: PoliciesTable
  policy_versions: PolicyVersionsTable
  dashboard_sessions: DashboardSessionsTable
}

export type Engine = 'sqlite' | 'postgres'
export type { Generated }
