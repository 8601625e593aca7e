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

/** Leaves of a secret value: strings and numbers (and the whole value as JSON when it is an object). */
function plaintexts(v, out, depth) {
  if (v === null || v === undefined || depth > 64) return;
  if (typeof v === "string") out.add(v);
  // A boolean secret is not hidden in messages (it would blank out every "true" of them); its path still is.
  else if (typeof v === "number" || typeof v === "bigint") out.add(v);
  else if (typeof v === "object") {
    try {
      out.add(JSON.stringify(v));
    } catch {
      /* a cycle: its leaves still count */
    }
    for (const x of Array.isArray(v) ? v : Object.values(v)) plaintexts(x, out, depth + 1);
  }
}

/** Strings at least this long are hidden wherever they occur; shorter ones only where a message quotes them. */
const BARE_MIN = 8;

/**
 * How to hide one plaintext: a long string anywhere (as is and JSON-escaped); a short one only quoted (`"dev"`, as
 * `show` and the rules library print values: a secret map holding "staging" must not blank out every "in staging");
 * a number as a whole number (not inside another). `{ text, number }` each.
 */
function needlesOf(x) {
  if (typeof x === "number" || typeof x === "bigint") {
    const t = String(x);
    return t.length >= 2 ? [{ text: t, number: true }] : [];
  }
  const esc = JSON.stringify(x).slice(1, -1);
  if (x.length >= BARE_MIN) return esc === x ? [{ text: x }] : [{ text: x }, { text: esc }];
  return x.length > 0 ? [{ text: JSON.stringify(x) }] : [];
}

const needleCache = new WeakMap();
/** The needles hiding one secret-marks list's plaintexts. */
function marksNeedles(m) {
  let out = needleCache.get(m);
  if (out === undefined) {
    const leaves = new Set();
    for (const { value } of m) plaintexts(value, leaves, 0);
    out = [...leaves].flatMap(needlesOf);
    needleCache.set(m, out);
  }
  return out;
}

const isDigit = (c) => c >= 48 && c <= 57;
/** A number needle at `i..j` stands alone: no digit or `.` before it, no digit or `.<digit>` after it. */
function wholeNumber(msg, i, j) {
  if (i > 0 && (isDigit(msg.charCodeAt(i - 1)) || msg.charCodeAt(i - 1) === 46)) return false;
  if (j < msg.length && isDigit(msg.charCodeAt(j))) return false;
  return !(j + 1 < msg.length && msg.charCodeAt(j) === 46 && isDigit(msg.charCodeAt(j + 1)));
}

const asIs = (m) => m;

/**
 * A function giving a message with every secret plaintext of the given properties objects replaced by `[secret]`
 * (quoted where the message quoted it). The needles are indexed by their first two characters, so a message is
 * scanned once whatever the number of secrets (longest needle first at each place). The identity when no request
 * had a secret or the objects have none.
 */
function redactorOf(propsList) {
  if (!seen) return asIs;
  const byGram = new Map();
  const known = new Set();
  for (const p of propsList) {
    const m = secretsOf(p);
    if (!m) continue;
    for (const n of marksNeedles(m)) {
      const key = `${n.number ? "n" : "s"}${n.text}`;
      if (known.has(key)) continue;
      known.add(key);
      const g = n.text.slice(0, 2);
      const list = byGram.get(g);
      if (list) list.push(n);
      else byGram.set(g, [n]);
    }
  }
  if (byGram.size === 0) return asIs;
  for (const list of byGram.values()) list.sort((a, b) => b.text.length - a.text.length);
  return (msg) => {
    if (typeof msg !== "string") return msg;
    let out = "";
    let from = 0;
    for (let i = 0; i < msg.length - 1;) {
      const list = byGram.get(msg.slice(i, i + 2));
      let hit;
      if (list)
        for (const n of list) {
          const j = i + n.text.length;
          if (msg.startsWith(n.text, i) && (!n.number || wholeNumber(msg, i, j))) {
            hit = n;
            break;
          }
        }
      if (!hit) {
        i++;
        continue;
      }
      const t = hit.text;
      out +=
        msg.slice(from, i) +
        (t.length > 1 && t[0] === '"' && t[t.length - 1] === '"' ? `"${PLACEHOLDER}"` : PLACEHOLDER);
      i += t.length;
      from = i;
    }
    return from === 0 ? msg : out + msg.slice(from);
  };
}

/** {@link redactorOf} applied once. */
function redactSecrets(message, propsList) {
  return redactorOf(propsList)(message);
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
  redactorOf,
  anySecrets,
};
