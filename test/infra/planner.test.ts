/** The offline planner itself, on a fixture program: StackReference answers, secrets, options, failures, isolation. */
import * as path from "node:path";
import { engineConfig, planStack, planStacks } from "../../cli/sources/plan";
import { InputError } from "../../consistency-rules/src/errors";
import { SECRET_PLACEHOLDER, SECRET_SIG, SIG_KEY } from "../../consistency-rules/src/sentinels";

const FIXTURE = path.join(__dirname, "fixtures/stackref-project");
const DEV_OUTPUTS = { devTasksQueueName: "dev-ingest-tasks-queue-x1", devRawBucketName: "dev-ingest-raw-bucket-x1" };

test("answers StackReference reads from stackOutputs, keeps secrets secret, records options and dependencies", async () => {
  const s = await planStack({ projectDir: FIXTURE, stack: "prod", stackOutputs: { "acme/data-platform/dev": DEV_OUTPUTS } });
  expect(s.context).toEqual({ env: "prod", stack: "prod", project: "stackref-fixture" });
  const ref = s.resources.find((r) => r.type === "pulumi:pulumi:StackReference")!;
  expect(ref.props).toEqual({ name: "acme/data-platform/dev" });
  const queue = s.resources.find((r) => r.name === "replica-queue")!;
  expect(queue.props).toMatchObject({ name: "dev-ingest-tasks-queue-x1-replica", tags: { Source: "dev-ingest-raw-bucket-x1" } });
  expect(queue.protect).toBe(true);
  const param = s.resources.find((r) => r.name === "api-key")!;
  expect(param.retainOnDelete).toBe(true);
  expect(param.dependencies).toContain(queue.urn);
  expect(param.props.value).toEqual({ [SIG_KEY]: SECRET_SIG });
  expect(s.config).toEqual({ "stackref-fixture:sourceStack": "acme/data-platform/dev", "stackref-fixture:apiKey": { [SIG_KEY]: SECRET_SIG } });
  // __dirname inside the program is the program's directory, as under the engine.
  expect(s.outputs).toEqual({ replicaQueueName: "dev-ingest-tasks-queue-x1-replica", workingDir: path.join(FIXTURE, "program") });
});

test("a StackReference to a stack without given outputs fails the plan, naming the stack", async () => {
  await expect(planStack({ projectDir: FIXTURE, stack: "prod" })).rejects.toThrow(/StackReference acme\/data-platform\/dev: no outputs given/);
});

test("a program that throws fails with its message (an internal error, not an InputError)", async () => {
  const p = planStack({ projectDir: FIXTURE, stack: "broken" });
  await expect(p).rejects.toThrow(/the fixture program failed on purpose/);
  await expect(p).rejects.not.toBeInstanceOf(InputError);
});

test("an unknown stack or project directory is an InputError", async () => {
  await expect(planStack({ projectDir: FIXTURE, stack: "nope" })).rejects.toThrow(InputError);
  await expect(planStack({ projectDir: path.join(FIXTURE, "program"), stack: "prod" })).rejects.toThrow(/has no Pulumi.yaml/);
});

test("stacks in one batch are isolated: planning dev alone equals dev planned after prod", async () => {
  const root = path.resolve(__dirname, "../..");
  const [prodFirst, devAfter] = await planStacks(root, ["prod", "dev"]);
  const devAlone = await planStack({ projectDir: root, stack: "dev" });
  expect(devAfter).toEqual(devAlone);
  expect(prodFirst.resources.some((r) => r.urn.startsWith("urn:pulumi:dev::"))).toBe(false);
  expect(devAfter.resources.every((r) => r.urn.startsWith("urn:pulumi:dev::"))).toBe(true);
});

test("engineConfig passes values as the engine does: strings, JSON for structured values, secrets as flagged placeholders", () => {
  const { config, secretKeys } = engineConfig({ "p:n": 512, "p:b": true, "p:s": "x", "p:l": ["a"], "p:o": { K: "v" }, "p:t": { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" } });
  expect(config).toEqual({ "p:n": "512", "p:b": "true", "p:s": "x", "p:l": '["a"]', "p:o": '{"K":"v"}', "p:t": SECRET_PLACEHOLDER });
  expect(secretKeys).toEqual(["p:t"]);
});
