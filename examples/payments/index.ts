/**
 * The payments platform (project `payments`), the second platform env-parity keeps at parity: one VPC per environment
 * (public + private subnets in 3 AZs; NAT gateways in staging/prod, an AL2023 NAT instance in dev), Aurora PostgreSQL,
 * CPU alarms, the payment Lambda in the private subnets, the transactions table and the receipts bucket.
 * Every per-environment difference comes from config and is approved in consistency-rules/payments.rules.json.
 */
import * as path from "path";
import * as aws from "@pulumi/aws";
import {
  Alarms,
  bundleHandler,
  Database,
  DataBucket,
  FunctionRole,
  LAMBDA_RUNTIME,
  lambdaVpcAccessGrants,
  Naming,
  Network,
  policyDocument,
  standardTags,
  Table,
  wildcardCheckFor,
} from "@env-parity/components";
import { loadPaymentsConfig } from "./config";

const cfg = loadPaymentsConfig();
const naming = new Naming({
  env: cfg.env,
  service: cfg.service,
  environmentSuffix: cfg.environmentSuffix,
  accountId: cfg.accountId,
  region: cfg.region,
});
const tags = standardTags({ env: cfg.env, project: cfg.project, team: cfg.team, costCenter: cfg.costCenter });

const network = new Network(naming.resource("network"), {
  naming,
  region: cfg.region,
  cidrBlock: cfg.vpcCidr,
  azCount: 3,
  publicSubnets: true,
  egress: cfg.egressMode,
  natGateways: cfg.natGateways,
  natInstance: cfg.natInstanceType ? { instanceType: cfg.natInstanceType } : undefined,
  tags,
});

const database = new Database(naming.resource("database"), {
  naming,
  vpcId: network.vpcId,
  subnetIds: network.privateSubnetIds,
  appSecurityGroupId: network.appSecurityGroupId,
  instanceCount: cfg.dbInstanceCount,
  instanceClass: cfg.dbInstanceClass,
  backupRetentionDays: cfg.dbBackupRetentionDays,
  databaseName: "payments",
  masterUsername: "payments_admin",
  tags,
});

const alarms = new Alarms(naming.resource("alarms"), {
  naming,
  dbClusterIdentifier: database.clusterIdentifier,
  dbCpuThresholdPercent: cfg.dbCpuAlarmThresholdPercent,
  tags,
});

const transactions = new Table(naming.resource("transactions"), {
  naming,
  resource: "transactions",
  hashKey: "paymentId",
  capacity: cfg.tableCapacity,
  pointInTimeRecovery: cfg.tablePointInTimeRecovery,
  tags,
});

// Formerly its own component type (ArchiveBucket): the alias keeps the bucket and its children (their URNs) in place.
const receipts = new DataBucket(
  naming.resource("receipts"),
  {
    naming,
    resource: "receipts-bucket",
    sseAlgorithm: cfg.sseAlgorithm,
    glacierTransition: { days: cfg.receiptsGlacierTransitionDays, enabled: cfg.receiptsGlacierTransitionEnabled },
    tags,
  },
  { aliases: [{ type: "env-parity:storage:ArchiveBucket" }] },
);

// The payment function: in the private subnets with the app security group (no ingress).
const fnName = naming.physical("payment-function");
const logGroupName = `/aws/lambda/${fnName}`;
const tableName = naming.physical("transactions-table");
const iamExceptions = wildcardCheckFor(cfg.rules, {
  env: cfg.env,
  accountId: cfg.accountId,
  region: cfg.region,
  suffix: cfg.environmentSuffix,
});
const role = new FunctionRole(naming.resource("payment-role"), {
  resourceName: naming.resource("payment-role"),
  roleName: naming.physical("payment-role"),
  grants: [
    {
      sid: "Transactions",
      actions: ["dynamodb:PutItem", "dynamodb:GetItem"],
      resources: [naming.dynamodbTableArn(tableName)],
    },
    {
      sid: "Logs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [`${naming.logGroupArn(logGroupName)}:log-stream:*`],
    },
    { sid: "Tracing", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
  ],
  iamExceptions,
  tags,
});
// ENI management for a VPC function (what AWSLambdaVPCAccessExecutionRole grants, as inline least-privilege statements):
// the Describe actions support no resource-level permissions (Resource "*"); the others are scoped to ENIs, subnets and
// security groups of this account and region. Each `*` is an `iamExceptions` entry of consistency-rules/payments.rules.json.
const vpcAccess = new aws.iam.RolePolicy(
  naming.resource("payment-role-vpc-access"),
  {
    name: naming.physical("payment-role-vpc-access"),
    role: role.role.id,
    policy: policyDocument(lambdaVpcAccessGrants(cfg.region, cfg.accountId), iamExceptions),
  },
  { parent: role },
);
const logGroup = new aws.cloudwatch.LogGroup(naming.resource("payment-logs"), {
  name: logGroupName,
  retentionInDays: cfg.logRetentionDays,
  tags,
});
const paymentFunction = new aws.lambda.Function(
  naming.resource("payment-function"),
  {
    name: fnName,
    runtime: LAMBDA_RUNTIME,
    handler: "index.handler",
    code: bundleHandler(path.join(__dirname, "functions", "payment", "index.ts"), {
      workingDir: path.resolve(__dirname, "../.."),
    }),
    role: role.role.arn,
    memorySize: cfg.lambdaMemoryMb,
    timeout: cfg.lambdaTimeoutSec,
    tracingConfig: { mode: "Active" },
    loggingConfig: { logFormat: "JSON", logGroup: logGroupName },
    vpcConfig: { subnetIds: network.privateSubnetIds, securityGroupIds: [network.appSecurityGroupId] },
    environment: { variables: { TABLE_NAME: tableName, ENVIRONMENT: cfg.env } },
    tags,
  },
  { dependsOn: [logGroup, vpcAccess, role] },
);

export const vpcId = network.vpcId;
export const privateSubnetIds = network.privateSubnetIds;
export const dbClusterEndpoint = database.endpoint;
export const dbMasterUserSecretArn = database.masterUserSecretArn;
export const alarmsTopicArn = alarms.topicArn;
export const transactionsTableName = transactions.name;
export const receiptsBucketName = receipts.bucketName;
export const paymentFunctionName = paymentFunction.name;
