import { normaliseSnapshot, SECRET_SIG, SIG_KEY, UNKNOWN, ARCHIVE_SIG, logicalIdOf } from "../../consistency-rules/src";
import { resource, rules, snapshot } from "./helpers";

const BUCKET = "aws:s3/bucket:Bucket";

describe("normaliseSnapshot", () => {
  it("gives dev-…-x1 and prod-…-x1 the same identity and the same values", () => {
    const dev = normaliseSnapshot(
      snapshot("dev", [resource("dev", BUCKET, "dev-ingest-raw-bucket", { bucket: "dev-ingest-raw-bucket-x1" })]),
    );
    const prod = normaliseSnapshot(
      snapshot("prod", [resource("prod", BUCKET, "prod-ingest-raw-bucket", { bucket: "prod-ingest-raw-bucket-x1" })]),
    );
    expect([...dev.resources.keys()]).toEqual([`${BUCKET}::ingest-raw-bucket`]);
    expect([...prod.resources.keys()]).toEqual([...dev.resources.keys()]);
    expect(dev.resources.get(`${BUCKET}::ingest-raw-bucket`)!.props).toEqual({
      bucket: "{env}-ingest-raw-bucket-{suffix}",
    });
    expect(prod.resources.get(`${BUCKET}::ingest-raw-bucket`)!.props).toEqual(
      dev.resources.get(`${BUCKET}::ingest-raw-bucket`)!.props,
    );
  });

  it("strips env, suffix and Pulumi auto-name suffixes from logical ids", () => {
    const ctx = { env: "dev", stack: "dev", suffix: "x1" };
    expect(logicalIdOf("dev-ingest-raw-bucket", ctx)).toBe("ingest-raw-bucket");
    expect(logicalIdOf("dev-ingest-raw-bucket-x1", ctx)).toBe("ingest-raw-bucket");
    expect(logicalIdOf("dev-ingest-raw-bucket-a1b2c3d", ctx)).toBe("ingest-raw-bucket");
    expect(logicalIdOf("demo-dev", ctx)).toBe("demo");
    expect(logicalIdOf("devops-queue", ctx)).toBe("devops-queue");
    expect(logicalIdOf("dev", ctx)).toBe("dev");
  });

  it("replaces this stack's account id and region; another environment's is named; an unknown one stays", () => {
    const props = {
      role: "arn:aws:iam::111111111111:role/dev-ingest-validator-role-x1",
      queue: "https://sqs.us-east-2.amazonaws.com/111111111111/dev-ingest-tasks-queue-x1",
      foreign: "arn:aws:sns:eu-west-1:999999999999:shared-topic",
      prodRole: "arn:aws:iam::333333333333:role/x",
      prodQueue: "https://sqs.us-east-1.amazonaws.com/333333333333/q",
      az: "us-east-2a",
      policy: JSON.stringify({ Resource: "arn:aws:s3:::dev-ingest-raw-bucket-x1/*" }),
    };
    const n = normaliseSnapshot(snapshot("dev", [resource("dev", "aws:x/y:Z", "dev-thing", props)]), rules());
    expect(n.resources.get("aws:x/y:Z::thing")!.props).toEqual({
      role: "arn:aws:iam::{account}:role/{env}-ingest-validator-role-{suffix}",
      queue: "https://sqs.{region}.amazonaws.com/{account}/{env}-ingest-tasks-queue-{suffix}",
      foreign: "arn:aws:sns:eu-west-1:999999999999:shared-topic",
      prodRole: "arn:aws:iam::{account:prod}:role/x",
      prodQueue: "https://sqs.{region:prod}.amazonaws.com/{account:prod}/q",
      az: "{region}a",
      policy: '{"Resource":"arn:aws:s3:::{env}-ingest-raw-bucket-{suffix}/*"}',
    });
  });

  it("replaces env names only as whole tokens", () => {
    const n = normaliseSnapshot(
      snapshot("dev", [
        resource("dev", "t:m:T", "dev-a", { a: "device-dev_x/dev:y.dev", b: "devdev", Environment: "dev" }),
      ]),
    );
    expect(n.resources.get("t:m:T::a")!.props).toEqual({
      a: "device-{env}_x/{env}:y.{env}",
      b: "devdev",
      Environment: "{env}",
    });
  });

  it("turns secrets into [secret], keeps UNKNOWN, drops __defaults and asset hashes", () => {
    const props = {
      password: { [SIG_KEY]: SECRET_SIG, value: "hunter2" },
      env: { variables: { TOKEN: { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" }, ARN: UNKNOWN } },
      __defaults: ["name"],
      code: { [SIG_KEY]: ARCHIVE_SIG, hash: "deadbeef", path: "./functions/validator" },
    };
    const n = normaliseSnapshot(snapshot("dev", [resource("dev", "t:m:T", "dev-fn", props)]));
    expect(n.resources.get("t:m:T::fn")!.props).toEqual({
      password: "[secret]",
      env: { variables: { TOKEN: "[secret]", ARN: UNKNOWN } },
      code: { [SIG_KEY]: ARCHIVE_SIG, path: "./functions/validator" },
    });
    expect(JSON.stringify([...n.resources.values()].map((r) => r.props))).not.toContain("hunter2");
  });

  it("keys default providers by package, keeps the stack and components, and never drops a colliding resource", () => {
    const n = normaliseSnapshot(
      snapshot("dev", [
        { ...resource("dev", "pulumi:providers:aws", "default_7_48_0", { region: "us-east-2" }), custom: true },
        { ...resource("dev", "pulumi:pulumi:Stack", "demo-dev", {}), custom: false },
        { ...resource("dev", "demo:storage:Bucket", "dev-ingest-raw", {}), custom: false },
        resource("dev", BUCKET, "dev-ingest-raw-bucket", { a: 1 }),
        resource("dev", BUCKET, "dev-ingest-raw-bucket-x1", { a: 2 }),
      ]),
    );
    expect([...n.resources.keys()]).toEqual([
      "pulumi:providers:aws::aws",
      "pulumi:pulumi:Stack::stack",
      "demo:storage:Bucket::ingest-raw",
      `${BUCKET}::ingest-raw-bucket`,
      `${BUCKET}::ingest-raw-bucket#2`,
    ]);
    expect(n.resources.get("pulumi:providers:aws::aws")!.props).toEqual({ region: "{region}" });
  });

  it("fills account and region from the rules and the suffix from config", () => {
    const snap = {
      context: { env: "prod", stack: "prod", project: "demo" },
      source: "config" as const,
      origin: "Pulumi.prod.yaml",
      resources: [],
      config: {
        "demo:environmentSuffix": "p9",
        "demo:accountId": "333333333333",
        "aws:region": "us-east-1",
        "demo:name": "prod-thing-p9",
        "demo:secret": { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:x" },
      },
    };
    const n = normaliseSnapshot(snap, rules());
    expect(n.context.accountId).toBe("333333333333");
    expect(n.config).toEqual({
      "demo:environmentSuffix": "{suffix}",
      "demo:accountId": "{account}",
      "aws:region": "{region}",
      "demo:name": "{env}-thing-{suffix}",
      "demo:secret": "[secret]",
    });
  });

  it("survives hostile input", () => {
    expect(() => normaliseSnapshot({} as never)).not.toThrow();
    expect(() =>
      normaliseSnapshot({ context: null, resources: [null, 1, { props: 5 }, { name: {} }] } as never),
    ).not.toThrow();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => normaliseSnapshot(snapshot("dev", [resource("dev", "t:m:T", "dev-c", cyclic)]))).not.toThrow();
  });
});
