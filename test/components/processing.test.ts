/** ValidatorFunction: a function with its own log group, triggered by ObjectCreated on one bucket prefix. */
import { mockRuntime, NAMING_CONTEXT, TAGS } from "./mocks";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_RUNTIME, Naming, ValidatorFunction } from "@env-parity/components";

const rt = mockRuntime();
const naming = new Naming(NAMING_CONTEXT);
const code = new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset("exports.handler=()=>{}") });
let fn: ValidatorFunction;

beforeAll(async () => {
  const common = {
    naming,
    code,
    roleArn: "arn:aws:iam::111111111111:role/r",
    memorySize: 256,
    timeout: 30,
    logRetentionDays: 14,
    environment: { TOKEN: pulumi.secret("s3cr3t"), ENVIRONMENT: "dev" },
    triggerBucket: { id: "raw-bucket-id", arn: "arn:aws:s3:::raw" },
    triggerPrefix: "incoming/",
    accountId: "111111111111",
    tags: TAGS,
  };
  fn = new ValidatorFunction("dev-svc-processing", {
    ...common,
    resource: "validator",
    tracingMode: "Active",
    vpcConfig: { subnetIds: ["subnet-a"], securityGroupIds: ["sg-app"] },
  });
  new ValidatorFunction("dev-svc-plain", { ...common, resource: "plain", tracingMode: "PassThrough" });
  await rt.settle();
});

describe("ValidatorFunction", () => {
  it("names are known at preview", () => {
    expect([fn.functionName, fn.functionArn, fn.logGroupName]).toEqual([
      "dev-svc-validator-function-x1",
      "arn:aws:lambda:us-east-2:111111111111:function:dev-svc-validator-function-x1",
      "/aws/lambda/dev-svc-validator-function-x1",
    ]);
  });

  it("logs into its own log group, created before the function", () => {
    const logs = rt.one("aws:cloudwatch/logGroup:LogGroup", "dev-svc-validator-logs");
    expect(logs.inputs).toMatchObject({ name: "/aws/lambda/dev-svc-validator-function-x1", retentionInDays: 14 });
    const f = rt.one("aws:lambda/function:Function", "dev-svc-validator-function");
    expect(f.dependencies).toContain(logs.urn);
    expect(f.inputs).toMatchObject({
      name: "dev-svc-validator-function-x1",
      runtime: LAMBDA_RUNTIME,
      handler: "index.handler",
      role: "arn:aws:iam::111111111111:role/r",
      memorySize: 256,
      timeout: 30,
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: "/aws/lambda/dev-svc-validator-function-x1" },
      vpcConfig: { subnetIds: ["subnet-a"], securityGroupIds: ["sg-app"] },
      tags: TAGS,
    });
    expect(f.inputs.environment.variables.ENVIRONMENT).toBe("dev");
  });

  it("runs outside a VPC when no vpcConfig is given", () => {
    expect(rt.one("aws:lambda/function:Function", "dev-svc-plain-function").inputs.vpcConfig).toBeUndefined();
  });

  it("S3 may invoke it for the bucket of this account only; the trigger filters on the prefix", () => {
    const perm = rt.one("aws:lambda/permission:Permission", "dev-svc-validator-function-s3-invoke");
    expect(perm.inputs).toMatchObject({
      action: "lambda:InvokeFunction",
      principal: "s3.amazonaws.com",
      sourceArn: "arn:aws:s3:::raw",
      sourceAccount: "111111111111",
    });
    const trigger = rt.one("aws:s3/bucketNotification:BucketNotification", "dev-svc-validator-function-s3-trigger");
    expect(trigger.inputs.bucket).toBe("raw-bucket-id");
    expect(trigger.inputs.lambdaFunctions).toEqual([
      expect.objectContaining({ events: ["s3:ObjectCreated:*"], filterPrefix: "incoming/" }),
    ]);
    expect(trigger.dependencies).toContain(perm.urn);
  });

  it("parents its four resources in the component and registers the names", () => {
    const component = rt.one("env-parity:processing:ValidatorFunction", "dev-svc-processing");
    expect(rt.registered.filter((r) => r.parent === component.urn)).toHaveLength(4);
    expect(component.outputs).toEqual({
      functionName: fn.functionName,
      functionArn: fn.functionArn,
      logGroupName: fn.logGroupName,
    });
  });
});
