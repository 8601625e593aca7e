/**
 * The harness writes its requests' bytes itself (properties straight into a Struct, no message object per value):
 * they must be the bytes the protocol's generated serializers write for the same message, so the pack receives what
 * it received when the harness built the messages with jspb setters. Each request is decoded by the installed
 * analyzer_pb and re-encoded by its generated serializer: the bytes must come back unchanged (canonical: fields in
 * number order, map entries in key order, defaults left out), and the decoded fields must be the resource's.
 */
import { createRequire } from "module";
import fc from "fast-check";
import type * as analyzerPbTypes from "@pulumi/pulumi/proto/analyzer_pb";
import type { Snapshot, SnapshotResource } from "../../consistency-rules/src/model";
import { analyzeRequestBytes, analyzeStackRequestBytes, toWire } from "../../policy-pack/harness";
import { stackPolicyOutputs } from "../../consistency-rules/src/lock";
import { ENVS, PACK_DIR, paymentsStack, referenceStack } from "./fixtures";

const req = createRequire(require.resolve("@pulumi/pulumi/package.json", { paths: [PACK_DIR] }));
const pb = req("./proto/analyzer_pb") as typeof analyzerPbTypes;

const same = (a: Uint8Array, b: Uint8Array) => expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);

function checkAnalyze(r: SnapshotResource, providers: ReadonlyMap<string, SnapshotResource>): void {
  const bytes = analyzeRequestBytes(PACK_DIR, r, providers);
  const m = pb.AnalyzeRequest.deserializeBinary(bytes);
  same(m.serializeBinary(), bytes);
  expect([m.getType(), m.getUrn(), m.getName()]).toEqual([r.type, r.urn, r.name]);
  expect(m.getProperties()!.toJavaScript()).toEqual(toWire(r.props) ?? {});
  expect(m.getOptions()!.getProtect()).toBe(r.protect === true);
  const pr = r.provider ? providers.get(r.provider.slice(0, r.provider.lastIndexOf("::"))) : undefined;
  if (pr) {
    expect(m.getProvider()!.getUrn()).toBe(pr.urn);
    expect(m.getProvider()!.getProperties()!.toJavaScript()).toEqual(toWire(pr.props) ?? {});
  } else expect(m.getProvider()).toBeUndefined();
}

const stacks = (): Snapshot[] => [...ENVS.map((e) => referenceStack(e)), ...ENVS.map((e) => paymentsStack(e))];

describe("the harness's request bytes are the generated serializers'", () => {
  test("Remediate/Analyze of every resource of both reference projects", () => {
    let withProvider = 0;
    for (const s of stacks()) {
      const byUrn = new Map(s.resources.map((r) => [r.urn, r]));
      for (const r of s.resources) {
        checkAnalyze(r, byUrn);
        if (r.provider && byUrn.has(r.provider.slice(0, r.provider.lastIndexOf("::")))) withProvider++;
      }
    }
    expect(withProvider).toBeGreaterThan(0);
  });

  test("AnalyzeStack of both reference projects", () => {
    for (const s of stacks()) {
      const bytes = analyzeStackRequestBytes(PACK_DIR, s.resources);
      const m = pb.AnalyzeStackRequest.deserializeBinary(bytes);
      same(m.serializeBinary(), bytes);
      const got = m.getResourcesList();
      expect(got.map((x) => x.getUrn())).toEqual(s.resources.map((r) => r.urn));
      got.forEach((x, i) => {
        const r = s.resources[i];
        expect(x.getProperties()!.toJavaScript()).toEqual(toWire(stackPolicyOutputs(r) ?? r.props) ?? {});
        expect([x.getType(), x.getName(), x.getParent(), x.getDependenciesList()]).toEqual([
          r.type,
          r.name,
          r.parent ?? "",
          [...r.dependencies],
        ]);
      });
    }
  });

  test("any JSON properties (nested objects and lists, unicode keys and strings, numbers, null, empty)", () => {
    const base = referenceStack("dev").resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })), fc.boolean(), (props, protect) => {
        const r = { ...base, props, protect, provider: undefined, parent: undefined } as SnapshotResource;
        checkAnalyze(r, new Map());
        const bytes = analyzeStackRequestBytes(PACK_DIR, [r]);
        same(pb.AnalyzeStackRequest.deserializeBinary(bytes).serializeBinary(), bytes);
      }),
      { numRuns: 300 },
    );
  });
});

test("a value no Struct can hold is refused as Value.fromJavaScript refuses it", () => {
  const base = referenceStack("dev").resources[1];
  expect(() =>
    analyzeRequestBytes(PACK_DIR, { ...base, props: { f: () => 1 } } as unknown as SnapshotResource),
  ).toThrow(/Unexpected struct type/);
});
