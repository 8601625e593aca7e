/**
 * `--format html` in a real browser: Debian's chromium, headless, driven by playwright-core (no browser download;
 * .ci/run installs the package when missing). The report of the reference exports and of a drifted set opens from a
 * file with the network off, shows the matrix, and a filter click changes what is shown. With PARITY_UPDATE_DOCS=1 the
 * screenshot is written to docs/reports-matrix.png (the picture in docs/reports.md).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { cli, fx, ROOT, RULES } from "../cli/run-cli";

jest.setTimeout(120_000);
const CHROMIUM = "/usr/bin/chromium";
let context: BrowserContext;
let tmp: string;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: apt-get install -y chromium (as .ci/run does)`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "parity-html-"));
  // a new, empty profile (user-data-dir) per run
  context = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    offline: true,
    viewport: { width: 1280, height: 900 },
  });
});
afterAll(async () => {
  await context?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function report(name: string, files: string[]): Promise<{ file: string; code: number }> {
  const out = path.join(tmp, `${name}.html`);
  const r = await cli(["diff", ...files, "--rules", RULES, "--format", "html", "-o", out, "-q"]);
  expect(r.stderr).toBe("");
  return { file: out, code: r.code };
}

test("the drifted set: renders, failures-only and env-pair filters change what is shown, screenshot", async () => {
  const { file, code } = await report("drifted", [
    fx("exports/dev.json"),
    fx("exports/staging-drifted.json"),
    fx("exports/prod.json"),
  ]);
  expect(code).toBe(1);
  const html = fs.readFileSync(file, "utf8");
  expect(html).not.toMatch(/\b(src|href)=["']?https?:/); // self-contained
  const requests: string[] = [];
  context.on("request", (r) => void (r.url().startsWith("file:") || requests.push(r.url())));
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`file://${file}`);
  await expect(page.locator("#verdict").textContent()).resolves.toBe("FAIL");
  const all = await page.locator("#rows tr").count();
  expect(all).toBeGreaterThan(5);
  expect(await page.locator("#rows td.c-unapproved").count()).toBeGreaterThan(0);
  expect(await page.locator("#rows td.c-approved").count()).toBeGreaterThan(0);
  expect(await page.locator(".score").count()).toBe(3); // dev|staging, dev|prod, staging|prod
  // failures only
  await page.locator("#f-fail").click();
  const failing = await page.locator("#rows tr").count();
  expect(failing).toBeGreaterThan(0);
  expect(failing).toBeLessThan(all);
  expect(await page.locator('#rows tr[data-failing="false"]').count()).toBe(0);
  await expect(page.locator("#shown").textContent()).resolves.toBe(`${failing} of ${all} compared properties shown`);
  // an environment pair: only its two columns
  await page.locator("#f-fail").click();
  await page.locator("#f-pair").selectOption("dev|prod");
  expect(await page.locator("#head th").allTextContents()).toEqual(["resource", "property", "dev", "prod", "status"]);
  await page.locator("#f-pair").selectOption("");
  // a service
  await page.locator("#f-service").selectOption("lambda");
  const services = await page.locator("#rows tr").evaluateAll((trs) => trs.map((t) => t.getAttribute("data-service")));
  expect(services.length).toBeGreaterThan(0);
  expect(new Set(services)).toEqual(new Set(["lambda"]));
  await page.locator("#f-service").selectOption("");
  expect(await page.locator("#rows tr").count()).toBe(all);
  const png = await page.screenshot({ fullPage: false });
  expect(png.subarray(1, 4).toString()).toBe("PNG");
  if (process.env.PARITY_UPDATE_DOCS === "1") fs.writeFileSync(path.join(ROOT, "docs", "reports-matrix.png"), png);
  expect(errors).toEqual([]);
  expect(requests).toEqual([]);
  await page.close();
});

test("the reference exports: renders clean with every pair's score", async () => {
  const { file, code } = await report("reference", [
    fx("exports/dev.json"),
    fx("exports/staging.json"),
    fx("exports/prod.json"),
  ]);
  const page = await context.newPage();
  await page.goto(`file://${file}`);
  await expect(page.locator("#verdict").textContent()).resolves.toBe(code === 0 ? "OK" : "FAIL");
  const scores = await page.locator(".score b").allTextContents();
  expect(scores).toHaveLength(3);
  expect(scores.every((s) => /^\d+(\.\d)?%$/.test(s))).toBe(true);
  await page.locator("#f-fail").click();
  expect(await page.locator('#rows tr[data-failing="false"]').count()).toBe(0);
  await page.close();
});
