"use strict";
/**
 * AnalyzeStack's resources, built once per request. `@pulumi/policy`'s server builds the stack's resource objects
 * (properties proxy, options, provider, parent and dependency links) afresh for every stack policy; build.js moves
 * that code, unchanged, into a function called once per request, and every stack policy gets the same list.
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

/**
 * The request's resources as the SDK built them, frozen; `build` runs once per request. Once built, the request's
 * property Structs (each resource's and its provider's) are dropped from the request messages: everything reads the
 * deserialised copies from then on, and the Structs (the largest part of a request) need not outlive the build.
 */
exports.once = function once(build, requestResources) {
  let list;
  return function stackResources() {
    if (list === undefined) {
      const built = build();
      for (const r of built) freezeResource(r);
      list = Object.freeze(built);
      for (const m of requestResources ?? []) {
        m.setProperties(undefined);
        const provider = m.getProvider();
        if (provider) provider.setProperties(undefined);
      }
    }
    return list;
  };
};
