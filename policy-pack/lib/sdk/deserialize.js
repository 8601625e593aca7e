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
/** The SDK's own function, taken before {@link install} may put ours in its place. */
const sdkDeserialize = real.deserializeProperties;
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
  return sdkDeserialize({ toJavaScript: () => ({ v: prop }) }, false).v;
}

/**
 * The SDK's deserializeProperty (proxySecrets off). A secret found is appended to `st.found` as `{ segs, value }`;
 * the path is built on the way back up (each frame adds its key to what its child found), so a walk that finds no
 * secret keeps no path at all.
 */
function property(prop, st) {
  if (prop === undefined) throw new Error("unexpected undefined property value during deserialization");
  if (prop === null || typeof prop !== "object") return prop;
  if (Array.isArray(prop)) {
    const elems = [];
    for (let i = 0; i < prop.length; i++) {
      const before = st.n;
      elems.push(property(prop[i], st));
      if (st.n !== before) under(st, before, String(i));
    }
    return elems;
  }
  const sig = prop[SIG_KEY];
  if (sig) {
    if (sig !== SECRET_SIG) return bySdk(prop);
    const before = st.n;
    const value = property(prop.value, st);
    st.found.splice(before, 0, { segs: [], value }); // the outer secret first, then any inside it
    st.n++;
    return value;
  }
  const obj = {};
  const keys = Object.keys(prop);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const before = st.n;
    obj[k] = property(prop[k], st);
    if (st.n !== before) under(st, before, k);
  }
  return obj;
}

/** The secrets found since `from` lie under `key` (their paths are built reversed, leaf first). */
function under(st, from, key) {
  for (let i = from; i < st.n; i++) st.found[i].segs.push(key);
}

/** The SDK's deserializeProperties (proxySecrets off), recording the secrets it unwraps. */
function deserialize(struct) {
  const props = {};
  const outputs = struct.toJavaScript();
  const st = { found: [], n: 0 };
  for (const k of Object.keys(outputs)) {
    // We treat properties with undefined values as if they do not exist.
    if (outputs[k] !== undefined) {
      const before = st.n;
      props[k] = property(outputs[k], st);
      if (st.n !== before) under(st, before, k);
    }
  }
  if (st.n > 0) {
    for (const f of st.found) f.segs.reverse();
    secrets.record(props, st.found);
  }
  return props;
}

exports.deserializeProperties = function deserializeProperties(struct, proxySecrets) {
  if (proxySecrets || !struct || typeof struct !== "object") return sdkDeserialize(struct, proxySecrets);
  let props = cache.get(struct);
  if (props === undefined) {
    props = deserialize(struct);
    if (freeze) deepFreeze(props);
    cache.set(struct, props);
  }
  return props;
};
exports.serializeProperties = real.serializeProperties;

/**
 * Puts this deserialiser in the place of the installed @pulumi/policy's (its server calls
 * `deserialize_1.deserializeProperties` through the module object): the published library (dist/policy, with the
 * user's own @pulumi/policy) and every pack built on it then record secrets too. The bundled pack needs no install
 * (build.js resolves the server's `./deserialize` to this file); calling it there is harmless.
 */
exports.install = function install() {
  if (real.deserializeProperties === sdkDeserialize) real.deserializeProperties = exports.deserializeProperties;
  return real.deserializeProperties === exports.deserializeProperties;
};
