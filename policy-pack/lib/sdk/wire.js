"use strict";
/**
 * AnalyzeStack's property Structs, read straight from the request bytes instead of through `google-protobuf`.
 *
 * The installed deserialiser (`@pulumi/pulumi/proto/analyzer_grpc_pb`) still decodes every AnalyzeStack request:
 * resources, URNs, options, providers, dependencies. Only the `properties` Struct of each resource and of its provider
 * (the bulk of a request) is parked before it runs: its field tag is rewritten in place to a field number the
 * installed messages do not have (jspb skips unknown fields), and the Struct's bytes are kept beside the message.
 * {@link structOf} then gives the SDK's deserialiser an object whose `toJavaScript()` decodes those bytes into what
 * `Struct.toJavaScript()` returns (same values, keys in jspb's sorted order, same "Unexpected struct type" error for
 * a Value without a kind). That skips building a jspb message per Value (a 10k-resource stack has hundreds of
 * thousands) only to convert it to plain JavaScript and drop it.
 *
 * Anything the walk does not expect (a group, a truncated field, a properties or provider field given twice, a tag
 * written in more than one byte) parks nothing: the request is then decoded entirely by the installed code, as before.
 * build.js checks, against the installed messages, that the field numbers are still these and that the parking
 * number is still unused, and decodes a sample request both ways (the build fails if they differ).
 */

/** AnalyzeStackRequest.resources, AnalyzerResource.properties / .provider, AnalyzerProviderResource.properties. */
const RESOURCES = 1;
const PROPERTIES = 2;
const PROVIDER = 6;
/** The field number a parked Struct is moved to: unknown to AnalyzerResource and AnalyzerProviderResource. */
const PARKED = 15;
const LEN = 2;
const PARKED_TAG = (PARKED << 3) | LEN;
const PROPERTIES_TAG = (PROPERTIES << 3) | LEN;

/** Parked Struct bytes by request message (a resource's or its provider's). */
const parked = new WeakMap();

let buf;
let pos;

function varint() {
  let b = buf[pos++];
  if (b < 0x80) return b;
  let x = b & 0x7f;
  let mul = 0x80;
  do {
    if (pos >= buf.length) throw new RangeError("truncated varint");
    b = buf[pos++];
    x += (b & 0x7f) * mul;
    mul *= 0x80;
  } while (b >= 0x80);
  return x;
}

/** Skips a field's value of wire type `wt` (groups are not expected: they throw). */
function skip(wt) {
  if (wt === 0) varint();
  else if (wt === 1) pos += 8;
  else if (wt === LEN) {
    const len = varint(); // read before `pos` is: `pos += varint()` would add to the old position
    pos += len;
  } else if (wt === 5) pos += 4;
  else throw new RangeError(`wire type ${wt}`);
}

/**
 * The properties field of the message at [start, end): its tag's offset and the Struct's bounds, or null if it has
 * none. `provider` also collects the provider field's bounds (for a resource).
 */
function scanMessage(start, end, out, withProvider) {
  pos = start;
  while (pos < end) {
    const at = pos;
    const tag = varint();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === PROPERTIES && wt === LEN) {
      if (out.props !== undefined || pos !== at + 1) throw new RangeError("properties twice or long tag");
      const len = varint();
      out.props = [at, pos, pos + len];
      pos += len;
    } else if (withProvider && field === PROVIDER && wt === LEN) {
      if (out.provider !== undefined) throw new RangeError("provider twice");
      const len = varint();
      out.provider = [pos, pos + len];
      pos += len;
    } else skip(wt);
    if (pos > end) throw new RangeError("field past the end of its message");
  }
}

/**
 * Parks the property Structs of an AnalyzeStackRequest's resources and providers (rewrites their tags in `bytes`),
 * or leaves `bytes` unchanged and returns null when its shape is not the expected one.
 * @returns per resource, in wire order: `[resourceStruct, providerStruct, resourceTagAt, providerTagAt]`, each Struct a
 *   view of `bytes` (undefined if the message has none) and each tag's offset in `bytes`.
 */
function park(bytes) {
  buf = bytes;
  const found = [];
  try {
    pos = 0;
    const end = bytes.length;
    const resources = [];
    while (pos < end) {
      const tag = varint();
      if (tag >>> 3 === RESOURCES && (tag & 7) === LEN) {
        const len = varint();
        resources.push([pos, pos + len]);
        pos += len;
      } else skip(tag & 7);
      if (pos > end) return null;
    }
    for (const [s, e] of resources) {
      const r = {};
      scanMessage(s, e, r, true);
      const p = {};
      if (r.provider) scanMessage(r.provider[0], r.provider[1], p, false);
      found.push([r.props, p.props]);
    }
  } catch {
    return null;
  } finally {
    buf = undefined;
  }
  const out = new Array(found.length);
  for (let i = 0; i < found.length; i++) {
    const [r, p] = found[i];
    out[i] = [r && bytes.subarray(r[1], r[2]), p && bytes.subarray(p[1], p[2]), r && r[0], p && p[0]];
    if (r) bytes[r[0]] = PARKED_TAG;
    if (p) bytes[p[0]] = PARKED_TAG;
  }
  return out;
}

const NOT_SET = Symbol("kind not set");

function str(len) {
  const s = buf.toString("utf8", pos, pos + len);
  pos += len;
  return s;
}

function value(end) {
  let v = NOT_SET;
  while (pos < end) {
    const tag = varint();
    switch (tag) {
      case 0x08: // null_value
        varint();
        v = null;
        break;
      case 0x11: // number_value
        v = buf.readDoubleLE(pos);
        pos += 8;
        break;
      case 0x1a: // string_value
        v = str(varint());
        break;
      case 0x20: // bool_value
        v = varint() !== 0;
        break;
      case 0x2a: {
        // struct_value
        const len = varint();
        v = struct(pos + len);
        break;
      }
      case 0x32: {
        // list_value
        const len = varint();
        v = list(pos + len);
        break;
      }
      default:
        skip(tag & 7);
    }
  }
  pos = end;
  return v;
}

function list(end) {
  const out = [];
  while (pos < end) {
    const tag = varint();
    if (tag === 0x0a) {
      const len = varint();
      const v = value(pos + len);
      if (v === NOT_SET) throw new Error("Unexpected struct type");
      out.push(v);
    } else skip(tag & 7);
  }
  pos = end;
  return out;
}

/** A Struct's fields as `Struct.toJavaScript()` gives them: keys in sorted order, the last of a repeated key wins. */
function struct(end) {
  const keys = [];
  const values = [];
  let sorted = true;
  while (pos < end) {
    const tag = varint();
    if (tag !== 0x0a) {
      skip(tag & 7);
      continue;
    }
    const entryEnd = varint() + pos;
    let key = "";
    let v = NOT_SET;
    while (pos < entryEnd) {
      const t = varint();
      if (t === 0x0a) key = str(varint());
      else if (t === 0x12) {
        const len = varint();
        v = value(pos + len);
      } else skip(t & 7);
    }
    pos = entryEnd;
    if (v === NOT_SET) throw new Error("Unexpected struct type");
    if (keys.length > 0 && !(keys[keys.length - 1] < key)) sorted = false;
    keys.push(key);
    values.push(v);
  }
  pos = end;
  const ret = {};
  if (sorted) {
    for (let i = 0; i < keys.length; i++) ret[keys[i]] = values[i];
    return ret;
  }
  const last = new Map();
  for (let i = 0; i < keys.length; i++) last.set(keys[i], values[i]);
  for (const k of [...last.keys()].sort()) ret[k] = last.get(k);
  return ret;
}

/** `Struct.deserializeBinary(bytes).toJavaScript()`, without building the messages. */
function decodeStruct(bytes) {
  const saved = buf;
  const savedPos = pos;
  buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  pos = 0;
  try {
    return struct(buf.length);
  } finally {
    buf = saved;
    pos = savedPos;
  }
}

/**
 * The message's properties as the SDK's deserialiser reads them (an object with `toJavaScript()`): the parked
 * Struct's decoder, taken once (the bytes are dropped from here), else the message's own Struct. With `needles`
 * (Buffers), a parked Struct also says whether its bytes hold none of them (`clean: true`): a string or key of the
 * decoded value holding one would have its UTF-8 bytes in the Struct's bytes.
 */
function structOf(m, needles) {
  const bytes = parked.get(m);
  if (bytes === undefined) return m.getProperties();
  parked.delete(m);
  const struct = { toJavaScript: () => decodeStruct(bytes), clean: false };
  if (needles) struct.clean = needles.every((n) => bytes.indexOf(n) === -1);
  return struct;
}

/**
 * The installed AnalyzeStack deserialiser with the property Structs parked (see the module comment). `deserialize`
 * is the installed `requestDeserialize`; its result's resources are matched to the parked Structs in wire order.
 */
function parkingDeserializer(deserialize) {
  return function deserializeAnalyzeStackRequest(buffer) {
    const bytes = Buffer.isBuffer(buffer) ? buffer : Buffer.from(buffer);
    const found = park(bytes);
    const req = deserialize(bytes);
    if (found === null) return req;
    const list = req.getResourcesList();
    if (list.length !== found.length) return deserialize(unpark(bytes, found));
    for (let i = 0; i < list.length; i++) {
      const [r, p] = found[i];
      if (r) parked.set(list[i], r);
      const provider = p && list[i].getProvider();
      if (provider) parked.set(provider, p);
    }
    return req;
  };
}

/** Restores the tags {@link park} rewrote (for the fallback). */
function unpark(bytes, found) {
  for (const [, , r, p] of found) {
    if (r !== undefined) bytes[r] = PROPERTIES_TAG;
    if (p !== undefined) bytes[p] = PROPERTIES_TAG;
  }
  return bytes;
}

/** `service` (the installed AnalyzerService definition) with AnalyzeStack's request deserialised by {@link parkingDeserializer}. */
function withParkedStackProperties(service) {
  const m = service.analyzeStack;
  if (!m || typeof m.requestDeserialize !== "function") return service;
  return { ...service, analyzeStack: { ...m, requestDeserialize: parkingDeserializer(m.requestDeserialize) } };
}

module.exports = {
  decodeStruct,
  structOf,
  parkingDeserializer,
  withParkedStackProperties,
};
