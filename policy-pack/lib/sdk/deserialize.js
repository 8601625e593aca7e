"use strict";
/**
 * The bundled @pulumi/policy's `./deserialize`, with `deserializeProperties` memoised per request Struct: the SDK
 * deserialises a resource's properties once per policy (and once per stack policy per resource); this makes it once
 * per request. Every policy then wraps the same object in its own proxy, so no policy may mutate it: with
 * PARITY_PACK_FREEZE=1 (tests) the shared objects are deep-frozen, so a mutating policy throws.
 *
 * The walk is the SDK's `deserializeProperty` (plain values, arrays, objects; a secret becomes its plaintext), in
 * one pass that also records where it unwrapped a secret (./secrets.js: nothing is recorded, and nothing extra done,
 * for properties without one). Assets and archives are handed to the SDK's own code, as is `proxySecrets`.
 */
const real = require("@pulumi/policy/deserialize.js");
const secrets = require("./secrets.js");
const cache = new WeakMap();
const freeze = process.env.PARITY_PACK_FREEZE === "1";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

function deepFreeze(v) {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze(v[k]);
  }
  return v;
}

/** An asset or archive (or a signature the SDK rejects): the SDK's own deserialisation of that one value. */
function bySdk(prop) {
  return real.deserializeProperties({ toJavaScript: () => ({ v: prop }) }, false).v;
}

/**
 * The SDK's deserializeProperty (proxySecrets off). `segs` is the path so far; `found` collects `{ segs, value }`
 * for each secret (created on the first one).
 */
function property(prop, segs, st) {
  if (prop === undefined) throw new Error("unexpected undefined property value during deserialization");
  if (prop === null || typeof prop !== "object") return prop;
  if (Array.isArray(prop)) {
    const elems = new Array(prop.length);
    for (let i = 0; i < prop.length; i++) {
      segs.push(String(i));
      elems[i] = property(prop[i], segs, st);
      segs.pop();
    }
    return elems;
  }
  const sig = prop[SIG_KEY];
  if (sig) {
    if (sig !== SECRET_SIG) return bySdk(prop);
    const value = property(prop.value, segs, st);
    (st.found ??= []).push({ segs: segs.slice(), value });
    return value;
  }
  const obj = {};
  for (const k of Object.keys(prop)) {
    segs.push(k);
    obj[k] = property(prop[k], segs, st);
    segs.pop();
  }
  return obj;
}

/** The SDK's deserializeProperties (proxySecrets off), recording the secrets it unwraps. */
function deserialize(struct) {
  const props = {};
  const outputs = struct.toJavaScript();
  const st = { found: undefined };
  const segs = [];
  for (const k of Object.keys(outputs)) {
    // We treat properties with undefined values as if they do not exist.
    if (outputs[k] !== undefined) {
      segs.push(k);
      props[k] = property(outputs[k], segs, st);
      segs.pop();
    }
  }
  if (st.found) secrets.record(props, st.found);
  return props;
}

exports.deserializeProperties = function deserializeProperties(struct, proxySecrets) {
  if (proxySecrets || !struct || typeof struct !== "object") return real.deserializeProperties(struct, proxySecrets);
  let props = cache.get(struct);
  if (props === undefined) {
    props = deserialize(struct);
    if (freeze) deepFreeze(props);
    cache.set(struct, props);
  }
  return props;
};
exports.serializeProperties = real.serializeProperties;
