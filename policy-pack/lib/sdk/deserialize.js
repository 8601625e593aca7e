"use strict";
/**
 * The bundled @pulumi/policy's `./deserialize`, with `deserializeProperties` memoised per request Struct: the SDK
 * deserialises a resource's properties once per policy (and once per stack policy per resource); this makes it once
 * per request. Every policy then wraps the same object in its own proxy, so no policy may mutate it: with
 * PARITY_PACK_FREEZE=1 (tests) the shared objects are deep-frozen, so a mutating policy throws.
 */
const real = require("@pulumi/policy/deserialize.js");
const cache = new WeakMap();
const freeze = process.env.PARITY_PACK_FREEZE === "1";

function deepFreeze(v) {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze(v[k]);
  }
  return v;
}

exports.deserializeProperties = function deserializeProperties(struct, proxySecrets) {
  if (proxySecrets || !struct || typeof struct !== "object") return real.deserializeProperties(struct, proxySecrets);
  let props = cache.get(struct);
  if (props === undefined) {
    props = real.deserializeProperties(struct, false);
    if (freeze) deepFreeze(props);
    cache.set(struct, props);
  }
  return props;
};
exports.serializeProperties = real.serializeProperties;
