/**
 * The one normalised model every source is read into and every check runs on.
 *
 *   Pulumi.<env>.yaml ─► infra under setMocks ─► Plan ─┐
 *   pulumi stack export ────────────────────────────────┼─► Snapshot ─► policy pack (Analyzer) ─► Finding[]
 *   pulumi preview --json ──────────────────────────────┘          └──► compare under rules ──► Finding[]
 *
 * Nothing here imports Pulumi's engine code.
 */

/** Where a snapshot came from. */
export type SnapshotSource = "plan" | "export" | "preview" | "config";

/** One resource of one stack, as read from a source (before or after normalisation). */
export interface SnapshotResource {
  /** Full Pulumi URN, e.g. `urn:pulumi:dev::data-platform::aws:s3/bucket:Bucket::dev-ingest-raw-bucket`. */
  readonly urn: string;
  /** Pulumi type token, e.g. `aws:s3/bucket:Bucket`. */
  readonly type: string;
  /** The resource name as the program gave it (last URN segment), e.g. `dev-ingest-raw-bucket`. */
  readonly name: string;
  /** True for custom (provider-managed) resources, false for components and the stack itself. */
  readonly custom: boolean;
  /** Parent URN, if any. */
  readonly parent?: string;
  /** Provider reference (`<providerUrn>::<id>`), if any. */
  readonly provider?: string;
  /** URNs this resource depends on (explicit `dependsOn` plus property dependencies where the source has them). */
  readonly dependencies: readonly string[];
  /** Resource options that matter to destroyability. */
  readonly protect?: boolean;
  readonly retainOnDelete?: boolean;
  /**
   * The `ignoreChanges` resource option (property paths as the program wrote them), where the source has it (plans).
   * Compared across environments as the pseudo-path `$ignoreChanges` (absent = none).
   */
  readonly ignoreChanges?: readonly string[];
  /** Resource options compared across environments (as `$replaceOnChanges`, `$deleteBeforeReplace`, `$aliases`, `$customTimeouts`). */
  readonly replaceOnChanges?: readonly string[];
  readonly deleteBeforeReplace?: boolean;
  /** Aliases as the source has them (URN strings, or alias specs). */
  readonly aliases?: readonly unknown[];
  readonly customTimeouts?: Readonly<Record<string, unknown>>;
  /** Where the program registered the resource (first stack frame in the project, project-relative path), where the source has it (plans). */
  readonly sourcePosition?: { readonly file: string; readonly line: number; readonly column: number };
  /** Output names the provider or program marks secret: the property of that name compares as `[secret]`. */
  readonly additionalSecretOutputs?: readonly string[];
  /**
   * Inputs of the resource (plan/preview: the goal state's inputs; export: `inputs`).
   * Values that are unknown at preview are the string {@link UNKNOWN}; secrets are {@link SecretValue} objects
   * as read, and become {@link SECRET_PLACEHOLDER} after normalisation.
   */
  readonly props: Readonly<Record<string, unknown>>;
  /** Outputs, where the source has them (exports, mocked plans). Not compared by default. */
  readonly outputs?: Readonly<Record<string, unknown>>;
}

/** The facts about an environment that normalisation strips from names and values. */
export interface EnvironmentContext {
  /** Environment name as the rules know it: `dev`, `staging`, `prod`. */
  readonly env: string;
  /** Stack name (usually equal to env). */
  readonly stack: string;
  readonly project: string;
  readonly accountId?: string;
  readonly region?: string;
  /** The `environmentSuffix` config value, if the project uses one. */
  readonly suffix?: string;
}

/** One stack read from one source. */
export interface Snapshot {
  readonly context: EnvironmentContext;
  readonly source: SnapshotSource;
  /** The file (or `Pulumi.<env>.yaml` / project dir) it was read from, for messages. */
  readonly origin: string;
  readonly resources: readonly SnapshotResource[];
  /** Stack config (`<namespace>:<key>` → value), where the source has it. Secrets as {@link SecretValue}. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** Stack outputs, where the source has them. */
  readonly outputs?: Readonly<Record<string, unknown>>;
}

/** A resource after normalisation: environment-neutral identity and values. */
export interface NormalisedResource {
  /** Environment-neutral logical id, e.g. `ingest-raw-bucket` (type-qualified identity is `type` + `logicalId`). */
  readonly logicalId: string;
  readonly type: string;
  /** The original resource, for messages (urn, name). */
  readonly original: SnapshotResource;
  /** Normalised props: env names, suffixes, account ids, regions and generated ids replaced by placeholders. */
  readonly props: Readonly<Record<string, unknown>>;
  /** The `ignoreChanges` option, sorted and without duplicates (absent when the source has none). */
  readonly ignoreChanges?: readonly string[];
  /**
   * The pairing key when it is not `${type}::${logicalId}`: the parent type chain (the URN's qualified type) and a
   * `#n` for colliding names. Resources pair across environments by this key.
   */
  readonly key?: string;
  /** The props before string normalisation but after the same structural folding (`tagsAll` into `tags`), when they differ from `original.props`. */
  readonly rawProps?: Readonly<Record<string, unknown>>;
  /** Resource options compared as pseudo-paths (`$parent`, `$provider`, …; see OPTION_PATHS), absent = defaults. */
  readonly options?: Readonly<Record<string, unknown>>;
  /** True when a value names another environment's account or region: its raw text is then never "identical". */
  readonly crossEnvironment?: boolean;
}

export interface NormalisedSnapshot {
  readonly context: EnvironmentContext;
  readonly source: SnapshotSource;
  readonly origin: string;
  /** Keyed by `${type}::${logicalId}`, or by {@link NormalisedResource.key} where it has one. */
  readonly resources: ReadonlyMap<string, NormalisedResource>;
  readonly config?: Readonly<Record<string, unknown>>;
  /** The config as read (before normalisation): values identical here are never a difference. */
  readonly rawConfig?: Readonly<Record<string, unknown>>;
  /** True when a config value names another environment's account or region (see NormalisedResource.crossEnvironment). */
  readonly configCrossEnvironment?: boolean;
}

export type Severity = "critical" | "high" | "medium" | "low";

/**
 * `fail`: a violation or unapproved difference. `pass`: checked and fine (reports may omit).
 * `approved`: a difference that an approval covers (SARIF suppression, JUnit skipped).
 * `indeterminate`: could not be decided because a value is unknown at preview (fails under --strict).
 */
export type FindingStatus = "fail" | "pass" | "approved" | "indeterminate";

/** What any check (policy pack or consistency comparison) reports. Reports are written from these only. */
export interface Finding {
  /** Stable forever: a policy name (`s3-bucket-versioning-enabled`) or a rule id (`parity-sqs-queue-retention`). */
  readonly ruleId: string;
  readonly status: FindingStatus;
  readonly severity: Severity;
  /** `policy` = from the CrossGuard pack, `parity` = from comparing environments, `config` = config validation. */
  readonly kind: "policy" | "parity" | "config";
  /** One line, human readable; never contains a secret value. */
  readonly message: string;
  /** Environment(s) / stack(s) concerned. */
  readonly environments: readonly string[];
  /** Environment-neutral resource identity (`type::logicalId`), if the finding is about a resource. */
  readonly resource?: string;
  /** The URN in the first environment concerned, for locations. */
  readonly urn?: string;
  /** Property path, dotted (`tracingConfig.mode`, `tags.Environment`). */
  readonly path?: string;
  /** Value per environment (already redacted), for differences: the normalised values that were compared. */
  readonly values?: Readonly<Record<string, unknown>>;
  /**
   * The same values as each environment's source has them (redacted; a secret is `[secret]` in every environment),
   * where they differ from {@link values}: what reports show. Absent when every value is shown as compared.
   */
  readonly rawValues?: Readonly<Record<string, unknown>>;
  /** For `approved`: the approval that covered it. */
  readonly approval?: {
    readonly id: string;
    readonly reason: string;
    readonly owner: string;
    readonly expires?: string;
  };
  /** Policy enforcement level, for policy findings. */
  readonly enforcement?: "advisory" | "mandatory" | "remediate" | "disabled";
  /** File the finding points to (stack config, export file, rules file), if any. */
  readonly file?: string;
}
