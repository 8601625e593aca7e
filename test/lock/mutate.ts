/**
 * Copies of a project whose program is the real one behind a small wrapper (Pulumi.yaml `main` → mutate/index.ts)
 * that applies mutations in chosen stacks: a stack transformation (Pulumi's own `registerStackTransformation`, run
 * by the SDK under the planner's mocks) and an extra resource. Only the wrapper and, for a removal, a stack file differ.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const ROOT = path.resolve(__dirname, "../..");

export interface Mutations {
  /** Stacks the mutations apply to. */
  readonly stacks: readonly string[];
  /** Lambda functions' `handler` becomes this (a property with a locked value). */
  readonly handler?: string;
  /** An environment variable added to (or changed in) Lambda functions whose environment is not an Output. */
  readonly envVar?: [string, string];
  /** Environment variables removed from Lambda functions (where they have them). */
  readonly removeEnvVars?: readonly string[];
  /** A tag added to Lambda functions. */
  readonly tag?: [string, string];
  /** An SQS queue added at the top of the program (logical name without env). */
  readonly addQueue?: string;
  /**
   * Source edits of the program (transformations cannot change a parent): files of `copy` (relative to the project,
   * copied into the copy) edited with the stacks condition as `__COND__` (e.g. `{ parent: __COND__ ? undefined : this }`).
   */
  readonly copy?: readonly string[];
  readonly sourceEdits?: Readonly<Record<string, (text: string) => string>>;
  /** Edits of stack files (removal of a resource through config), by stack. */
  readonly stackFiles?: Readonly<Record<string, (text: string) => string>>;
}

function wrapper(program: string, m: Mutations): string {
  return `import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const m: any = ${JSON.stringify(m)};
const stack = pulumi.getStack();
if (m.stacks.includes(stack)) {
  pulumi.runtime.registerStackTransformation((a) => {
    let props: any = a.props; // eslint-disable-line @typescript-eslint/no-explicit-any
    const opts = a.opts;
    if (a.type === "aws:lambda/function:Function") {
      props = { ...props };
      if (m.handler) props.handler = m.handler;
      if (m.tag) props.tags = pulumi.output(props.tags).apply((t: Record<string, string> | undefined) => ({ ...(t ?? {}), [m.tag[0]]: m.tag[1] }));
      if ((m.envVar || m.removeEnvVars) && !pulumi.Output.isInstance(props.environment)) {
        const e = props.environment ?? {};
        const edit = (v: Record<string, unknown> | undefined) => {
          const out: Record<string, unknown> = { ...(v ?? {}) };
          for (const k of m.removeEnvVars ?? []) delete out[k];
          if (m.envVar) out[m.envVar[0]] = m.envVar[1];
          return out;
        };
        // A plain map stays a plain map: each variable keeps its own secretness (an Output of the whole map would
        // make every variable secret, as pulumi.output of a map holding a secret does).
        props.environment = { ...e, variables: pulumi.Output.isInstance(e.variables) ? e.variables.apply(edit) : edit(e.variables) };
      }
    }
    return { props, opts };
  });
  if (m.addQueue) new aws.sqs.Queue(\`\${stack}-\${m.addQueue}\`, { messageRetentionSeconds: 3600 });
}
module.exports = require(${JSON.stringify(program)});
`;
}

/**
 * A copy of `projectDir` (its rules and lock, its stack files) running `program` (relative to the project; absolute
 * to the original unless it is under a copied directory) behind the mutation wrapper.
 */
export function mutatedCopy(projectDir: string, program: string, m: Mutations): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parity-lock-"));
  for (const c of m.copy ?? [])
    fs.cpSync(path.join(projectDir, c), path.join(dir, c), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`),
    });
  const cond = `${JSON.stringify(m.stacks)}.includes(require("@pulumi/pulumi").getStack())`;
  for (const [file, edit] of Object.entries(m.sourceEdits ?? {})) {
    const target = path.join(dir, file);
    const before = fs.readFileSync(target, "utf8");
    const after = edit(before).split("__COND__").join(cond);
    if (after === before) throw new Error(`the edit of ${file} changed nothing`);
    fs.writeFileSync(target, after);
  }
  const copied = (m.copy ?? []).some((c) => program === c || program.startsWith(`${c}/`));
  program = copied ? path.join(dir, program) : path.join(projectDir, program);
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  fs.cpSync(path.join(projectDir, "consistency-rules"), path.join(dir, "consistency-rules"), { recursive: true });
  fs.mkdirSync(path.join(dir, "mutate"));
  fs.writeFileSync(path.join(dir, "mutate/index.ts"), wrapper(program, m));
  const project = fs
    .readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")
    .replace(/^main: .*$/m, `main: mutate/index.ts`);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), project);
  fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(dir, "tsconfig.json"));
  for (const f of fs.readdirSync(projectDir).filter((x) => /^Pulumi\.[\w-]+\.yaml$/.test(x))) {
    const stack = f.slice("Pulumi.".length, -".yaml".length);
    let text = fs.readFileSync(path.join(projectDir, f), "utf8");
    const edit = m.stackFiles?.[stack];
    if (edit) {
      const after = edit(text);
      if (after === text) throw new Error(`the edit of ${f} changed nothing`);
      text = after;
    }
    fs.writeFileSync(path.join(dir, f), text);
  }
  return dir;
}
