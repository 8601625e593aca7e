/** The offline planner itself, on a fixture program: StackReference answers, secrets, options, failures, isolation. */
import * as path from "node:path";
import { engineConfig, planAll, planStack, planStacks, ProgramError } from "../../cli/sources/plan";
import { batchIndexOf, firstLine, MOCK_AL2023_IMAGES } from "../../cli/sources/plan-worker";
import { InputError } from "../../consistency-rules/src/errors";
import { SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";

const FIXTURE = path.join(__dirname, "fixtures/stackref-project");
const DEV_OUTPUTS = { devTasksQueueName: "dev-ingest-tasks-queue-x1", devRawBucketName: "dev-ingest-raw-bucket-x1" };

test("answers StackReference reads from stackOutputs, keeps secrets secret, records options and dependencies", async () => {
  const s = await planStack({
    projectDir: FIXTURE,
    stack: "prod",
    stackOutputs: { "acme/data-platform/dev": DEV_OUTPUTS },
  });
  expect(s.context).toEqual({ env: "prod", stack: "prod", project: "stackref-fixture" });
  const ref = s.resources.find((r) => r.type === "pulumi:pulumi:StackReference")!;
  expect(ref.props).toEqual({ name: "acme/data-platform/dev" });
  const queue = s.resources.find((r) => r.name === "replica-queue")!;
  expect(queue.props).toMatchObject({
    name: "dev-ingest-tasks-queue-x1-replica",
    tags: { Source: "dev-ingest-raw-bucket-x1" },
  });
  expect(queue.protect).toBe(true);
  expect(queue.ignoreChanges).toEqual(["tags"]);
  expect(queue).toMatchObject({ deleteBeforeReplace: true, replaceOnChanges: ["name"] });
  const param = s.resources.find((r) => r.name === "api-key")!;
  expect(param.ignoreChanges).toBeUndefined();
  expect(param.retainOnDelete).toBe(true);
  expect(param.dependencies).toContain(queue.urn);
  expect(param.props.value).toEqual({ [SIG_KEY]: SECRET_SIG });
  expect(s.config).toEqual({
    "stackref-fixture:sourceStack": "acme/data-platform/dev",
    "stackref-fixture:apiKey": { [SIG_KEY]: SECRET_SIG },
  });
  // __dirname inside the program is the program's directory, as under the engine.
  expect(s.outputs).toEqual({
    replicaQueueName: "dev-ingest-tasks-queue-x1-replica",
    workingDir: path.join(FIXTURE, "program"),
  });
});

test("a StackReference to a stack neither given nor planned in the batch fails that plan with one line naming it", async () => {
  const p = planStack({ projectDir: FIXTURE, stack: "prod" });
  await expect(p).rejects.toBeInstanceOf(ProgramError);
  await expect(p).rejects.toThrow(
    /^planning stack prod failed: stack prod reads StackReference "acme\/data-platform\/dev", which is neither given in stackOutputs nor planned in this batch$/,
  );
});

test("each stack's result is reported as soon as it is made, before the batch ends, as planAll returns it", async () => {
  const order: string[] = [];
  const early = new Map<number, PromiseSettledResult<unknown>>();
  let ended = false;
  const settled = await planAll(
    ["replica", "dev", "nope"].map((stack) => ({ projectDir: FIXTURE, stack })),
    {
      settled: (i, r) => {
        expect(ended).toBe(false);
        expect(early.has(i)).toBe(false);
        early.set(i, r);
        order.push(r.status === "fulfilled" ? r.value.context.stack : `rejected ${i}`);
      },
    },
  );
  ended = true;
  // the missing stack file fails first (before any child runs); dev is planned before replica, which reads it
  expect(order).toEqual(["rejected 2", "dev", "replica"]);
  settled.forEach((r, i) => expect(early.get(i)).toBe(r));
});

test("a StackReference to a stack of the same batch reads its planned outputs (planned first, whatever the order given)", async () => {
  const [replica, dev, qa] = await planAll([
    { projectDir: FIXTURE, stack: "replica" },
    { projectDir: FIXTURE, stack: "dev" },
    { projectDir: FIXTURE, stack: "qa" },
  ]);
  if (replica.status !== "fulfilled" || dev.status !== "fulfilled") throw new Error("replica and dev must plan");
  expect(replica.value.outputs).toMatchObject({ replicaQueueName: "dev-ingest-tasks-queue-x1-replica" });
  // The source's own invoke: the AL2023 image the planner answers getAmi with.
  expect(dev.value.outputs).toEqual({
    devTasksQueueName: "dev-ingest-tasks-queue-x1",
    devRawBucketName: "dev-ingest-raw-bucket-x1",
    amiId: MOCK_AL2023_IMAGES.x86_64.id,
    amiName: MOCK_AL2023_IMAGES.x86_64.name,
  });
  expect(MOCK_AL2023_IMAGES.x86_64).toMatchObject({
    id: "ami-0a1b2c3d4e5f60718",
    name: "al2023-ami-2023.6.20250107.0-kernel-6.1-x86_64",
  });
  expect(qa.status).toBe("rejected");
  expect(String((qa as PromiseRejectedResult).reason.message)).toMatch(
    /stack qa reads StackReference "acme\/data-platform\/uat", which is neither given/,
  );
});

test("batch references are matched by stack and project", () => {
  const batch = [
    { project: "p", stack: "dev" },
    { project: "q", stack: "dev" },
  ];
  expect([
    batchIndexOf(batch, "acme/q/dev"),
    batchIndexOf(batch, "p/dev"),
    batchIndexOf(batch, "dev"),
    batchIndexOf(batch, "acme/r/dev"),
  ]).toEqual([1, 0, 0, -1]);
});

test("a program that throws is a ProgramError with the stack and the first line of the message (not an InputError)", async () => {
  const p = planStack({ projectDir: FIXTURE, stack: "broken" });
  await expect(p).rejects.toBeInstanceOf(ProgramError);
  await expect(p).rejects.not.toBeInstanceOf(InputError);
  const e = (await p.catch((x: unknown) => x)) as ProgramError;
  expect([e.name, e.stackName, e.firstLine, e.message]).toEqual([
    "ProgramError",
    "broken",
    "the fixture program failed on purpose",
    "planning stack broken failed: the fixture program failed on purpose",
  ]);
  expect(e.detail).toMatch(/second line of the message/);
  expect(firstLine("\nError: boom\n    at x")).toBe("boom");
});

test("an unknown stack or project directory is an InputError", async () => {
  await expect(planStack({ projectDir: FIXTURE, stack: "nope" })).rejects.toThrow(InputError);
  await expect(planStack({ projectDir: path.join(FIXTURE, "program"), stack: "prod" })).rejects.toThrow(
    /has no Pulumi.yaml/,
  );
});

test("stacks in one batch are isolated: planning dev alone equals dev planned after staging", async () => {
  const root = path.resolve(__dirname, "../..");
  const [stagingFirst, devAfter] = await planStacks(root, ["staging", "dev"]);
  const devAlone = await planStack({ projectDir: root, stack: "dev" });
  expect(devAfter).toEqual(devAlone);
  expect(stagingFirst.resources.some((r) => r.urn.startsWith("urn:pulumi:dev::"))).toBe(false);
  expect(devAfter.resources.every((r) => r.urn.startsWith("urn:pulumi:dev::"))).toBe(true);
});

test("engineConfig passes values as the engine does: strings, JSON for structured values, secrets as flagged placeholders", () => {
  const { config, secretKeys } = engineConfig({
    "p:n": 512,
    "p:b": true,
    "p:s": "x",
    "p:l": ["a"],
    "p:o": { K: "v" },
    "p:t": { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" },
  });
  expect(config).toEqual({
    "p:n": "512",
    "p:b": "true",
    "p:s": "x",
    "p:l": '["a"]',
    "p:o": '{"K":"v"}',
    "p:t": SECRET_PLACEHOLDER,
  });
  expect(secretKeys).toEqual(["p:t"]);
});

describe("the planner runs a program as the engine's nodejs host does", () => {
  const JS = path.join(__dirname, "fixtures/planner-js");
  const limits = { timeoutMs: 20_000, maxMemoryMb: 96 };
  let ok: Awaited<ReturnType<typeof planStack>>;
  const indeterminate: string[][] = [];
  beforeAll(async () => {
    const [r] = await planAll([{ projectDir: JS, stack: "ok", limits }], {
      indeterminate: (_, t) => void indeterminate.push([...t]),
    });
    if (r.status !== "fulfilled") throw r.reason;
    ok = r.value;
  }, 120_000);
  const res = (type: string) => ok.resources.find((r) => r.type === type)!;

  test("plain JavaScript with typescript: false, run in the project directory", () => {
    expect(ok.outputs).toMatchObject({ cwd: JS });
  });

  test("auto-names as <name>-<7 hex>, deterministic per stack, lower-cased for buckets; outputs follow them", async () => {
    const bucket = res("aws:s3/bucket:Bucket");
    expect(bucket.props.bucket).toMatch(/^data-[0-9a-f]{7}$/);
    expect(res("aws:iam/role:Role").props.name).toMatch(/^fn-role-[0-9a-f]{7}$/);
    expect(res("aws:cloudwatch/logGroup:LogGroup").props.name).toBe(`/aws/lambda/${bucket.props.bucket}`);
    expect(ok.outputs).toMatchObject({ bucketName: bucket.props.bucket });
    const again = await planStack({ projectDir: JS, stack: "ok", limits });
    expect(again.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!.props.bucket).toBe(bucket.props.bucket);
  });

  test("a resource passed as an input reaches the plan as its id, as the engine marshals it for an analyzer", () => {
    expect(res("aws:iam/rolePolicyAttachment:RolePolicyAttachment").props.role).toBe(
      res("aws:iam/role:Role").props.name,
    );
  });

  test("getPolicyDocument is computed (IAM JSON as the provider renders it); zones, identity from the stack; others indeterminate", () => {
    expect(JSON.parse(String(res("aws:iam/role:Role").props.assumeRolePolicy))).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "lambda.amazonaws.com" } }],
    });
    expect(ok.outputs).toMatchObject({ firstZone: "eu-west-1a", account: "333333333333" });
    expect(ok.outputs?.vpcId).toBeUndefined();
    expect(indeterminate).toEqual([["aws:ec2/getVpc:getVpc"]]);
  });

  test("each registration carries its source position in the project (relative path)", () => {
    expect(res("aws:iam/role:Role").sourcePosition).toEqual({ file: "index.js", line: 28, column: 16 });
  });

  test("a StackReference to another stack of the project plans that stack first; a cycle is named", async () => {
    const [reads, cycle] = await planAll([
      { projectDir: JS, stack: "reads-ok", limits },
      { projectDir: JS, stack: "cycle-a", limits },
    ]);
    if (reads.status !== "fulfilled") throw reads.reason;
    expect(reads.value.outputs).toEqual({ got: ok.outputs?.bucketName });
    expect(cycle.status).toBe("rejected");
    expect(String((cycle as PromiseRejectedResult).reason.message)).toMatch(
      /^planning stack cycle-a failed: .*a cycle: cycle-b → cycle-a → cycle-b\)$/,
    );
  }, 120_000);

  test("a program that busy-loops, never settles or allocates without bound is stopped and named; the batch goes on", async () => {
    const settled = await planAll(
      ["busy", "never", "alloc", "ok"].map((stack) => ({
        projectDir: JS,
        stack,
        limits: { timeoutMs: 5_000, maxMemoryMb: 96 },
      })),
    );
    const why = settled.map((s) => (s.status === "rejected" ? String(s.reason.message) : "planned"));
    expect(why[0]).toBe(
      "planning stack busy failed: stopped after 5 s: the program did not finish within the planner's time limit (PARITY_PLAN_TIMEOUT_S)",
    );
    expect(why[1]).toMatch(/^planning stack never failed: (the program never finished|stopped after 5 s)/);
    expect(why[2]).toMatch(
      /^planning stack alloc failed: stopped: the program ran out of memory \(limit 96 MB|^planning stack alloc failed: stopped after 5 s/,
    );
    expect(why[3]).toBe("planned");
    expect(settled.every((s) => s.status === "fulfilled" || s.reason instanceof ProgramError)).toBe(true);
  }, 180_000);

  test("a project whose runtime is not nodejs is bad input naming Pulumi.yaml's runtime", async () => {
    const dir = path.join(__dirname, "fixtures/planner-python");
    await expect(planStack({ projectDir: dir, stack: "dev" })).rejects.toThrow(InputError);
    await expect(planStack({ projectDir: dir, stack: "dev" })).rejects.toThrow(
      `${path.join(dir, "Pulumi.yaml")}: runtime is "python": the offline planner runs nodejs programs only (TypeScript or JavaScript)`,
    );
  });

  test("a TypeScript program is type-checked as the engine does: the first diagnostic as file:line:col", async () => {
    const dir = path.resolve(__dirname, "../programs/aws-ts-serverless-raw");
    const e = (await planStack({ projectDir: dir, stack: "dev" }).catch((x: unknown) => x)) as ProgramError;
    expect(e).toBeInstanceOf(ProgramError);
    expect(e.firstLine).toBe(
      "index.ts:120:5 TS2353: Object literal may only specify known properties, and 'stageName' does not exist in type 'DeploymentArgs'.",
    );
  }, 180_000);
});
