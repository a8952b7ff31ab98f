// Opens a workflow in n8n's editor in headless Chromium, zooms to fit and writes a PNG.
// Started by screenshot.py, which puts puppeteer-core on NODE_PATH.
// Usage: node screenshot.cjs CHROMIUM URL SESSION_COOKIE PNG WIDTH HEIGHT [SCALE [X,Y,W,H]]
const puppeteer = require("puppeteer-core");

async function main() {
  const [chromium, url, cookie, png, width, height, scale, clip] = process.argv.slice(2);
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    defaultViewport: { width: Number(width), height: Number(height), deviceScaleFactor: Number(scale || 1) },
  });
  try {
    const page = await browser.newPage();
    const { hostname } = new URL(url);
    await page.setCookie({ name: "n8n-auth", value: cookie, domain: hostname, path: "/" });
    await page.goto(url, { waitUntil: "networkidle0", timeout: 120000 });
    await page.waitForSelector("[data-test-id='canvas-node']", { timeout: 120000 });
    // Let the canvas settle, then zoom to fit (n8n's shortcut `1`) with nothing selected.
    await new Promise((r) => setTimeout(r, 2000));
    await page.mouse.click(5, Number(height) - 5);
    await page.keyboard.press("Escape");
    await page.keyboard.press("1");
    await new Promise((r) => setTimeout(r, 1500));
    if (clip) {
      const [x, y, w, h] = clip.split(",").map(Number);
      await page.screenshot({ path: png, clip: { x, y, width: w, height: h } });
    } else {
      await page.screenshot({ path: png });
    }
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
