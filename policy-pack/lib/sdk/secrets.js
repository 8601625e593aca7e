"use strict";
/**
 * Which values of a request were secret. The engine sends an analyzer each secret's plaintext wrapped in the secret
 * signature; @pulumi/policy's deserialiser unwraps it, so a policy cannot tell a secret from a plain value. Our
 * deserialiser (./deserialize.js) records here, per deserialised properties object, the paths it unwrapped (in the
 * same pass, nothing when the request has no secret), and the pack reads them back:
 *  - {@link secretPathsOf}: the dotted paths (`environment.variables.TOKEN`), for a check that needs them;
 *  - {@link withSecretMarks}: a copy with the secrets wrapped again as the engine sent them (what the rules library
 *    reads: its normaliser turns a secret into `[secret]`, so the CLI and the pack see the same stack);
 *  - {@link redactSecrets}: a message with every secret's plaintext (also JSON-escaped) replaced by `[secret]`.
 * No dependencies (loaded by the bundled SDK shim and by the policies alike; one instance in the bundle).
 */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const PLACEHOLDER = "[secret]";

/** props object → [{ segs, value }] (value: the deserialised plaintext). */
const marks = new WeakMap();
let seen = false;

function record(props, list) {
  if (!props || typeof props !== "object" || list.length === 0) return;
  marks.set(props, Object.freeze(list));
  seen = true;
}

/** The secrets recorded for `props` (a deserialised properties object), or undefined when it has none. */
function secretsOf(props) {
  return seen && props && typeof props === "object" ? marks.get(props) : undefined;
}

/** Marks of `from` given to `to` too (a canonicalised copy of the same properties). */
function copySecretMarks(from, to) {
  const m = secretsOf(from);
  if (m && to && typeof to === "object" && to !== from) marks.set(to, m);
}

const pathSets = new WeakMap();
/** Dotted paths of the secrets in `props` (at the path: the secret; under it: its plaintext's parts), or undefined. */
function secretPathsOf(props) {
  const m = secretsOf(props);
  if (!m) return undefined;
  let s = pathSets.get(m);
  if (!s) {
    s = new Set(m.map((x) => x.segs.join(".")));
    pathSets.set(m, s);
  }
  return s;
}

/** True when `path` (dotted or segments) is a secret path of `props` or lies under one. */
function isSecretPath(props, path) {
  const paths = secretPathsOf(props);
  if (!paths) return false;
  const segs = Array.isArray(path) ? path : String(path).split(".");
  for (let i = segs.length; i > 0; i--) if (paths.has(segs.slice(0, i).join("."))) return true;
  return false;
}

function wrapAt(v, segs, i, value) {
  if (i === segs.length) return { [SIG_KEY]: SECRET_SIG, value };
  if (v === null || typeof v !== "object") return v;
  const k = segs[i];
  if (!Object.prototype.hasOwnProperty.call(v, k)) return v;
  const copy = Array.isArray(v) ? v.slice() : { ...v };
  copy[k] = wrapAt(v[k], segs, i + 1, value);
  return copy;
}

const marked = new WeakMap();
/**
 * `props` with each recorded secret wrapped again in the secret signature (`{<sig>: <secret sig>, value}`), as the
 * engine sent it; `props` itself when it has no secret. A copy (memoised): the shared deserialised object is never
 * changed.
 */
function withSecretMarks(props) {
  const m = secretsOf(props);
  if (!m) return props;
  let out = marked.get(props);
  if (out === undefined) {
    out = props;
    // Outer secrets first (shorter paths): a secret inside a secret is already covered by the outer one.
    const sorted = [...m].sort((a, b) => a.segs.length - b.segs.length);
    const done = [];
    for (const { segs } of sorted) {
      if (done.some((d) => d.length <= segs.length && d.every((s, i) => s === segs[i]))) continue;
      let v = props;
      for (const s of segs) v = v === null || typeof v !== "object" ? undefined : v[s];
      out = wrapAt(out, segs, 0, v);
      done.push(segs);
    }
    marked.set(props, out);
  }
  return out;
}

/** Plaintext strings of a secret value (its scalar leaves, and the whole value as JSON when it is an object). */
function plaintexts(v, out, depth) {
  if (v === null || v === undefined || depth > 64) return;
  if (typeof v === "string") out.add(v);
  // A boolean secret is not hidden in messages (it would blank out every "true" of them); its path still is.
  else if (typeof v === "number" || typeof v === "bigint") out.add(String(v));
  else if (typeof v === "object") {
    try {
      out.add(JSON.stringify(v));
    } catch {
      /* a cycle: its leaves still count */
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) plaintexts(x, out, depth + 1);
  }
}

const needleCache = new WeakMap();
/** The strings to hide for these properties objects' secrets, longest first (plain and JSON-escaped). */
function needlesOf(propsList) {
  const set = new Set();
  for (const p of propsList) {
    const m = secretsOf(p);
    if (!m) continue;
    let own = needleCache.get(m);
    if (!own) {
      const s = new Set();
      for (const { value } of m) plaintexts(value, s, 0);
      own = [];
      for (const x of s) {
        // A one-character secret would blank out every such character of a message: its JSON form still is hidden.
        if (x.length >= 2) own.push(x);
        const esc = JSON.stringify(x).slice(1, -1);
        if (esc !== x && esc.length >= 2) own.push(esc);
        if (x.length < 2) own.push(JSON.stringify(x));
      }
      needleCache.set(m, own);
    }
    for (const x of own) set.add(x);
  }
  return [...set].sort((a, b) => b.length - a.length);
}

/**
 * `message` with every secret plaintext of the given properties objects replaced by `[secret]`. Cheap when no
 * request had a secret (no lookups) or the objects have none.
 */
function redactSecrets(message, propsList) {
  if (!seen || typeof message !== "string") return message;
  const needles = needlesOf(propsList);
  let out = message;
  for (const n of needles) if (out.includes(n)) out = out.split(n).join(PLACEHOLDER);
  return out;
}

/** Whether any request so far carried a secret (the fast path of every accessor). */
function anySecrets() {
  return seen;
}

module.exports = {
  SECRET_PLACEHOLDER: PLACEHOLDER,
  record,
  secretsOf,
  copySecretMarks,
  secretPathsOf,
  isSecretPath,
  withSecretMarks,
  redactSecrets,
  anySecrets,
};
