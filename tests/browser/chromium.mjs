// Launches Debian's Chromium headless for a phone (360×740, touch), as the machine
// allows it: no sandbox (root in CI), no background networking (the network is
// closed; without these flags Chromium keeps dialling Google's hosts).
import { chromium } from 'playwright-core';

export const PHONE = { width: 360, height: 740 };

export async function phone() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const context = await browser.newContext({
    viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  });
  const page = await context.newPage();
  return { browser, page };
}

// What a page must hold at a phone's width: nothing wider than the screen, every
// button and text field at least 44 CSS pixels high (WCAG 2.2 §2.5.5), every
// input labelled. Returns the faults found.
export async function phoneFaults(page) {
  return page.evaluate((width) => {
    const faults = [];
    if (document.documentElement.scrollWidth > width) {
      faults.push(`page is ${document.documentElement.scrollWidth}px wide`);
    }
    for (const el of document.querySelectorAll('button, input:not([type=hidden]):not([type=checkbox]), textarea, a.button')) {
      const box = el.getBoundingClientRect();
      if (box.height > 0 && box.height < 44) faults.push(`${el.outerHTML.slice(0, 60)} is ${box.height}px high`);
    }
    for (const el of document.querySelectorAll('input:not([type=hidden]), textarea')) {
      const labelled = (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.getAttribute('aria-label');
      if (!labelled) faults.push(`${el.outerHTML.slice(0, 60)} has no label`);
    }
    return faults;
  }, 360);
}
