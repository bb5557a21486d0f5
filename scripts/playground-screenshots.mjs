#!/usr/bin/env node
// Takes the README's playground screenshots (playground/screenshots/*.png) in headless
// Chromium with playwright-core: the page at start, mid-training on the spirals, and
// the vanishing-gradient preset after some training. Needs `npm run build` and
// /usr/bin/chromium (or $MYELIN_CHROMIUM). Usage: node scripts/playground-screenshots.mjs
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { playgroundDir, servePlayground } from "../dist/cli/playground.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "playground", "screenshots");
mkdirSync(out, { recursive: true });

const server = await servePlayground(playgroundDir(), 0);
const origin = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.MYELIN_CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 940 } });
  const ready = () => page.waitForFunction(() => /parameters/.test(document.getElementById("status").textContent));
  const shot = (name) => page.screenshot({ path: join(out, `${name}.png`) });
  /** Trains until the step counter passes `steps`, then pauses and lets the last report draw. */
  const train = async (steps) => {
    await page.getByTestId("train-toggle").click();
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="step-count"]').textContent) >= n, steps, { timeout: 60_000 });
    await page.getByTestId("train-toggle").click();
    await page.waitForTimeout(400);
  };

  await page.goto(`${origin}/`);
  await ready();
  await page.waitForTimeout(300);
  await shot("start");

  await page.goto(`${origin}/#data=spirals&noise=0.05&layers=8tanh,8tanh`);
  await ready();
  await page.locator("#speed").selectOption("10"); // slow enough for the curves to have points
  await train(700);
  await shot("mid-training");

  await page.goto(`${origin}/`);
  await ready();
  await page.locator("#preset").selectOption("vanishing");
  await ready();
  await train(3000);
  await shot("vanishing-gradients");
  console.log(`wrote ${out}/{start,mid-training,vanishing-gradients}.png`);
} finally {
  await browser.close();
  server.close();
}
