/**
 * AnalyzeStack's records (policy-pack/lib/sdk/stack-resources.js, issue 13): the pack's policies read the stack from
 * plain records built from the request messages instead of the SDK's resource objects. Specified here against the
 * published @pulumi/policy server: the view built from the records equals the view built from `args.resources` as
 * the SDK builds it (parents and dependencies in and outside the stack, the parent option, ignoreChanges, protect,
 * providers), and the SDK's list is not built for the records.
 */
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import type { StackValidationArgs } from "@pulumi/policy";
import { viewOf } from "../../policy-pack/lib/define";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const stackResources = require("../../policy-pack/lib/sdk/stack-resources.js");
// @internal in the SDK's typings: the server's AnalyzeStack handler itself
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { makeAnalyzeStackRpcFun } = require("@pulumi/policy/server");

const urn = (name: string) => `urn:pulumi:dev::records-test::aws:s3/bucket:Bucket::${name}`;
const PROVIDER = "urn:pulumi:dev::records-test::pulumi:providers:aws::default";

interface Spec {
  name: string;
  props: Record<string, unknown>;
  parent?: string;
  parentOption?: string;
  dependencies?: string[];
  ignoreChanges?: string[];
  protect?: boolean;
  provider?: Record<string, unknown>;
}

function request(specs: readonly Spec[]) {
  const req = new pb.AnalyzeStackRequest();
  req.setResourcesList(
    specs.map((s) => {
      const m = new pb.AnalyzerResource();
      m.setType("aws:s3/bucket:Bucket");
      m.setUrn(urn(s.name));
      m.setName(s.name);
      m.setProperties(Struct.fromJavaScript(s.props as never));
      const o = new pb.AnalyzerResourceOptions();
      o.setProtect(s.protect === true);
      o.setIgnorechangesList(s.ignoreChanges ?? []);
      if (s.parentOption) o.setParent(s.parentOption);
      m.setOptions(o);
      if (s.parent) m.setParent(s.parent);
      m.setDependenciesList(s.dependencies ?? []);
      if (s.provider) {
        const p = new pb.AnalyzerProviderResource();
        p.setType("pulumi:providers:aws");
        p.setUrn(PROVIDER);
        p.setName("default");
        p.setProperties(Struct.fromJavaScript(s.provider as never));
        m.setProvider(p);
      }
      return m;
    }),
  );
  return req;
}

/** The args the published server hands a stack policy for `req`. */
async function sdkArgs(req: pb.AnalyzeStackRequest): Promise<StackValidationArgs> {
  let seen: StackValidationArgs | undefined;
  const fun = makeAnalyzeStackRpcFun("records-test", "0.0.1", "advisory", [
    {
      name: "capture",
      description: "captures the args",
      enforcementLevel: "advisory",
      validateStack: (args: StackValidationArgs) => {
        seen = args;
      },
    },
  ] as never);
  await new Promise<void>((resolve, reject) =>
    fun({ request: req } as never, (err: unknown) => (err ? reject(err) : resolve())),
  );
  return seen!;
}

const STACK: Spec[] = [
  { name: "root", props: { bucket: "root", tags: { Environment: "dev" } }, provider: { region: "eu-west-1" } },
  { name: "child", props: { bucket: "child", n: 3, list: [1, "a", { b: null }] }, parent: urn("root") },
  { name: "orphan", props: {}, parent: urn("not-in-stack"), parentOption: urn("option-parent") },
  { name: "opt-only", props: { x: true }, parentOption: urn("root"), protect: true, ignoreChanges: ["tags", "x"] },
  { name: "deps", props: { y: "z" }, dependencies: [urn("root"), urn("gone"), urn("child")], provider: { a: "b" } },
];

describe("stack records = the SDK's resources", () => {
  test("the view from the records equals the view from args.resources", async () => {
    const req = request(STACK);
    const fromSdk = viewOf(await sdkArgs(req)).resources;
    let built = 0;
    const once = stackResources.once(() => {
      built++;
      return [];
    }, req.getResourcesList());
    const fromRecords = viewOf({ [Symbol.for("env-parity.stack-records")]: once.records } as never).resources;
    expect(fromRecords).toEqual(fromSdk);
    expect(fromRecords.map((r) => [r.name, r.parent, r.dependencies])).toEqual([
      ["root", undefined, []],
      ["child", urn("root"), []],
      ["orphan", urn("option-parent"), []],
      ["opt-only", urn("root"), []],
      ["deps", undefined, [urn("root"), urn("child")]],
    ]);
    expect(built).toBe(0);
    // the Structs are dropped once the records are built; the SDK's list, built later, still has the properties
    expect(req.getResourcesList()[0].getProperties()).toBeUndefined();
    expect(stackResources.propsOf(req.getResourcesList()[1])).toEqual(STACK[1].props);
  });
});
