/**
 * The runtime of a component spec: `pulumi.runtime.setMocks` (resources answer with their inputs, an id `<name>-id`
 * and an ARN from their physical name) plus a record of what the SDK sends the resource monitor: type, name, URN,
 * parent, inputs, dependencies and options of every registration, and the outputs each component registers.
 * Import it before the components so they register against the mock monitor.
 */
import * as pulumi from "@pulumi/pulumi";

export type Props = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** URN of the parent ("" for none; the stack is the parent of a resource created without one). */
  readonly parent: string;
  readonly custom: boolean;
  readonly inputs: Props;
  readonly dependencies: readonly string[];
  readonly ignoreChanges: readonly string[];
  /** Outputs registered with `registerOutputs` (components). */
  outputs?: Props;
}

interface Req {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): Props } | undefined;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getUrn(): string;
  getOutputs(): { toJavaScript(): Props } | undefined;
}
type Callback = (err: unknown, resp?: { getUrn(): string }) => void;
type Monitor = Record<string, (req: Req, cb: Callback) => void>;

export interface MockRuntime {
  /** Every registration so far, in order. */
  readonly registered: Registered[];
  /** Waits until no registration is in flight and none started for a few ticks (applies may register more). */
  settle(): Promise<void>;
  /** Registrations of `type` (optionally only those whose name starts with `prefix`). */
  byType(type: string, prefix?: string): Registered[];
  /** The one registration of `type` with `name`; fails naming what exists otherwise. */
  one(type: string, name: string): Registered;
  /** Values an answer returned by `call` (invokes): token → result. */
  readonly invokes: Record<string, Props>;
}

export function mockRuntime(project = "components", stack = "test", preview = false): MockRuntime {
  const registered: Registered[] = [];
  const invokes: Record<string, Props> = {};
  let inFlight = 0;
  let started = 0;
  void pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        const physical = (args.inputs.name as string | undefined) ?? args.name;
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, arn: `arn:aws:mock:::${physical}` },
        };
      },
      call: (args) => invokes[args.token] ?? {},
    },
    project,
    stack,
    preview,
  );
  const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    inFlight++;
    started++;
    register(req, (err, resp) => {
      inFlight--;
      if (!err && resp)
        registered.push({
          type: req.getType(),
          name: req.getName(),
          urn: resp.getUrn(),
          parent: req.getParent(),
          custom: req.getCustom(),
          inputs: req.getObject()?.toJavaScript() ?? {},
          dependencies: req.getDependenciesList(),
          ignoreChanges: req.getIgnorechangesList(),
        });
      cb(err, resp);
    });
  };
  const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req, cb) => {
    const r = registered.find((x) => x.urn === req.getUrn());
    if (r) r.outputs = req.getOutputs()?.toJavaScript() ?? {};
    registerOutputs(req, cb);
  };

  const byType = (type: string, prefix = "") => registered.filter((r) => r.type === type && r.name.startsWith(prefix));
  return {
    registered,
    invokes,
    byType,
    one(type, name) {
      const found = registered.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1)
        throw new Error(
          `${found.length} ${type} named ${name}; registered: ${
            byType(type)
              .map((r) => r.name)
              .join(", ") || "none"
          }`,
        );
      return found[0];
    },
    async settle() {
      for (let quiet = 0, seen = -1; quiet < 5;) {
        await new Promise((r) => setTimeout(r, 10));
        if (inFlight === 0 && started === seen) quiet++;
        else quiet = 0;
        seen = started;
      }
    },
  };
}

/** The resolved value of an output (for a component's `Output` properties). */
export function valueOf<T>(o: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(o).apply((v) => resolve(v as T)));
}

/** A test naming convention: `{env}-{service}-…`, physical names with suffix `x1`, account 111111111111 in us-east-2. */
export const NAMING_CONTEXT = {
  env: "dev",
  service: "svc",
  environmentSuffix: "x1",
  accountId: "111111111111",
  region: "us-east-2",
} as const;

export const TAGS = Object.freeze({
  Environment: "dev",
  Project: "components",
  ManagedBy: "pulumi",
  Team: "platform",
  CostCenter: "CC-1",
});
