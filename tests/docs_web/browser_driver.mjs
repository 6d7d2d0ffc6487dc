// Drives Debian's chromium (headless) with playwright-core over the docs site:
// the parity page, then the demo (draw a digit, walk the latent plane).
// Writes results.json and PNG screenshots into OUT_DIR. Run by
// tests/docs_web/test_browser_parity.py:
//   node tests/docs_web/browser_driver.mjs http://127.0.0.1:PORT/ OUT_DIR
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [baseUrl, outDir] = process.argv.slice(2);
if (!baseUrl || !outDir) {
  console.error("usage: node browser_driver.mjs BASE_URL OUT_DIR");
  process.exit(2);
}
fs.mkdirSync(outDir, { recursive: true });
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 240_000;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
});
const results = { browser: browser.version(), console: [], pageErrors: [], failedRequests: [] };
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") results.console.push(m.text()); });
  page.on("pageerror", (e) => results.pageErrors.push(String(e)));
  page.on("requestfailed", (r) => results.failedRequests.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on("response", (r) => { if (r.status() >= 400) results.failedRequests.push(`${r.url()} HTTP ${r.status()}`); });

  // 1. Parity: every endpoint of every exported preset on its reference batches.
  let began = Date.now();
  await page.goto(new URL("demo/parity.html", baseUrl).href);
  await page.waitForFunction(() => window.parity && window.parity.done, null, { timeout: TIMEOUT });
  results.parity = await page.evaluate(() => window.parity);
  results.paritySeconds = (Date.now() - began) / 1000;
  await page.screenshot({ path: path.join(outDir, "parity.png"), fullPage: true });

  // 2. The demo page as a reader sees it (Material theme, KaTeX, the demo).
  began = Date.now();
  await page.goto(new URL("demo/", baseUrl).href);
  await page.waitForFunction(() => window.aezooDemo && (window.aezooDemo.ready || window.aezooDemo.error),
    null, { timeout: TIMEOUT });
  results.demoLoad = await page.evaluate(() => ({ error: window.aezooDemo.error, grid: window.aezooDemo.grid }));
  // The demo's area in page coordinates (an element screenshot would scroll it under the
  // theme's sticky header).
  const shootDemo = async (name) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const clip = await page.evaluate(() => {
      const r = document.getElementById("aezoo-demo").getBoundingClientRect();
      return { x: r.left + window.scrollX, y: r.top + window.scrollY - 8, width: r.width, height: r.height + 16 };
    });
    await page.screenshot({ path: path.join(outDir, name), clip, fullPage: true });
  };
  await shootDemo("demo_test_digit.png");

  // Draw a 7: a bar across the top, then a stroke down to the lower left.
  await page.click("#demo-clear");
  // Mouse coordinates are viewport coordinates: bring each canvas into view first.
  await page.locator("#demo-draw").scrollIntoViewIfNeeded();
  const box = await page.locator("#demo-draw").boundingBox();
  const at = (fx, fy) => [box.x + fx * box.width, box.y + fy * box.height];
  const strokes = [[[0.25, 0.22], [0.75, 0.22], [0.45, 0.85]]];
  for (const stroke of strokes) {
    await page.mouse.move(...at(...stroke[0]));
    await page.mouse.down();
    for (let i = 1; i < stroke.length; i++) await page.mouse.move(...at(...stroke[i]), { steps: 12 });
    await page.mouse.up();
  }
  const settle = async () => {
    let seq = -1;
    for (let i = 0; i < 40; i++) {
      const now = await page.evaluate(() => window.aezooDemo.seq);
      if (now === seq) return;
      seq = now;
      await page.waitForTimeout(400);
    }
  };
  await settle();
  results.drawn = await page.evaluate(() => window.aezooDemo.last);

  // Walk the latent plane: move over the pad to its upper right quadrant.
  await page.locator("#demo-pad").scrollIntoViewIfNeeded();
  const pad = await page.locator("#demo-pad").boundingBox();
  await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.5);
  await page.mouse.move(pad.x + pad.width * 0.8, pad.y + pad.height * 0.3, { steps: 8 });
  await settle();
  results.walk = await page.evaluate(() => window.aezooDemo.walk);
  results.demoError = await page.evaluate(() => window.aezooDemo.error);
  results.demoSeconds = (Date.now() - began) / 1000;
  await shootDemo("demo_drawn.png");
  await page.screenshot({ path: path.join(outDir, "demo_page.png"), fullPage: true });

  // 3. A concepts page with math, to see KaTeX render offline.
  await page.goto(new URL("concepts/elbo/", baseUrl).href);
  await page.waitForLoadState("networkidle");
  results.katexNodes = await page.locator(".katex").count();
  await page.screenshot({ path: path.join(outDir, "elbo_page.png") });

  // 4. The generated pages: the gallery and an executed notebook with its figures.
  await page.goto(new URL("gallery/", baseUrl).href);
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: path.join(outDir, "gallery_page.png") });
  await page.goto(new URL("notebooks/01_quickstart/", baseUrl).href);
  await page.waitForLoadState("networkidle");
  await page.locator("img").last().scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(outDir, "notebook_page.png") });
} finally {
  await browser.close();
}
fs.writeFileSync(path.join(outDir, "results.json"), JSON.stringify(results));
console.log(`browser ${results.browser}: parity ${results.paritySeconds}s, demo ${results.demoSeconds}s`);
