/** `@env-parity/components/log`: the handlers' structured JSON logger (one object per line, filtered by level). */
import { createLogger } from "@env-parity/components/log";

function capture(options: Parameters<typeof createLogger>[0] = {}) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ ...options, sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { log, lines };
}

describe("createLogger", () => {
  it("writes one JSON object per line with level, message, request id, environment, fields and time", () => {
    const { log, lines } = capture({ level: "info", env: "dev", requestId: "r-1" });
    log.info("stored", { key: "a/b.csv" });
    expect(lines).toEqual([
      { level: "info", msg: "stored", requestId: "r-1", env: "dev", key: "a/b.csv", time: expect.any(String) },
    ]);
    expect(Number.isNaN(Date.parse(lines[0].time as string))).toBe(false);
  });

  it("drops lines below the level; an unknown level means info", () => {
    const warn = capture({ level: "WARN" });
    warn.log.info("no");
    warn.log.error("yes");
    expect(warn.lines.map((l) => l.level)).toEqual(["error"]);
    const unknown = capture({ level: "loud" });
    unknown.log.debug("no");
    unknown.log.info("yes");
    expect(unknown.lines.map((l) => l.msg)).toEqual(["yes"]);
  });

  it("takes level and environment from LOG_LEVEL and ENVIRONMENT by default", () => {
    const saved = { ...process.env };
    try {
      process.env.LOG_LEVEL = "debug";
      process.env.ENVIRONMENT = "staging";
      const { log, lines } = capture();
      log.debug("d");
      expect(lines[0]).toMatchObject({ level: "debug", env: "staging" });
    } finally {
      process.env = saved;
    }
  });

  it("child loggers add their fields to every line", () => {
    const { log, lines } = capture({ level: "info" });
    log.child({ bucket: "raw" }).child({ attempt: 2 }).warn("retry");
    expect(lines[0]).toMatchObject({ msg: "retry", bucket: "raw", attempt: 2 });
  });

  it("serialises errors as name and message, with the AWS SDK's HTTP status", () => {
    const { log, lines } = capture({ level: "info" });
    const sdk = Object.assign(new Error("slow down"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
    });
    log.error("failed", { error: sdk, plain: new TypeError("bad") });
    expect(lines[0]).toMatchObject({
      error: { name: "ThrottlingException", message: "slow down", status: 400 },
      plain: { name: "TypeError", message: "bad" },
    });
  });
});
