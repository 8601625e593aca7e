/**
 * `--format html`: the environment matrix, one self-contained file (inline CSS and script, no network).
 *
 * Rows are resources × compared properties (every finding with a property path: invariants that pass, approved and
 * unapproved differences, unknowns), columns the environments; each cell holds the value and its status — same,
 * approved (reason, owner, expiry), unapproved, unknown. Differences are highlighted. Filters: failures only, by
 * service (the type token's module, `lambda`, `s3`, …), by environment pair (only the rows where the two differ).
 * A parity score per environment pair: the share of compared properties whose values agree or whose difference is
 * approved. Guardrail (policy pack) findings are listed per resource.
 */
import type { Finding } from "../../consistency-rules/src/model";
import type { ReportInput } from "./model";
import {
  UNKNOWN_LABEL,
  causesOf,
  displayValue,
  isFailing,
  redactValue,
  resourceLabel,
  shownValues,
  summarise,
} from "./model";

type CellStatus = "same" | "approved" | "unapproved" | "unknown" | "absent";

interface MatrixRow {
  readonly resource: string;
  readonly label: string;
  readonly service: string;
  readonly path: string;
  readonly ruleId: string;
  readonly status: Finding["status"];
  readonly failing: boolean;
  /** Per environment: the value as its source has it (redacted), for display. */
  readonly values: Record<string, string>;
  /** Per environment: the class of its compared (normalised) value; equal numbers are equal values. */
  readonly eq: Record<string, number>;
  /** Per environment: same as the majority, approved, unapproved, unknown. */
  readonly cells: Record<string, CellStatus>;
  readonly approval?: { id: string; reason: string; owner: string; expires?: string };
  readonly message: string;
  readonly location?: string;
}

interface Matrix {
  readonly subject: string;
  readonly verdict: string;
  readonly counts: string;
  readonly environments: string[];
  readonly rows: MatrixRow[];
  readonly scores: { pair: string; agree: number; total: number }[];
  readonly guardrails: {
    resource: string;
    label: string;
    items: { ruleId: string; status: string; severity: string; environments: string; message: string }[];
  }[];
}

function service(resource: string): string {
  const type = resource.split("::")[0];
  const m = /^[^:]+:([^/:]+)/.exec(type);
  return m ? m[1] : type;
}

function buildMatrix(input: ReportInput): Matrix {
  const s = summarise(input.findings, input.strict);
  const envs: string[] = [];
  const seenEnv = new Set<string>();
  const rows: MatrixRow[] = [];
  const guard = new Map<string, Matrix["guardrails"][number]>();
  for (const c of causesOf(input)) {
    for (const f of c.members) {
      for (const e of f.environments) {
        if (seenEnv.has(e)) continue;
        seenEnv.add(e);
        envs.push(e);
      }
      if (f.kind === "policy") {
        if (f.status === "pass") continue;
        const key = f.resource ?? "(stack)";
        let g = guard.get(key);
        if (!g) guard.set(key, (g = { resource: key, label: resourceLabel(f), items: [] }));
        g.items.push({
          ruleId: f.ruleId,
          status: f.status,
          severity: f.severity,
          environments: f.environments.join(", "),
          message: f.message,
        });
        continue;
      }
      if (!f.values || !f.path) continue;
      const values: Record<string, string> = {};
      const raw: Record<string, string> = {};
      const eq: Record<string, number> = {};
      const classes = new Map<string, number>();
      const shown = shownValues(f) ?? f.values;
      for (const [env, v] of Object.entries(f.values)) {
        values[env] = displayValue(shown[env], Infinity);
        // compared on the normalised values: `dev-orders` and `prod-orders` are the same
        raw[env] = JSON.stringify(redactValue(v)) ?? "undefined";
        if (!classes.has(raw[env])) classes.set(raw[env], classes.size);
        eq[env] = classes.get(raw[env])!;
      }
      const count = new Map<string, number>();
      for (const v of Object.values(raw)) count.set(v, (count.get(v) ?? 0) + 1);
      let majority = "";
      let best = 0;
      for (const [v, n] of count) {
        if (n <= best) continue;
        majority = v;
        best = n;
      }
      const cells: Record<string, CellStatus> = {};
      for (const [env, v] of Object.entries(raw)) {
        if (values[env] === UNKNOWN_LABEL) cells[env] = "unknown";
        else if (count.size === 1 || (v === majority && best > 1)) cells[env] = "same";
        else
          cells[env] =
            f.status === "approved"
              ? "approved"
              : f.status === "fail"
                ? "unapproved"
                : f.status === "indeterminate"
                  ? "unknown"
                  : "same";
      }
      rows.push({
        resource: f.resource ?? "(stack)",
        label: resourceLabel(f),
        service: f.resource === "config::config" ? "config" : f.resource ? service(f.resource) : "stack",
        path: f.path,
        ruleId: f.ruleId,
        status: f.status,
        failing: isFailing(f, input.strict),
        values,
        eq,
        cells,
        ...(f.approval && {
          approval: {
            id: f.approval.id,
            reason: f.approval.reason,
            owner: f.approval.owner,
            ...(f.approval.expires && { expires: f.approval.expires }),
          },
        }),
        message: f.message,
        ...(c.location.file && { location: `${c.location.file}${c.location.line ? `:${c.location.line}` : ""}` }),
      });
    }
  }
  const scores: Matrix["scores"] = [];
  for (let i = 0; i < envs.length; i++) {
    for (let j = i + 1; j < envs.length; j++) {
      const a = envs[i];
      const b = envs[j];
      let total = 0;
      let agree = 0;
      for (const r of rows) {
        if (!(a in r.values) || !(b in r.values)) continue;
        total++;
        if (r.eq[a] === r.eq[b] || r.status === "approved") agree++;
      }
      scores.push({ pair: `${a}|${b}`, agree, total });
    }
  }
  return {
    subject: input.subject,
    verdict: s.failing > 0 ? "FAIL" : "OK",
    counts: `${s.fail} failed, ${s.indeterminate} indeterminate, ${s.approved} approved, ${s.pass} passed`,
    environments: envs,
    rows,
    scores,
    guardrails: [...guard.values()],
  };
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,sans-serif;margin:16px;color:#1d1d1f;background:#fff}
h1{font-size:20px;margin:0 0 4px} .verdict{font-weight:700;padding:2px 8px;border-radius:4px;color:#fff}
.v-FAIL{background:#c62828}.v-OK{background:#2e7d32}
.bar{display:flex;gap:16px;align-items:center;flex-wrap:wrap;margin:12px 0;padding:8px;background:#f5f5f7;border-radius:6px}
.scores{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0}.score{border:1px solid #ddd;border-radius:6px;padding:6px 10px;cursor:pointer}
.score b{font-size:16px}.score.sel{outline:2px solid #1565c0}
table{border-collapse:collapse;width:100%;margin-top:8px}th,td{border:1px solid #e0e0e0;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#fafafa;position:sticky;top:0}td.val{font-family:ui-monospace,Menlo,monospace;font-size:12px;word-break:break-all;max-width:28em}
.c-same{background:#fff}.c-approved{background:#e3f2fd}.c-unapproved{background:#ffebee;font-weight:600}.c-unknown{background:#fff8e1;color:#8d6e00}
.st{display:block;font:11px system-ui;color:#555;margin-top:2px}.legend span{padding:2px 6px;margin-right:6px;border:1px solid #ddd}
.res{font-weight:600}.muted{color:#777}.guard li{margin:2px 0}.hidden{display:none}
`;

const SCRIPT = `
(function(){
var data=JSON.parse(document.getElementById('parity-data').textContent);
var envs=data.environments, body=document.getElementById('rows');
var fFail=document.getElementById('f-fail'), fSvc=document.getElementById('f-service'), fPair=document.getElementById('f-pair');
function esc(s){return String(s).replace(/[&<>"]/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c];});}
function render(){
  var pair=fPair.value?fPair.value.split('|'):null, svc=fSvc.value, failOnly=fFail.checked, shown=0, html=[];
  var cols=pair?pair:envs;
  document.getElementById('head').innerHTML='<th>resource</th><th>property</th>'+cols.map(function(e){return '<th>'+esc(e)+'</th>';}).join('')+'<th>status</th>';
  data.rows.forEach(function(r){
    if(failOnly&&!r.failing)return; if(svc&&r.service!==svc)return;
    if(pair&&(!(pair[0] in r.values)||!(pair[1] in r.values)||r.eq[pair[0]]===r.eq[pair[1]]))return;
    shown++;
    var st=r.failing?'unapproved':r.status;
    html.push('<tr class="row" data-service="'+esc(r.service)+'" data-failing="'+r.failing+'"><td class="res">'+esc(r.label)+'</td><td><code>'+esc(r.path)+'</code><span class="st">'+esc(r.ruleId)+'</span></td>'+
      cols.map(function(e){var c=r.cells[e]||'absent',v=e in r.values?r.values[e]:'(absent)';
        var note=c==='approved'&&r.approval?'approved: '+r.approval.reason+' — '+r.approval.owner+(r.approval.expires?', expires '+r.approval.expires:', no expiry')+' ('+r.approval.id+')':c;
        return '<td class="val c-'+c+'" title="'+esc(note)+'">'+esc(v)+'<span class="st">'+esc(note)+'</span></td>';}).join('')+
      '<td>'+esc(st)+(r.location?'<span class="st">'+esc(r.location)+'</span>':'')+'</td></tr>');
  });
  body.innerHTML=html.join('');
  document.getElementById('shown').textContent=shown+' of '+data.rows.length+' compared properties shown';
  Array.prototype.forEach.call(document.querySelectorAll('.score'),function(el){el.classList.toggle('sel',el.getAttribute('data-pair')===fPair.value);});
}
var services={};data.rows.forEach(function(r){services[r.service]=1;});
Object.keys(services).sort().forEach(function(s){var o=document.createElement('option');o.value=s;o.textContent=s;fSvc.appendChild(o);});
data.scores.forEach(function(s){var o=document.createElement('option');o.value=s.pair;o.textContent=s.pair.replace('|',' vs ');fPair.appendChild(o);});
Array.prototype.forEach.call(document.querySelectorAll('.score'),function(el){el.addEventListener('click',function(){fPair.value=fPair.value===el.getAttribute('data-pair')?'':el.getAttribute('data-pair');render();});});
[fFail,fSvc,fPair].forEach(function(el){el.addEventListener('change',render);});
render();
})();
`;

const esc = (s: string): string =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function renderHtml(input: ReportInput): string {
  const m = buildMatrix(input);
  // JSON inside <script>: `<` escaped so no value can close the element
  const data = JSON.stringify(m)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  const scores = m.scores
    .map((s) => {
      const pct = s.total === 0 ? 100 : Math.floor((1000 * s.agree) / s.total) / 10;
      return `<div class="score" data-pair="${esc(s.pair)}">${esc(s.pair.replace("|", " vs "))}: <b>${pct}%</b> <span class="muted">(${s.agree}/${s.total})</span></div>`;
    })
    .join("");
  const guard = m.guardrails.length
    ? `<h2>Guardrail findings per resource</h2><ul class="guard">${m.guardrails
        .map(
          (g) =>
            `<li><span class="res">${esc(g.label)}</span><ul>${g.items.map((i) => `<li>${esc(i.status)} ${esc(i.severity)} <code>${esc(i.ruleId)}</code> [${esc(i.environments)}] ${esc(i.message)}</li>`).join("")}</ul></li>`,
        )
        .join("")}</ul>`
    : `<h2>Guardrail findings per resource</h2><p class="muted">No guardrail (policy pack) findings.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>parity: ${esc(m.subject)}</title><style>${STYLE}</style></head>
<body>
<h1><span class="verdict v-${m.verdict}" id="verdict">${m.verdict}</span> parity: ${esc(m.subject)}</h1>
<div class="muted">${esc(m.counts)} · parity ${esc(input.toolVersion)}${input.strict ? " --strict" : ""}</div>
<h2>Parity score per environment pair</h2><div class="scores">${scores}</div>
<div class="bar">
<label><input type="checkbox" id="f-fail"> failures only</label>
<label>service <select id="f-service"><option value="">all</option></select></label>
<label>environment pair <select id="f-pair"><option value="">all environments</option></select></label>
<span id="shown" class="muted"></span>
<span class="legend"><span class="c-same">same</span><span class="c-approved">approved</span><span class="c-unapproved">unapproved</span><span class="c-unknown">unknown</span></span>
</div>
<table><thead><tr id="head"></tr></thead><tbody id="rows"></tbody></table>
${guard}
<script type="application/json" id="parity-data">${data}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
