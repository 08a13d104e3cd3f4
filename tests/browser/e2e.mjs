// End-to-end test of the example web app (examples/server_client) in headless Chromium: two
// users of two orgs sign in through the Zoho emulator's consent page and each sees only their
// org's Leads; declining consent and a forged callback are handled; one token row per user-org;
// no token, code or secret reaches the app's logs or pages; the browser applies the app's
// Content-Security-Policy (its stylesheet loads, injected script and framing are refused). Saves a
// screenshot of /records.
//
// Run from the repository root: node tests/browser/e2e.mjs (CHROMIUM=/usr/bin/chromium).
import { chromium } from "playwright-core";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const outDir = join(here, "out");
mkdirSync(outDir, { recursive: true });
let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) { passed++; console.log(`ok - ${name}`); } else { failed++; console.log(`not ok - ${name} ${detail}`); }
}

// Start the app (demo mode: it starts the emulator in-process) on a free port.
const appDir = mkdtempSync(join(tmpdir(), "zcrm-app-"));
const bin = join(process.env.CARGO_TARGET_DIR || join(root, "target"), "debug", "zcrm-server-client");
const app = spawn(bin, ["--port", "0"], { env: { ...process.env, ZCRM_APP_DIR: appDir, ZOHO_CLIENT_ID: "", ZOHO_CLIENT_SECRET: "" } });
let logs = "";
app.stdout.on("data", (d) => { logs += d; });
app.stderr.on("data", (d) => { logs += d; });
const started = Date.now();
while (!/listening on (http:\/\/\S+)/.test(logs)) {
  if (Date.now() - started > 30000) { console.log(logs); throw new Error("the app did not start"); }
  await new Promise((r) => setTimeout(r, 100));
}
const base = logs.match(/listening on (http:\/\/\S+)/)[1];
const emulator = logs.match(/emulator at (http:\/\/\S+)/)[1];
console.log(`app at ${base}, emulator at ${emulator}`);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
});
const pages = [];      // every page's HTML, to scan for secrets
const codes = [];      // grant codes seen in redirects
async function visit(context) {
  const page = await context.newPage();
  page.on("request", (r) => { const c = new URL(r.url()).searchParams.get("code"); if (c) codes.push(c); });
  page.on("load", async () => { try { pages.push(await page.content()); } catch {} });
  return page;
}
function tokenRows() {
  const py = "import sqlite3,sys,json; c=sqlite3.connect(sys.argv[1]); print(json.dumps(c.execute('select id,user_name,access_token,refresh_token,client_secret from oauthtoken').fetchall()))";
  return JSON.parse(execFileSync("python3", ["-c", py, join(appDir, "zcrm-tokens.db")]).toString());
}
async function signIn(email, decision = "accept") {
  const context = await browser.newContext();
  const page = await visit(context);
  await page.goto(`${base}/`);
  await page.click("#login");
  await page.waitForSelector("#accept");
  check(`consent page shown for ${email}`, (await page.textContent("#client-name")) === "zcrm example app");
  await page.selectOption("#user", email);
  await Promise.all([page.waitForLoadState("load"), page.click(`#${decision}`)]);
  return { context, page };
}
async function leadNames(page) {
  return (await page.$$eval("#leads tbody tr td:nth-child(2)", (tds) => tds.map((td) => td.textContent))).sort();
}

try {
  // Patricia (Zylker) and Amelia (Acme) each see only their org's Leads.
  const p = await signIn("patricia.boyle@zylker.example");
  await p.page.waitForURL(`${base}/records`);
  check("Patricia lands on /records", (await p.page.textContent("#user")) === "patricia.boyle@zylker.example:60012345");
  const zylker = await leadNames(p.page);
  check("Patricia sees Zylker's Leads only", JSON.stringify(zylker) === JSON.stringify(["Doe", "Garcia", "Tanaka"]), JSON.stringify(zylker));
  await p.page.screenshot({ path: join(outDir, "records.png"), fullPage: true });
  await p.page.screenshot({ path: join(root, "docs", "server-client-records.png") });

  const a = await signIn("amelia.burrows@acme.example");
  await a.page.waitForURL(`${base}/records`);
  const acme = await leadNames(a.page);
  check("Amelia sees Acme's Leads only", JSON.stringify(acme) === JSON.stringify(["Coyote", "Runner"]), JSON.stringify(acme));
  check("Patricia's session is unaffected", JSON.stringify(await (async () => { await p.page.reload(); return leadNames(p.page); })()) === JSON.stringify(zylker));

  // Paged and escaped: 13 more Zylker leads, one with markup in its name.
  await fetch(`${emulator}/__emulator/orgs/60012345/records/Leads`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ generate: 12, template: { Last_Name: "Bulk {n}", Company: "Paging Co" } }) });
  await fetch(`${emulator}/__emulator/orgs/60012345/records/Leads`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ records: [{ Last_Name: "<script>window.pwned=1</script>", Company: "Escape & Co" }] }) });
  await p.page.goto(`${base}/records`);
  check("the first page holds 10 leads", (await p.page.$$("#leads tbody tr")).length === 10);
  await Promise.all([p.page.waitForURL(`${base}/records?page=2`), p.page.click("#next")]);
  const second = await leadNames(p.page);
  check("the second page holds the other 6", second.length === 6, JSON.stringify(second));
  check("markup in data is shown as text", second.includes("<script>window.pwned=1</script>") && !(await p.page.evaluate(() => window.pwned)));
  check("there is a way back", (await p.page.$("#prev")) !== null);

  // The Content-Security-Policy, as the browser applies it: the app's stylesheet loads, no
  // injected script runs, no other page may frame the app.
  const violations = [];
  p.page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  await p.page.goto(`${base}/records`);
  check("the stylesheet applies under the CSP", (await p.page.$eval("#leads", (t) => getComputedStyle(t).borderCollapse)) === "collapse");
  check("the app's own pages cause no CSP violation", violations.length === 0, JSON.stringify(violations));
  await p.page.addScriptTag({ content: "window.injected = 1" }).catch(() => {});
  check("the CSP blocks an injected inline script", (await p.page.evaluate(() => window.injected)) === undefined && violations.length > 0);
  const framer = await p.context.newPage();
  await framer.setContent(`<iframe id="f" src="${base}/"></iframe>`, { waitUntil: "load" });
  const framed = framer.frames().find((fr) => fr !== framer.mainFrame());
  const framedHtml = framed ? await framed.content() : "no frame";
  check("another page cannot frame the app", framed !== undefined && !framedHtml.includes("zcrm example"), framedHtml.slice(0, 200));
  await framer.close();

  // Declining consent returns to the app with a clear message.
  const d = await signIn("ryan.cole@zylker.example", "deny");
  await d.page.waitForURL(/\/oauth\/callback/);
  check("declining consent shows a clear message", ((await d.page.textContent("#declined")) || "").includes("You declined"));

  // A forged callback (wrong state) is refused and stores nothing.
  const before = tokenRows().length;
  const fctx = await browser.newContext();
  const f = await visit(fctx);
  await f.goto(`${base}/login`);
  await f.waitForSelector("#accept");
  const resp = await f.goto(`${base}/oauth/callback?code=1000.forged&state=not-the-one&location=us&accounts-server=${encodeURIComponent(emulator)}`);
  check("a forged callback is refused with 400", resp.status() === 400);
  check("the refusal says why", ((await f.textContent("#error")) || "").includes("wrong"));
  check("nothing was stored for the forged callback", tokenRows().length === before);

  // Signing in again as the same user-org updates the stored row.
  const p2 = await signIn("patricia.boyle@zylker.example");
  await p2.page.waitForURL(`${base}/records`);
  const rows = tokenRows();
  const users = rows.map((r) => r[1]).sort();
  check("one token row per user-org after a second login", JSON.stringify(users) === JSON.stringify(["amelia.burrows@acme.example:60054321", "patricia.boyle@zylker.example:60012345"]), JSON.stringify(users));

  // Signing out ends the session.
  await p2.page.goto(`${base}/logout`);
  const r = await p2.page.goto(`${base}/records`);
  check("after signing out /records asks to sign in", r.status() === 401);

  // No token, code or secret in the app's logs or pages.
  const secrets = [...codes];
  for (const [, , access, refresh, secret] of rows) secrets.push(access, refresh, secret);
  const haystack = logs + "\n" + pages.join("\n");
  const leaked = secrets.filter((s) => s && haystack.includes(s));
  check(`no secret in logs or pages (${secrets.length} checked)`, secrets.length >= 6 && leaked.length === 0, `${leaked.length} leaked`);
  check("cookies are HttpOnly and SameSite", (await p.context.cookies()).every((c) => c.httpOnly && c.sameSite === "Lax"));
} catch (e) {
  failed++;
  console.log(`not ok - ${e.stack || e}`);
} finally {
  await browser.close();
  app.kill();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
