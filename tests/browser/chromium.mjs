// Launches Debian's Chromium headless as the machine allows it: no sandbox (root
// in CI), no background networking (the network is closed; without these flags
// Chromium keeps dialling Google's hosts). Devices are a phone (360×740, touch)
// and a tablet (768×1024, touch).
import { chromium } from 'playwright-core';

export const PHONE = { name: 'phone', viewport: { width: 360, height: 740 } };
export const TABLET = { name: 'tablet', viewport: { width: 768, height: 1024 } };

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// A page on `device` in its own context (its own cookies). Console errors and
// uncaught exceptions are collected into `errors`.
export async function open(browser, device, errors) {
  const context = await browser.newContext({
    viewport: device.viewport, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  const page = await context.newPage();
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return page;
}

export async function phone() {
  const browser = await launch();
  const page = await open(browser, PHONE, []);
  return { browser, page };
}

// What a page must hold at its device's width: nothing wider than the screen, every
// button and text field at least 44 CSS pixels high (WCAG 2.2 §2.5.5), every
// input labelled. Returns the faults found.
export async function deviceFaults(page) {
  return page.evaluate((width) => {
    const faults = [];
    if (document.documentElement.scrollWidth > width) {
      faults.push(`page is ${document.documentElement.scrollWidth}px wide`);
    }
    for (const el of document.querySelectorAll('button, input:not([type=hidden]):not([type=checkbox]), textarea, a.button')) {
      const box = el.getBoundingClientRect();
      if (box.height > 0 && box.height < 44) faults.push(`${el.outerHTML.slice(0, 60)} is ${box.height}px high`);
    }
    for (const el of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
      const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.getAttribute('aria-label');
      if (!labelled) faults.push(`${el.outerHTML.slice(0, 60)} has no label`);
    }
    return faults;
  }, page.viewportSize().width);
}

export const phoneFaults = deviceFaults;

// Waits (up to 10 s) for `page` to show `text`; the page may navigate or refresh
// itself meanwhile (the checkpoint screen does every 2 s while it waits).
export async function expectText(page, text) {
  let body = '';
  for (let tries = 0; tries < 50; tries += 1) {
    body = await page.innerText('body').catch(() => '');
    if (body.includes(text)) return;
    await page.waitForTimeout(200);
  }
  throw new Error(`"${text}" not on ${page.url()}: ${body.slice(0, 400)}`);
}
