/**
 * The real stacks through the pack: the three reference stacks and the three payments stacks, planned with the
 * offline planner (the programs under setMocks), sent through the Analyzer protocol. Each must have zero violations
 * and zero indeterminates. Then the mutation suite: from each planned stack, one guarded property broken at a time;
 * the expected policy must be among the violations. One pack process for the whole file.
 */
import * as path from "path";
import type { Finding, Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { planStacks } from "../../cli/sources/plan";
import { startPack, type PackSession } from "../../policy-pack/harness";
import { buildPack, ENVS, PACK_DIR, PAYMENTS_RULES, ROOT, RULES, UNKNOWN, type Env } from "./fixtures";

jest.setTimeout(600_000);
// Every object the pack shares between policies (deserialised properties, the stack view) is deep-frozen: a policy
// that mutates one throws, and its internal error would be a finding.
process.env.PARITY_PACK_FREEZE = "1";

type Props = Record<string, unknown>;
type Project = "data-platform" | "payments";
const PROJECT_DIRS: Record<Project, string> = {
  "data-platform": ROOT,
  payments: path.join(ROOT, "examples", "payments"),
};

let pack: PackSession;
const plans = new Map<string, Snapshot>();
const planErrors = new Map<Project, string>();
const key = (project: Project, env: Env) => `${project}/${env}`;

beforeAll(async () => {
  buildPack();
  const started = startPack({ packDir: PACK_DIR });
  for (const project of Object.keys(PROJECT_DIRS) as Project[]) {
    try {
      const snaps = await planStacks(PROJECT_DIRS[project], ENVS);
      snaps.forEach((s, i) => plans.set(key(project, ENVS[i]), s));
    } catch (e) {
      planErrors.set(project, (e as Error).message);
    }
  }
  pack = await started;
});
afterAll(() => pack?.close());

function planned(project: Project, env: Env): Snapshot {
  const s = plans.get(key(project, env));
  if (!s) throw new Error(`planning ${project} failed: ${planErrors.get(project)}`);
  return s;
}

const show = (fs: readonly Finding[]) =>
  fs.map((f) => `${f.status} ${f.ruleId} ${f.urn ?? ""}: ${f.message}`).join("\n");

describe.each([
  ["data-platform", "dev"],
  ["data-platform", "staging"],
  ["data-platform", "prod"],
  ["payments", "dev"],
  ["payments", "staging"],
  ["payments", "prod"],
] as [Project, Env][])("planned %s %s", (project, env) => {
  test("zero violations and zero indeterminates", async () => {
    const findings = await pack.analyzeSnapshot(planned(project, env));
    expect(show(findings)).toBe("");
  });
});

// ------------------------------------------------------------------------------------------ mutation suite

/** One broken property. `pick` selects the resource (first match) or the mutant edits the stack itself (`stack`). */
interface Mutant {
  readonly what: string;
  readonly policy: string;
  readonly projects: readonly Project[];
  readonly envs?: readonly Env[];
  readonly pick?: (r: SnapshotResource) => boolean;
  readonly apply?: (p: Props, r: SnapshotResource, env: Env) => void | Partial<SnapshotResource>;
  readonly stack?: (s: Snapshot, env: Env) => Snapshot;
}

const BOTH: Project[] = ["data-platform", "payments"];
const DP: Project[] = ["data-platform"];
const PAY: Project[] = ["payments"];
const ofType = (type: string, name?: RegExp) => (r: SnapshotResource) =>
  r.type === type && (!name || name.test(r.name));
const doc = (statement: Props) => JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const rulesOf = (s: Snapshot) => (s.context.project === "payments" ? PAYMENTS_RULES : RULES);
const otherAccount = (s: Snapshot, env: Env) => rulesOf(s).environments[env === "prod" ? "dev" : "prod"].accountId!;
const tagsOf = (s: Snapshot) => ({
  ...((s.resources.find((r) => r.props.tags && typeof r.props.tags === "object")?.props.tags ?? {}) as Props),
});

function add(s: Snapshot, type: string, resource: string, props: Props): Snapshot {
  const { stack, project, env } = s.context;
  const service = project === "payments" ? "payments" : "ingest";
  const name = `${env}-${service}-${resource}`;
  const provider = s.resources.find((r) => r.provider)?.provider;
  return {
    ...s,
    resources: [
      ...s.resources,
      {
        urn: `urn:pulumi:${stack}::${project}::${type}::${name}`,
        type,
        name,
        custom: true,
        dependencies: [],
        provider,
        props,
      },
    ],
  };
}

const FN = "aws:lambda/function:Function";
const MUTANTS: readonly Mutant[] = [
  {
    what: "versioning Suspended",
    policy: "s3-bucket-versioning-enabled",
    projects: BOTH,
    pick: ofType("aws:s3/bucketVersioning:BucketVersioning"),
    apply: (p) => void (p.versioningConfiguration = { status: "Suspended" }),
  },
  {
    what: "SSE default removed",
    policy: "s3-bucket-sse-configured",
    projects: BOTH,
    pick: ofType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
    apply: (p) => void (p.rules = [{ bucketKeyEnabled: true }]),
  },
  {
    what: "SSE resource removed",
    policy: "s3-bucket-companions-present",
    projects: BOTH,
    stack: (s) => {
      const victim = s.resources.find(
        ofType("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
      )!;
      return { ...s, resources: s.resources.filter((r) => r !== victim) };
    },
  },
  {
    what: "noncurrent expiry 400 days",
    policy: "s3-bucket-noncurrent-expiry",
    projects: DP,
    pick: ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"),
    apply: (p) =>
      void (p.rules = [{ id: "x", status: "Enabled", noncurrentVersionExpiration: { noncurrentDays: 400 } }]),
  },
  {
    what: "public ACLs allowed",
    policy: "s3-bucket-public-access-blocked",
    projects: BOTH,
    pick: ofType("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
    apply: (p) => void (p.blockPublicAcls = false),
  },
  {
    what: "forceDestroy false",
    policy: "lifecycle-s3-bucket-force-destroy",
    projects: BOTH,
    pick: ofType("aws:s3/bucket:Bucket"),
    apply: (p) => void (p.forceDestroy = false),
  },
  {
    what: "log retention 3 days",
    policy: "cloudwatch-log-group-retention",
    projects: BOTH,
    pick: ofType("aws:cloudwatch/logGroup:LogGroup"),
    apply: (p) => void (p.retentionInDays = 3),
  },
  {
    what: "runtime nodejs20.x",
    policy: "lambda-function-runtime-allowed",
    projects: BOTH,
    pick: ofType(FN),
    apply: (p) => void (p.runtime = "nodejs20.x"),
  },
  {
    what: "timeout 900",
    policy: "lambda-function-timeout-max",
    projects: BOTH,
    pick: ofType(FN),
    apply: (p) => void (p.timeout = 900),
  },
  {
    what: "tracing mode the environment does not want (PassThrough in prod)",
    policy: "lambda-function-xray-tracing",
    projects: DP,
    pick: ofType(FN),
    apply: (p, _r, env) => void (p.tracingConfig = { mode: env === "dev" ? "Active" : "PassThrough" }),
  },
  {
    what: "log group dependency removed",
    policy: "lambda-function-log-group",
    projects: BOTH,
    pick: ofType(FN),
    apply: (_p, r) => ({ dependencies: r.dependencies.filter((d) => !d.includes("aws:cloudwatch/logGroup:LogGroup")) }),
  },
  {
    what: "PITR off (prod of payments: approved on only there)",
    policy: "dynamodb-table-pitr-enabled",
    projects: PAY,
    envs: ["prod"],
    pick: ofType("aws:dynamodb/table:Table"),
    apply: (p) => void (p.pointInTimeRecovery = { enabled: false }),
  },
  {
    what: "second function on another runtime",
    policy: "lambda-functions-same-runtime",
    projects: DP,
    envs: ["prod"],
    stack: (s) => {
      const second = s.resources.filter(ofType(FN))[1];
      return mutateFirst(
        s,
        (r) => r === second || r.urn === second.urn,
        (p) => void (p.runtime = "python3.12"),
      );
    },
  },
  {
    what: "PITR off",
    policy: "dynamodb-table-pitr-enabled",
    projects: DP,
    pick: ofType("aws:dynamodb/table:Table"),
    apply: (p) => void (p.pointInTimeRecovery = { enabled: false }),
  },
  {
    what: "GSI removed",
    policy: "dynamodb-table-timestamp-index",
    projects: DP,
    pick: ofType("aws:dynamodb/table:Table"),
    apply: (p) => void delete p.globalSecondaryIndexes,
  },
  {
    what: "billing mode PROVISIONED",
    policy: "dynamodb-table-billing-mode",
    projects: DP,
    pick: ofType("aws:dynamodb/table:Table"),
    apply: (p) => void (p.billingMode = "PROVISIONED"),
  },
  {
    what: "SQS retention 4 days",
    policy: "sqs-queue-retention",
    projects: DP,
    pick: ofType("aws:sqs/queue:Queue"),
    apply: (p) => void (p.messageRetentionSeconds = 345600),
  },
  {
    what: "maxReceiveCount 5",
    policy: "sqs-queue-redrive",
    projects: DP,
    pick: ofType("aws:sqs/queue:Queue", /-queue$/),
    apply: (p) =>
      void (p.redrivePolicy = JSON.stringify({
        ...(JSON.parse(p.redrivePolicy as string) as Props),
        maxReceiveCount: 5,
      })),
  },
  {
    what: "subscription over http",
    policy: "sns-subscription-protocol-allowed",
    projects: DP,
    pick: ofType("aws:sns/topicSubscription:TopicSubscription"),
    apply: (p) => void (p.protocol = "http"),
  },
  {
    what: "IAM s3:*",
    policy: "iam-policy-no-wildcard-actions",
    projects: BOTH,
    pick: ofType("aws:iam/rolePolicy:RolePolicy"),
    apply: (p) => void (p.policy = doc({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::x" })),
  },
  {
    what: "IAM Resource *",
    policy: "iam-policy-no-wildcard-resources",
    projects: BOTH,
    pick: ofType("aws:iam/rolePolicy:RolePolicy"),
    apply: (p) => void (p.policy = doc({ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: "*" })),
  },
  {
    what: "another environment's account in an ARN",
    policy: "iam-policy-no-cross-environment",
    projects: BOTH,
    stack: (s, env) => {
      const acct = otherAccount(s, env);
      return mutateFirst(
        s,
        ofType("aws:iam/rolePolicy:RolePolicy"),
        (p) =>
          void (p.policy = doc({
            Effect: "Allow",
            Action: ["sqs:SendMessage"],
            Resource: `arn:aws:sqs:us-east-1:${acct}:q`,
          })),
      );
    },
  },
  {
    what: "role trusts another account's root",
    policy: "iam-role-cross-account-trust",
    projects: BOTH,
    stack: (s, env) => {
      const acct = otherAccount(s, env);
      return mutateFirst(
        s,
        ofType("aws:iam/role:Role"),
        (p) =>
          void (p.assumeRolePolicy = doc({
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${acct}:root` },
            Action: "sts:AssumeRole",
          })),
      );
    },
  },
  {
    what: "tag Team removed",
    policy: "tags-required",
    projects: BOTH,
    pick: (r) => r.type === FN,
    apply: (p) => void delete (p.tags as Props).Team,
  },
  {
    what: "Environment tag of another env",
    policy: "tags-environment-matches-stack",
    projects: BOTH,
    pick: ofType(FN),
    apply: (p, _r, env) => void ((p.tags as Props).Environment = env === "prod" ? "dev" : "prod"),
  },
  {
    what: "function name not the Pulumi name",
    policy: "naming-resource-convention",
    projects: BOTH,
    pick: ofType(FN),
    apply: (p) => void (p.name = "payments-or-ingest-fn"),
  },
  {
    what: "protect true",
    policy: "lifecycle-resource-not-protected",
    projects: BOTH,
    pick: ofType("aws:s3/bucket:Bucket"),
    apply: () => ({ protect: true }),
  },
  {
    what: "table deletion protection on",
    policy: "lifecycle-no-deletion-protection",
    projects: BOTH,
    pick: ofType("aws:dynamodb/table:Table"),
    apply: (p) => void (p.deletionProtectionEnabled = true),
  },
  {
    what: "runtime python3.12 (invariant parity-lambda-runtime)",
    policy: "parity-consistency-rules",
    projects: DP,
    pick: ofType(FN),
    apply: (p) => void (p.runtime = "python3.12"),
  },
  // payments: database, network, alarms
  {
    what: "SG ingress from 0.0.0.0/0",
    policy: "ec2-security-group-no-public-ingress",
    projects: PAY,
    pick: ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"),
    apply: (p) => void Object.assign(p, { cidrIpv4: "0.0.0.0/0", referencedSecurityGroupId: undefined }),
  },
  {
    what: "SG inline ingress from ::/0",
    policy: "ec2-security-group-no-public-ingress",
    projects: PAY,
    pick: ofType("aws:ec2/securityGroup:SecurityGroup"),
    apply: (p) => void (p.ingress = [{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }]),
  },
  {
    what: "RDS unencrypted",
    policy: "rds-cluster-storage-encrypted",
    projects: PAY,
    pick: ofType("aws:rds/cluster:Cluster"),
    apply: (p) => void (p.storageEncrypted = false),
  },
  {
    what: "backup retention wrong for the env (1 day in prod)",
    policy: "rds-cluster-backup-retention",
    projects: PAY,
    pick: ofType("aws:rds/cluster:Cluster"),
    apply: (p, _r, env) => void (p.backupRetentionPeriod = env === "prod" ? 1 : 14),
  },
  {
    what: "instance publicly accessible",
    policy: "rds-instance-not-public",
    projects: PAY,
    pick: ofType("aws:rds/clusterInstance:ClusterInstance"),
    apply: (p) => void (p.publiclyAccessible = true),
  },
  {
    what: "master password in config",
    policy: "rds-cluster-managed-master-password",
    projects: PAY,
    pick: ofType("aws:rds/cluster:Cluster"),
    apply: (p) => void Object.assign(p, { manageMasterUserPassword: undefined, masterPassword: "hunter2hunter2" }),
  },
  {
    what: "final snapshot required",
    policy: "lifecycle-rds-skip-final-snapshot",
    projects: PAY,
    pick: ofType("aws:rds/cluster:Cluster"),
    apply: (p) => void (p.skipFinalSnapshot = false),
  },
  {
    what: "cluster deletion protection on",
    policy: "lifecycle-no-deletion-protection",
    projects: PAY,
    pick: ofType("aws:rds/cluster:Cluster"),
    apply: (p) => void (p.deletionProtection = true),
  },
  {
    what: "NAT gateway in dev / approved gateway missing in staging and prod",
    policy: "ec2-nat-per-environment",
    projects: PAY,
    stack: (s, env) =>
      env === "dev"
        ? add(s, "aws:ec2/natGateway:NatGateway", "nat-gateway-1", {
            subnetId: "subnet-1",
            connectivityType: "public",
            tags: tagsOf(s),
          })
        : { ...s, resources: s.resources.filter((r) => !r.name.endsWith("-nat-gateway-1")) },
  },
  {
    what: "NAT device in a reference stack",
    policy: "ec2-nat-per-environment",
    projects: DP,
    stack: (s) =>
      add(s, "aws:ec2/natGateway:NatGateway", "nat-gateway-1", {
        subnetId: "subnet-1",
        connectivityType: "public",
        tags: tagsOf(s),
      }),
  },
  {
    what: "NAT instance on the old Amazon Linux AMI",
    policy: "ec2-nat-instance-al2023",
    projects: PAY,
    envs: ["dev"],
    pick: ofType("aws:ec2/instance:Instance"),
    apply: (p) => void (p.ami = "resolve:ssm:/aws/service/ami-amazon-linux-latest/amzn-ami-hvm-x86_64-gp2"),
  },
  {
    what: "NAT instance checks source/dest",
    policy: "ec2-nat-instance-al2023",
    projects: PAY,
    envs: ["dev"],
    pick: ofType("aws:ec2/instance:Instance"),
    apply: (p) => void (p.sourceDestCheck = true),
  },
  {
    what: "CPU alarm at 95 % (staging/prod) / an alarm in dev",
    policy: "cloudwatch-alarm-cpu-threshold",
    projects: PAY,
    stack: (s, env) =>
      env === "dev"
        ? add(s, "aws:cloudwatch/metricAlarm:MetricAlarm", "db-cpu-alarm", {
            namespace: "AWS/RDS",
            metricName: "CPUUtilization",
            threshold: 80,
            tags: tagsOf(s),
          })
        : mutateFirst(s, ofType("aws:cloudwatch/metricAlarm:MetricAlarm"), (p) => void (p.threshold = 95)),
  },
  {
    what: "role gets AWSLambda_FullAccess",
    policy: "iam-managed-policy-not-admin",
    projects: BOTH,
    pick: ofType("aws:iam/role:Role"),
    apply: (p) => void (p.managedPolicyArns = ["arn:aws:iam::aws:policy/AWSLambda_FullAccess"]),
  },
  {
    what: "role gets AWSLambdaRole (advisory)",
    policy: "iam-managed-policy-reviewed",
    projects: DP,
    pick: ofType("aws:iam/role:Role"),
    apply: (p) => void (p.managedPolicyArns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaRole"]),
  },
  {
    what: "public function URL",
    policy: "lambda-function-url-auth",
    projects: DP,
    stack: (s) =>
      add(s, "aws:lambda/functionUrl:FunctionUrl", "validator-url", { functionName: "f", authorizationType: "NONE" }),
  },
  {
    what: "invoke permission for anyone",
    policy: "lambda-permission-not-public",
    projects: DP,
    stack: (s) =>
      add(s, "aws:lambda/permission:Permission", "validator-public", {
        function: "f",
        action: "lambda:InvokeFunction",
        principal: "*",
      }),
  },
  {
    what: "value unknown under strict is not a pass",
    policy: "policy-pack-indeterminate",
    projects: PAY,
    pick: ofType("aws:rds/cluster:Cluster"),
    apply: (p) => void (p.storageEncrypted = UNKNOWN),
  },
];

function mutateFirst(
  s: Snapshot,
  pick: (r: SnapshotResource) => boolean,
  fn: (p: Props, r: SnapshotResource) => void | Partial<SnapshotResource>,
): Snapshot {
  const copy: Snapshot = JSON.parse(JSON.stringify(s));
  const i = copy.resources.findIndex(pick);
  if (i < 0) throw new Error("the mutant's resource is not in the stack");
  const r = copy.resources[i];
  const extra = fn(r.props as Props, r);
  // A preview's outputs are the inputs merged with what the provider knows: an input edit shows in the outputs too
  // (AnalyzeStack reads outputs).
  if (r.outputs) fn(r.outputs as Props, r);
  const resources = [...copy.resources];
  resources[i] = extra ? { ...r, ...extra } : r;
  return { ...copy, resources };
}

const RUNS = MUTANTS.flatMap((m) =>
  m.projects.flatMap((project) =>
    (m.envs ?? ENVS).map((env) => [`${m.policy} ← ${m.what} (${project} ${env})`, m, project, env] as const),
  ),
);

test("the mutation suite has at least 40 mutants over every policy", async () => {
  expect(RUNS.length).toBeGreaterThanOrEqual(40);
  const info = await pack.info();
  const covered = new Set(MUTANTS.map((m) => m.policy));
  expect(info.policies.map((p) => p.name).filter((n) => !covered.has(n))).toEqual([]);
});

test.each(RUNS)("%s", async (_title, m, project, env) => {
  const base = planned(project, env);
  const mutant = m.stack ? m.stack(base, env) : mutateFirst(base, m.pick!, (p, r) => m.apply!(p, r, env));
  const findings = await pack.analyzeSnapshot(mutant);
  const status = m.policy === "policy-pack-indeterminate" ? "indeterminate" : "fail";
  const want = m.policy === "policy-pack-indeterminate" ? "rds-cluster-storage-encrypted" : m.policy;
  expect({
    hit: findings.some((f) => f.ruleId === want && f.status === status),
    findings: show(findings),
  }).toMatchObject({ hit: true });
});

test("one fact, one finding: a protected resource is reported by lifecycle-resource-not-protected only", async () => {
  const mutant = mutateFirst(
    planned("data-platform", "prod"),
    (r) => r.type === "aws:s3/bucket:Bucket",
    () => ({ protect: true }),
  );
  const fails = (await pack.analyzeSnapshot(mutant)).filter((f) => f.status === "fail");
  expect(fails.map((f) => f.ruleId)).toEqual(["lifecycle-resource-not-protected"]);
});
