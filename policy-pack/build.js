#!/usr/bin/env node
/**
 * Bundles the pack (index.ts + policies + lib + the consistency-rules library and its bundled rule sets) into
 * dist/index.js, so `npm pack` carries everything and the pack starts without ts-node.
 *
 * @pulumi/policy is bundled too, with its two imports of the SDK's heavy modules replaced by small shims
 * (lib/sdk/: the `@pulumi/pulumi` index would load the whole SDK, automation API included; `runtime/rpc` the
 * SDK runtime), its per-policy deserialisation memoised per request (lib/sdk/deserialize.js), and its AnalyzeStack
 * building the stack's resource objects once per request instead of once per stack policy (the SDK's own code,
 * moved by {@link shareStackResources}; lib/sdk/stack-resources.js freezes the shared list).
 * The protocol stays the installed one: `@pulumi/pulumi/proto/*`, `@grpc/grpc-js`, `google-protobuf` (and the
 * asset/output submodules the shim loads on first use) are external.
 *
 * Guards (the build fails, not the engine, when an SDK bump breaks the shim):
 *  - every `pulumi_1.<member>` / `rpc_1.<member>` the bundled @pulumi/policy sources use is provided by the shim;
 *  - each shimmed signature equals the installed `@pulumi/pulumi/runtime/rpc` value;
 *  - the server still deserialises through `require("./deserialize")` (the memoised replacement took effect);
 *  - the server's AnalyzeStack still builds its resources in the one block the build moves (else the build fails);
 *  - no @pulumi/pulumi file was bundled;
 *  - loading the bundle (as the runner does, up to serving) loads neither the SDK index nor its automation API.
 */
const esbuild = require("esbuild");
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");
const { precompiledPlugin } = require("./scripts/precompiled-plugin");

const SDK = path.join(__dirname, "lib", "sdk");
const POLICY_DIR = path.dirname(require.resolve("@pulumi/policy/package.json", { paths: [__dirname] }));

const STACK_BEGIN = "const resources = req.getResourcesList();";
const BUILD_BEGIN = "const intermediates = [];";
/** Where each stack policy's args take the built list (the end of the moved block). */
const BUILD_USE = /const args = \{\s*resources: intermediates\.map\(r => r\.resource\),/g;
/** How the server deserialises a stack resource's and a provider's properties (both then read lib/sdk's `propsOf`). */
const RESOURCE_PROPS = "deserialize_1.deserializeProperties(r.getProperties(), false)";
const PROVIDER_PROPS = "deserialize_1.deserializeProperties(prov.getProperties(), false)";
const SHARED_PROPS = (m) => `require("env-parity-sdk/stack-resources").propsOf(${m})`;
/** Where the server registers the installed service definition (AnalyzeStack's deserialiser then parks the Structs). */
const ADD_SERVICE = "server.addService(analyzerrpc.AnalyzerService, {";
const PARKED_SERVICE =
  'server.addService(require("env-parity-sdk/wire").withParkedStackProperties(analyzerrpc.AnalyzerService), {';
/** The args key under which each stack policy finds the request's records (policy-pack/lib/define.ts reads it). */
const RECORDS_KEY = "env-parity.stack-records";

/**
 * @pulumi/policy/server.js with AnalyzeStack's per-policy block that builds the resource objects (from
 * `const intermediates = [];` to `const args = { resources: intermediates.map(…)`) moved, verbatim, into a function
 * the request runs once, when a policy first reads `args.resources` (`once` in lib/sdk/stack-resources.js); each
 * stack policy's `args.resources` is then that one frozen list. Each policy's args also carry the request's plain
 * records (`args[Symbol.for("env-parity.stack-records")]()`: what the pack's own policies read, no SDK objects), and
 * the block and the provider's build take their deserialised properties from the shim's `propsOf`. Throws if the server's code no longer has exactly that shape (an SDK bump: the build fails, not
 * the engine).
 */
function shareStackResources(src) {
  const count = (s) => src.split(s).length - 1;
  const uses = [...src.matchAll(BUILD_USE)];
  const head = src.indexOf(STACK_BEGIN);
  const begin = src.indexOf(BUILD_BEGIN);
  const problem =
    count(STACK_BEGIN) !== 1 || count(BUILD_BEGIN) !== 1
      ? `"${STACK_BEGIN}" or "${BUILD_BEGIN}" not found exactly once`
      : uses.length !== 1
        ? `"const args = { resources: intermediates.map(r => r.resource)," found ${uses.length} times`
        : !(head < begin && begin < uses[0].index)
          ? "the blocks are not in order"
          : undefined;
  if (problem)
    throw new Error(
      `policy-pack: @pulumi/policy/server.js AnalyzeStack no longer has the shape build.js shares (${problem}): update shareStackResources`,
    );
  const end = uses[0].index;
  const block = src.slice(begin, end);
  if (count(ADD_SERVICE) !== 1)
    throw new Error(
      `policy-pack: @pulumi/policy/server.js no longer registers its service as "${ADD_SERVICE}" once: update shareStackResources`,
    );
  if (count(RESOURCE_PROPS) !== 1 || !block.includes(RESOURCE_PROPS) || count(PROVIDER_PROPS) !== 1)
    throw new Error(
      `policy-pack: @pulumi/policy/server.js no longer deserialises a stack resource's properties as "${RESOURCE_PROPS}" (in the shared block) and its provider's as "${PROVIDER_PROPS}", once each: update shareStackResources`,
    );
  const hoisted =
    `${STACK_BEGIN}\n            const stackResources__ = require("env-parity-sdk/stack-resources").once(() => {\n` +
    `${block.replace(RESOURCE_PROPS, () => SHARED_PROPS("r"))}return intermediates.map(r => r.resource);\n            }, resources);`;
  return (
    src.slice(0, head) +
    hoisted +
    src.slice(head + STACK_BEGIN.length, begin) +
    "const args = {\n                            get resources() { return stackResources__(); },\n" +
    `                            [Symbol.for("${RECORDS_KEY}")]: stackResources__.records,` +
    src.slice(end + uses[0][0].length)
  )
    .replace(PROVIDER_PROPS, () => SHARED_PROPS("prov"))
    .replace(ADD_SERVICE, () => PARKED_SERVICE);
}

/** Redirects the SDK's heavy imports inside @pulumi/policy to the shims; everything else of @pulumi/pulumi stays external. */
const shimPlugin = {
  name: "pulumi-sdk-shim",
  setup(build) {
    build.onResolve({ filter: /^@pulumi\/pulumi$/ }, () => ({ path: path.join(SDK, "pulumi.js") }));
    build.onResolve({ filter: /^@pulumi\/pulumi\/runtime\/rpc$/ }, () => ({ path: path.join(SDK, "rpc.js") }));
    build.onResolve({ filter: /^\.\/deserialize$/ }, (args) =>
      path.resolve(args.resolveDir) === POLICY_DIR && path.basename(args.importer) === "server.js"
        ? { path: path.join(SDK, "deserialize.js") }
        : undefined,
    );
    build.onResolve({ filter: /^env-parity-sdk\/(stack-resources|wire)$/ }, (args) => ({
      path: path.join(SDK, `${args.path.split("/")[1]}.js`),
    }));
    build.onLoad({ filter: /[\\/]@pulumi[\\/]policy[\\/]server\.js$/ }, (args) =>
      path.dirname(args.path) === POLICY_DIR
        ? { contents: shareStackResources(fs.readFileSync(args.path, "utf8")), loader: "js", resolveDir: POLICY_DIR }
        : undefined,
    );
    build.onResolve({ filter: /^(@pulumi\/pulumi\/|@grpc\/grpc-js|google-protobuf)/ }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

function guardShim() {
  const problems = [];
  const shimPulumi = require(path.join(SDK, "pulumi.js"));
  const shimRpc = require(path.join(SDK, "rpc.js"));
  const installedRpc = require(require.resolve("@pulumi/pulumi/runtime/rpc", { paths: [POLICY_DIR] }));
  const uses = { pulumi_1: new Set(), rpc_1: new Set() };
  for (const f of fs.readdirSync(POLICY_DIR).filter((f) => f.endsWith(".js"))) {
    const src = fs.readFileSync(path.join(POLICY_DIR, f), "utf8");
    for (const m of src.matchAll(/\b(pulumi_1|rpc_1)\.(\w+)/g)) uses[m[1]].add(m[2]);
    for (const m of src.matchAll(/require\("(@pulumi\/pulumi[^"]*)"\)/g)) {
      const mod = m[1];
      if (
        mod !== "@pulumi/pulumi" &&
        mod !== "@pulumi/pulumi/runtime/rpc" &&
        !mod.startsWith("@pulumi/pulumi/proto/")
      ) {
        problems.push(`@pulumi/policy/${f} requires ${mod}, which the shim does not cover`);
      }
    }
  }
  for (const m of uses.pulumi_1)
    if (!(m in shimPulumi)) problems.push(`@pulumi/policy uses pulumi.${m}, missing from lib/sdk/pulumi.js`);
  for (const m of uses.rpc_1) {
    if (!(m in shimRpc)) problems.push(`@pulumi/policy uses runtime/rpc.${m}, missing from lib/sdk/rpc.js`);
    else if (shimRpc[m] !== installedRpc[m])
      problems.push(`lib/sdk/rpc.js ${m} = ${shimRpc[m]}, the installed SDK has ${installedRpc[m]}`);
  }
  const server = fs.readFileSync(path.join(POLICY_DIR, "server.js"), "utf8");
  if (!/require\("\.\/deserialize"\)/.test(server) || !/deserialize_1\.deserializeProperties\(/.test(server)) {
    problems.push(
      '@pulumi/policy/server.js no longer deserialises through require("./deserialize"): the memoised deserialiser would not apply',
    );
  }
  const real = require(path.join(POLICY_DIR, "deserialize.js"));
  for (const k of Object.keys(real))
    if (k !== "__esModule" && !(k in require(path.join(SDK, "deserialize.js"))))
      problems.push(`@pulumi/policy/deserialize exports ${k}, missing from lib/sdk/deserialize.js`);
  return problems;
}

/**
 * lib/sdk/wire.js against the installed messages: a sample AnalyzeStack request (resources with and without
 * properties and providers, nested and sorted-out-of-order Structs, options, dependencies), encoded by the installed
 * `analyzer_pb`, must decode through the parking deserialiser to exactly what the installed deserialiser gives
 * (every field but the Structs by `toObject()`, the Structs by `toJavaScript()`), with every Struct parked (so the
 * field numbers are still these and the parking number is still unknown to the installed messages).
 */
function guardWire() {
  const wire = require(path.join(SDK, "wire.js"));
  const pb = require(require.resolve("@pulumi/pulumi/proto/analyzer_pb", { paths: [POLICY_DIR] }));
  const grpcPb = require(require.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb", { paths: [POLICY_DIR] }));
  const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [POLICY_DIR] }));
  const req = new pb.AnalyzeStackRequest();
  const sample = (i) => ({ z: i, a: "é😀", nested: { y: [1, "two", true, null, { q: [] }], b: {} }, n: -1.5e300 });
  for (let i = 0; i < 3; i++) {
    const r = new pb.AnalyzerResource();
    r.setType("aws:s3/bucket:Bucket");
    r.setUrn(`urn:pulumi:dev::p::aws:s3/bucket:Bucket::b${i}`);
    r.setName(`b${i}`);
    if (i < 2) r.setProperties(Struct.fromJavaScript(sample(i)));
    const o = new pb.AnalyzerResourceOptions();
    o.setProtect(i === 1);
    o.setIgnorechangesList(["tags"]);
    r.setOptions(o);
    if (i !== 1) {
      const p = new pb.AnalyzerProviderResource();
      p.setType("pulumi:providers:aws");
      p.setUrn("urn:pulumi:dev::p::pulumi:providers:aws::default");
      p.setName("default");
      if (i === 0) p.setProperties(Struct.fromJavaScript({ region: "eu-west-1", version: "7.0.0" }));
      r.setProvider(p);
    }
    r.setParent("urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev");
    r.setDependenciesList([`urn:pulumi:dev::p::x::d${i}`]);
    req.addResources(r);
  }
  const bytes = req.serializeBinary();
  const full = pb.AnalyzeStackRequest.deserializeBinary(bytes).getResourcesList();
  const problems = [];
  let got;
  try {
    got = wire.parkingDeserializer(grpcPb.AnalyzerService.analyzeStack.requestDeserialize)(Buffer.from(bytes));
  } catch (e) {
    return [`lib/sdk/wire.js failed on a sample request: ${e.message}`];
  }
  const parked = got.getResourcesList();
  const rest = (m) => {
    const o = m.toObject();
    delete o.properties;
    if (o.provider) delete o.provider.properties;
    return JSON.stringify(o);
  };
  const js = (m) => (m ? JSON.stringify(wire.structOf(m)?.toJavaScript()) : undefined);
  if (parked.length !== full.length)
    problems.push(`lib/sdk/wire.js: ${parked.length} resources, expected ${full.length}`);
  full.forEach((f, i) => {
    const p = parked[i];
    if (!p) return;
    if (p.getProperties() !== undefined || p.getProvider()?.getProperties() !== undefined)
      problems.push("lib/sdk/wire.js: a parked Struct was decoded by the installed messages (field numbers changed?)");
    if (rest(p) !== rest(f)) problems.push(`lib/sdk/wire.js: resource ${i} differs from the installed decoding`);
    const fullProps = f.getProperties() && JSON.stringify(f.getProperties().toJavaScript());
    const fullProv = f.getProvider()?.getProperties() && JSON.stringify(f.getProvider().getProperties().toJavaScript());
    if (fullProps && js(p) !== fullProps) problems.push(`lib/sdk/wire.js: resource ${i}'s properties differ`);
    if (fullProv && js(p.getProvider()) !== fullProv)
      problems.push(`lib/sdk/wire.js: provider ${i}'s properties differ`);
  });
  return problems;
}

/** Loads the bundle as the runner would (cwd = pack dir) and lists which SDK modules it pulled in before serving. */
function guardLoad(bundle) {
  const probe = `
    const Module = require("module");
    const loaded = [];
    const orig = Module._load;
    Module._load = function (req, parent, isMain) { const r = orig.apply(this, arguments); loaded.push(Module._resolveFilename(req, parent)); return r; };
    const log = console.log; console.log = () => {};
    require(${JSON.stringify(bundle)});
    const bad = loaded.filter((f) => /@pulumi[\\/]pulumi[\\/](index\\.js|automation[\\/])/.test(f));
    log(JSON.stringify(bad));
    process.exit(0);`;
  const out = execFileSync(process.execPath, ["-e", probe], { cwd: __dirname, encoding: "utf8", timeout: 60000 });
  const bad = JSON.parse(out.trim().split("\n").pop());
  return bad.length
    ? [`loading the pack loads ${bad.slice(0, 3).join(", ")} (the shim no longer keeps the SDK index out)`]
    : [];
}

async function main() {
  const out = path.join(__dirname, "dist", "index.js");
  const tmp = path.join(__dirname, "dist", `.index.${process.pid}.js`);
  const shimProblems = [...guardShim(), ...guardWire()];
  if (shimProblems.length)
    throw new Error(
      `policy-pack: the @pulumi/policy shim does not fit the installed SDK:\n  ${shimProblems.join("\n  ")}`,
    );
  const result = await esbuild.build({
    entryPoints: [path.join(__dirname, "index.ts")],
    // Written aside and renamed, so concurrent builds (parallel test files) never expose a half-written pack.
    outfile: tmp,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    sourcemap: "external",
    plugins: [shimPlugin, precompiledPlugin],
    logLevel: "error",
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs);
  const sdkFiles = inputs.filter((i) => i.includes("node_modules/@pulumi/pulumi/"));
  if (sdkFiles.length) throw new Error(`@pulumi/pulumi files were bundled: ${sdkFiles.join(", ")}`);
  for (const name of ["rules", "lock"])
    if (!inputs.includes(`env-parity-precompiled:env-parity-precompiled/${name}`))
      throw new Error(`policy-pack: the ${name} validator was not bundled (env-parity-precompiled/${name})`);
  for (const f of ["deserialize.js", "stack-resources.js", "wire.js"])
    if (!inputs.some((i) => i.endsWith(`lib/sdk/${f}`))) throw new Error(`policy-pack: lib/sdk/${f} was not bundled`);
  const loadProblems = guardLoad(tmp);
  if (loadProblems.length) {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(`${tmp}.map`, { force: true });
    throw new Error(`policy-pack: ${loadProblems.join("; ")}`);
  }
  fs.renameSync(tmp, out);
  fs.renameSync(`${tmp}.map`, `${out}.map`);
  console.log(`policy-pack: bundled ${inputs.length} inputs into dist/index.js`);
}

main().catch((e) => {
  console.error(e.message);
  process.exit(1);
});
