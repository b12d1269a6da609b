// The web wallet in a phone's browser, end to end: sign up, add a card from an
// office's offer link with its PIN, present it to a checkpoint's request link,
// read the consent screen, share, and see the result. Screenshots of each step go
// to the artifacts folder. Prints one JSON line: {"ok":true,...} or the fault.
//
// Usage: node wallet.mjs '{"wallet":URL,"offer":LINK,"pin":PIN,"request":LINK,"artifacts":DIR}'
import { mkdirSync } from 'node:fs';
import { phone, phoneFaults } from './chromium.mjs';

const input = JSON.parse(process.argv[2]);
mkdirSync(input.artifacts, { recursive: true });
const { browser, page } = await phone();
const steps = [];
const faults = [];

async function step(name) {
  await page.screenshot({ path: `${input.artifacts}/${String(steps.length + 1).padStart(2, '0')}-${name}.png`, fullPage: true });
  for (const f of await phoneFaults(page)) faults.push(`${name}: ${f}`);
  steps.push({ name, title: await page.title() });
}

// Waits (up to 10 s) for the page the last tap led to to show `text`.
async function expectText(text) {
  try {
    await page.waitForFunction((t) => document.body && document.body.innerText.includes(t), text, { timeout: 10000 });
  } catch {
    const body = await page.textContent('body');
    throw new Error(`"${text}" not on ${page.url()}: ${body.slice(0, 400)}`);
  }
}

try {
  await page.goto(input.wallet);
  await page.getByRole('link', { name: 'Create a wallet' }).tap();
  await page.getByLabel('Wallet name').fill('amira');
  await page.getByLabel('PIN', { exact: true }).fill('271828');
  await page.getByLabel('PIN again').fill('271828');
  await step('sign-up');
  await page.getByRole('button', { name: 'Create my wallet' }).tap();
  await expectText('My cards');
  await step('no-cards');

  await page.getByRole('link', { name: 'Add a card' }).tap();
  await page.getByLabel('Offer link').fill(input.offer);
  await page.getByLabel('PIN from the office').fill(input.pin);
  await step('add');
  await page.getByRole('button', { name: 'Add the card' }).tap();
  await expectText('Added: Passport');
  await step('card');
  await page.getByRole('link', { name: 'Cards' }).tap();
  await expectText('Passport');
  await step('cards');

  await page.getByRole('link', { name: 'Present' }).tap();
  await page.getByLabel('Request link').fill(input.request);
  await step('present');
  await page.getByRole('button', { name: 'Continue' }).tap();
  await expectText('Share with this checkpoint?');
  await expectText('Date of birth');
  await step('consent');
  await page.getByRole('button', { name: 'Share', exact: true }).tap();
  await expectText('The checkpoint received your answer');
  await step('shared');

  await page.getByRole('link', { name: 'History' }).tap();
  await expectText('Shared');
  await step('history');
  console.log(JSON.stringify({ ok: faults.length === 0, steps, faults }));
} catch (e) {
  await page.screenshot({ path: `${input.artifacts}/failure.png`, fullPage: true }).catch(() => {});
  console.log(JSON.stringify({ ok: false, steps, faults, error: String(e), url: page.url() }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
