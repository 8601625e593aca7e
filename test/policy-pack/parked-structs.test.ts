/**
 * policy-pack/lib/sdk/wire.js: the pack's AnalyzeStack deserialiser parks each property Struct (its bytes kept, its
 * tag moved to a field number the installed messages skip) and decodes it straight to JavaScript on first read.
 * Everything must come out as the installed analyzer_pb decodes it: every other field by `toObject()`, each Struct as
 * `Struct.toJavaScript()` gives it (keys sorted, the last of a repeated key winning, NaN/±Infinity/-0 kept, the same
 * "Unexpected struct type" for a Value without a kind); a request of another shape is decoded by the installed code
 * alone, with nothing parked.
 */
import * as fs from "fs";
import * as path from "path";
import { createRequire } from "module";
import fc from "fast-check";
import type * as analyzerPbTypes from "@pulumi/pulumi/proto/analyzer_pb";
import type * as structPbTypes from "google-protobuf/google/protobuf/struct_pb";
import type { SnapshotResource } from "../../consistency-rules/src/model";
import { analyzeStackRequestBytes } from "../../policy-pack/harness";
import { ENVS, PACK_DIR, paymentsStack, referenceStack } from "./fixtures";

const req = createRequire(require.resolve("@pulumi/pulumi/package.json", { paths: [PACK_DIR] }));
const pb = req("./proto/analyzer_pb") as typeof analyzerPbTypes;
const grpcPb = req("./proto/analyzer_grpc_pb") as {
  AnalyzerService: { analyzeStack: { requestDeserialize: (b: Buffer) => analyzerPbTypes.AnalyzeStackRequest } };
};
const { Struct } = createRequire(require.resolve("@pulumi/pulumi/package.json", { paths: [PACK_DIR] }))(
  "google-protobuf/google/protobuf/struct_pb",
) as typeof structPbTypes;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const wire = require("../../policy-pack/lib/sdk/wire.js") as {
  decodeStruct(b: Uint8Array): Record<string, unknown>;
  structOf(m: object): { toJavaScript(): Record<string, unknown> } | undefined;
  parkingDeserializer(
    d: (b: Buffer) => analyzerPbTypes.AnalyzeStackRequest,
  ): (b: Buffer) => analyzerPbTypes.AnalyzeStackRequest;
};
const parking = wire.parkingDeserializer(grpcPb.AnalyzerService.analyzeStack.requestDeserialize);

/** What the installed code decodes, against what the parking deserialiser gives, resource by resource. */
function expectSameDecoding(bytes: Uint8Array): { parked: number } {
  const installed = pb.AnalyzeStackRequest.deserializeBinary(bytes).getResourcesList();
  const got = parking(Buffer.from(bytes)).getResourcesList();
  expect(got).toHaveLength(installed.length);
  let parked = 0;
  installed.forEach((f, i) => {
    const g = got[i];
    const rest = (m: analyzerPbTypes.AnalyzerResource) => {
      const o = m.toObject();
      delete o.properties;
      if (o.provider) delete o.provider.properties;
      return o;
    };
    expect(rest(g)).toEqual(rest(f));
    if (f.getProperties()) {
      if (g.getProperties() === undefined) parked++;
      expect(wire.structOf(g)!.toJavaScript()).toEqual(f.getProperties()!.toJavaScript());
    }
    const fp = f.getProvider()?.getProperties();
    if (fp) expect(wire.structOf(g.getProvider()!)!.toJavaScript()).toEqual(fp.toJavaScript());
  });
  return { parked };
}

const structBytes = (o: Record<string, unknown>) =>
  Struct.fromJavaScript(o as Parameters<typeof Struct.fromJavaScript>[0]).serializeBinary();

describe("decodeStruct is Struct.deserializeBinary(bytes).toJavaScript()", () => {
  test("any JSON object (nested objects and lists, unicode keys and strings, numbers, null, empty)", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 4 })), (o) => {
        const bytes = structBytes(o);
        expect(wire.decodeStruct(bytes)).toEqual(Struct.deserializeBinary(bytes).toJavaScript());
      }),
      { numRuns: 400 },
    );
  });

  test("entries in any order and repeated keys (Go writes map entries unsorted): sorted keys, the last one wins", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom("a", "b", "c", "é", "", "10", "2"), fc.jsonValue({ maxDepth: 2 }))),
        (entries) => {
          // concatenated Structs are one Struct holding every entry, in this order
          const bytes = Buffer.concat(entries.map(([k, v]) => structBytes({ [k]: v })));
          const want = Struct.deserializeBinary(bytes).toJavaScript();
          const got = wire.decodeStruct(bytes);
          expect(got).toEqual(want);
          expect(Object.keys(got)).toEqual(Object.keys(want));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("NaN, ±Infinity and -0 come back as the installed decoder gives them", () => {
    const bytes = structBytes({ nan: NaN, inf: Infinity, ninf: -Infinity, nz: -0, list: [NaN] });
    const got = wire.decodeStruct(bytes);
    expect(got).toEqual(Struct.deserializeBinary(bytes).toJavaScript());
    expect(Object.is(got.nz, -0)).toBe(true);
  });

  test("a Value without a kind throws as toJavaScript() throws", () => {
    // fields { "a": Value {} }
    const bytes = Uint8Array.from([0x0a, 0x05, 0x0a, 0x01, 0x61, 0x12, 0x00]);
    expect(() => Struct.deserializeBinary(bytes).toJavaScript()).toThrow("Unexpected struct type");
    expect(() => wire.decodeStruct(bytes)).toThrow("Unexpected struct type");
  });
});

describe("the parking deserialiser decodes AnalyzeStack requests as the installed one does", () => {
  test("both reference projects' stacks, every Struct parked", () => {
    for (const s of [...ENVS.map((e) => referenceStack(e)), ...ENVS.map((e) => paymentsStack(e))]) {
      const bytes = analyzeStackRequestBytes(PACK_DIR, s.resources);
      const { parked } = expectSameDecoding(bytes);
      expect(parked).toBe(s.resources.length);
    }
  });

  test("the state of real files written elsewhere (Pulumi's checkpoints, pulumi-aws stack exports), every Struct parked", () => {
    const real = path.join(__dirname, "..", "fixtures", "real");
    const files = [
      ...["checkpoint-v0", "checkpoint-v1", "checkpoint-v3", "checkpoint-v4", "checkpoint-secrets"].map((f) =>
        path.join(real, "pulumi", `${f}.json`),
      ),
      ...["bucket-5.42.0-stack", "secretversion-5.42.0-stack"].map((f) => path.join(real, "pulumi-aws", `${f}.json`)),
    ];
    let total = 0;
    for (const file of files) {
      const doc = JSON.parse(fs.readFileSync(file, "utf8"));
      const state: Record<string, unknown>[] = (doc.deployment ?? doc.checkpoint?.latest ?? doc.latest).resources;
      // as the engine's stateToAnalyzerResource sends a state resource to AnalyzeStack: its outputs as properties
      const resources = state.map(
        (r) =>
          ({
            type: r.type,
            urn: r.urn,
            name: String(r.urn).split("::").pop(),
            props: (r.outputs ?? {}) as Record<string, unknown>,
            parent: r.parent || undefined,
            dependencies: (r.dependencies as string[] | undefined) ?? [],
            provider: (r.provider as string | undefined) || undefined,
            custom: r.custom !== false,
          }) as unknown as SnapshotResource,
      );
      const { parked } = expectSameDecoding(analyzeStackRequestBytes(PACK_DIR, resources));
      expect(parked).toBe(resources.length);
      total += parked;
    }
    expect(total).toBeGreaterThan(100);
  });

  test("random stacks: properties, providers with and without properties, options, dependencies", () => {
    const base = referenceStack("dev").resources;
    const provider = base.find((r) => r.type.startsWith("pulumi:providers:"))!;
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            props: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })),
            protect: fc.boolean(),
            withProvider: fc.boolean(),
            providerProps: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
          }),
          { maxLength: 6 },
        ),
        (rs) => {
          const resources: SnapshotResource[] = rs.flatMap((x, i) => {
            const p = { ...provider, name: `p${i}`, urn: `${provider.urn}${i}`, props: x.providerProps };
            const r: SnapshotResource = {
              ...base[1],
              name: `r${i}`,
              urn: `${base[1].urn}${i}`,
              props: x.props,
              protect: x.protect,
              provider: x.withProvider ? `${p.urn}::id${i}` : undefined,
              dependencies: i > 0 ? [`${base[1].urn}${i - 1}`] : [],
            };
            return x.withProvider ? [p, r] : [r];
          });
          expectSameDecoding(analyzeStackRequestBytes(PACK_DIR, resources));
        },
      ),
      { numRuns: 150 },
    );
  });

  test("a request of another shape is left to the installed code: nothing parked, the same decoding", () => {
    const r = new pb.AnalyzerResource();
    r.setType("aws:s3/bucket:Bucket");
    r.setProperties(Struct.fromJavaScript({ bucket: "b" }));
    const one = Buffer.from(r.serializeBinary());
    const resource = (body: Buffer) => Buffer.concat([Buffer.from([0x0a, body.length]), body]);
    const shapes = [
      // properties given twice (an empty Struct appended to the resource)
      Buffer.concat([resource(Buffer.concat([one, Buffer.from([0x12, 0x00])])), resource(one)]),
      // a group (wire type 3/4, which the protocol never uses) inside a resource
      Buffer.concat([resource(one), resource(Buffer.concat([one, Buffer.from([0x7b, 0x7c])]))]),
    ];
    for (const bytes of shapes) {
      let installed: object[] | Error;
      try {
        installed = pb.AnalyzeStackRequest.deserializeBinary(bytes)
          .getResourcesList()
          .map((m) => m.toObject());
      } catch (e) {
        installed = e as Error;
      }
      if (installed instanceof Error) {
        expect(() => parking(Buffer.from(bytes))).toThrow();
        continue;
      }
      const got = parking(Buffer.from(bytes)).getResourcesList();
      expect(got.map((m) => m.toObject())).toEqual(installed);
      expect(got.every((m) => wire.structOf(m) === m.getProperties())).toBe(true);
    }
  });
});
