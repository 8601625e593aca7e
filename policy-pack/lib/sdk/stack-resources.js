"use strict";
/**
 * AnalyzeStack's resources, built once per request. `@pulumi/policy`'s server builds the stack's resource objects
 * (properties proxy, options, provider, parent and dependency links) afresh for every stack policy; build.js moves
 * that code, unchanged, into a function called once per request and only when a policy reads `args.resources`;
 * the pack's own policies read plain records built from the messages (`records`, handed to them by build.js as
 * `args[Symbol.for("env-parity.stack-records")]`).
 *
 * Shared, so frozen: the list and each resource (a policy that tried to sort the list or set a field would throw
 * instead of changing what the next policy sees). With PARITY_PACK_FREEZE=1 (tests) everything reachable is frozen
 * too: options, dependency lists, the provider (the properties are deep-frozen by ./deserialize.js).
 */
const deep = process.env.PARITY_PACK_FREEZE === "1";

function freezeResource(r) {
  if (deep) {
    if (r.opts) {
      for (const v of Object.values(r.opts)) if (v && typeof v === "object") Object.freeze(v);
      Object.freeze(r.opts);
    }
    Object.freeze(r.dependencies);
    for (const v of Object.values(r.propertyDependencies)) Object.freeze(v);
    Object.freeze(r.propertyDependencies);
    if (r.provider) Object.freeze(r.provider);
  }
  return Object.freeze(r);
}

const deserialize = require("./deserialize");
const wire = require("./wire");
const { UNKNOWN_SENTINELS } = require("../values");

/** Every unknown sentinel's UTF-8 bytes: a Struct whose bytes hold none of them holds no unknown (see `clean`). */
const SENTINEL_BYTES = [...UNKNOWN_SENTINELS].map((s) => Buffer.from(s, "utf8"));
/** Deserialised properties decoded from Struct bytes that hold no unknown sentinel. */
const cleanProps = new WeakSet();

/** Deserialised properties by request message (a resource's or its provider's), so the Structs can be dropped. */
const propsByMessage = new WeakMap();

/**
 * A message's properties, deserialised once (the SDK's `deserializeProperties(m.getProperties(), false)`, from the
 * Struct bytes ./wire.js parked where it did): both the SDK's resource build (build.js rewrites its two calls to this)
 * and {@link records} read them here, so either may run after the other has dropped the request's Structs.
 */
function propsOf(m) {
  let props = propsByMessage.get(m);
  if (props === undefined) {
    const struct = wire.structOf(m, SENTINEL_BYTES);
    props = deserialize.deserializeProperties(struct, false);
    if (struct && struct.clean === true) cleanProps.add(props);
    propsByMessage.set(m, props);
  }
  return props;
}
exports.propsOf = propsOf;

/** Drops the request's property Structs (each resource's and its provider's): everything reads {@link propsOf}. */
function dropStructs(requestResources) {
  for (const m of requestResources ?? []) {
    propsOf(m);
    m.setProperties(undefined);
    const provider = m.getProvider();
    if (provider) {
      propsOf(provider);
      provider.setProperties(undefined);
    }
  }
}

/**
 * The stack as the pack's policies read it, straight from the request messages (no SDK resource objects, proxies or
 * links): per resource its type, name, URN, properties, `protect`, `ignoreChanges`, parent and dependencies as the
 * SDK's resource list gives them (parent: the parent resource's URN if it is in the stack, else the `parent` option;
 * dependencies: those in the stack), and its provider's properties; `clean` when neither the properties nor the
 * provider's hold an unknown sentinel (known from their bytes: the policies then need not search them for one).
 */
function records(requestResources) {
  const urns = new Set();
  for (const m of requestResources) urns.add(m.getUrn());
  const out = new Array(requestResources.length);
  for (let i = 0; i < requestResources.length; i++) {
    const m = requestResources[i];
    const opts = m.getOptions();
    // as the SDK's getResourceOptions
    if (!opts)
      throw new Error(
        "A more recent version of the Pulumi CLI is required. To upgrade, see https://www.pulumi.com/docs/get-started/install/",
      );
    const parent = m.getParent();
    const provider = m.getProvider();
    const dependencies = m.getDependenciesList().filter((d) => urns.has(d));
    const ignoreChanges = opts.getIgnorechangesList();
    if (deep) {
      Object.freeze(dependencies);
      Object.freeze(ignoreChanges);
    }
    const props = propsOf(m);
    const providerProps = provider ? propsOf(provider) : undefined;
    out[i] = {
      type: m.getType(),
      name: m.getName(),
      urn: m.getUrn(),
      props,
      protect: opts.getProtect() === true,
      ignoreChanges,
      parent: parent && urns.has(parent) ? parent : opts.getParent() || undefined,
      dependencies,
      providerProps,
      clean: cleanProps.has(props) && (providerProps === undefined || cleanProps.has(providerProps)),
    };
  }
  return out;
}

/**
 * The request's resources as the SDK built them, frozen; `build` runs once per request, and only if something reads
 * `args.resources` (the pack's policies read {@link records} through `stackResources.records`). Once either is built,
 * the request's property Structs are dropped from the request messages: everything reads the deserialised copies
 * from then on, and the Structs (the largest part of a request) need not outlive the build.
 */
exports.once = function once(build, requestResources) {
  let list;
  let recs;
  function stackResources() {
    if (list === undefined) {
      const built = build();
      for (const r of built) freezeResource(r);
      list = Object.freeze(built);
      dropStructs(requestResources);
    }
    return list;
  }
  stackResources.records = function stackRecords() {
    if (recs === undefined) {
      recs = records(requestResources ?? []);
      dropStructs(requestResources);
    }
    return recs;
  };
  return stackResources;
};
