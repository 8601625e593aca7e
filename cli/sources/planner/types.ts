/** What the planner's parent and its child processes exchange (plain JSON over the IPC channel). */

/** How a stack's program is run, from `Pulumi.yaml` `runtime` (nodejs only) and `main`. */
export interface RuntimeSetup {
  /** `runtime.options.typescript` (default true): register ts-node as the language host does. */
  readonly typescript: boolean;
  /** Type-check before running (the engine's default), unless `noCheck` in tsconfig or PULUMI_NODEJS_TRANSPILE_ONLY=true. */
  readonly typecheck: boolean;
  /** Absolute tsconfig path (`runtime.options.tsconfig`, else `<projectDir>/tsconfig.json`). */
  readonly tsconfig: string;
}

export interface PlanWorkerInput {
  /** Absolute path of the project directory (Pulumi.yaml); the child's working directory. */
  readonly projectDir: string;
  /** Absolute path of the program (`<projectDir>/<main>`). */
  readonly program: string;
  /** Resolved path of the project's `@pulumi/pulumi` (the SDK the program registers with). */
  readonly pulumiModule: string;
  readonly project: string;
  readonly stack: string;
  /** Config as the engine passes it: every value a string (objects/arrays/numbers as JSON). */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  /** Outputs per stack name, answered to `pulumi:pulumi:StackReference` reads. */
  readonly stackOutputs: Record<string, Record<string, unknown>>;
  /** Defaults for mocked ARNs/URLs when a resource's provider names none. */
  readonly accountId: string;
  readonly region: string;
  readonly runtime?: RuntimeSetup;
  /** Stack config file (absolute), for messages. */
  readonly stackFile?: string;
}

export interface CapturedResource {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  id?: string;
  parent?: string;
  provider?: string;
  dependencies: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  ignoreChanges?: string[];
  deleteBeforeReplace?: boolean;
  replaceOnChanges?: string[];
  props: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  /** First stack frame of the registration inside the project (project-relative path). */
  sourcePosition?: { file: string; line: number; column: number };
}

/** Where one stack's time went (the bench prints these). */
export interface PlanTimings {
  /** Child start until ts-node was registered (and the program type-checked or its check read from the cache). */
  readonly bootMs: number;
  /** Of bootMs: the type check (0 when served from the cache or not done). */
  readonly typecheckMs?: number;
  readonly typecheckCached?: boolean;
  readonly transpileMs: number;
  readonly transpiled: number;
  readonly reused: number;
  readonly loadMs: number;
  readonly settleMs: number;
}

export type PlanWorkerResult =
  | {
      ok: true;
      resources: CapturedResource[];
      outputs: Record<string, unknown>;
      ms: number;
      tsNode?: string;
      timings?: PlanTimings;
      indeterminate?: string[];
    }
  | { ok: false; kind: "config"; errors: { file: string; pointer: string; problem: string }[] }
  /** `message` is one line (the first line of the program's error); `detail` the full text (stack trace). */
  | { ok: false; kind: "program"; message: string; detail: string }
  /** The program read a stack of the same batch that has not been planned yet: plan that one first, then retry. */
  | { ok: false; kind: "deferred"; needs: number };

/** Parent → child. */
export interface ChildRequest {
  readonly inputs: PlanWorkerInput[];
  readonly startedAt: number;
}

/** Child → parent. `raw`: the stack's uncompacted outputs (what a StackReference to it reads). */
export type ChildMessage =
  | { type: "start"; index: number }
  | { type: "result"; index: number; result: PlanWorkerResult; raw?: Record<string, unknown> }
  | { type: "done" };
