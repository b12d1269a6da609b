// The web wallet in a phone's browser, end to end: sign up, add a card from an
// office's offer link with its PIN, present it to a checkpoint's request link,
// read the consent screen, share, and see the result. Screenshots of each step go
// to the artifacts folder. Prints one JSON line: {"ok":true,...} or the fault.
//
// Usage: node wallet.mjs '{"wallet":URL,"offer":LINK,"pin":PIN,"request":LINK,"artifacts":DIR}'
import { mkdirSync } from 'node:fs';
import { deviceFaults, expectText, phone } from './chromium.mjs';
import { addCard, consent, createWallet, fillOffer, fillRequest, share, signUp } from './citizen.mjs';

const input = JSON.parse(process.argv[2]);
mkdirSync(input.artifacts, { recursive: true });
const { browser, page } = await phone();
const steps = [];
const faults = [];

async function step(name) {
  await page.screenshot({ path: `${input.artifacts}/${String(steps.length + 1).padStart(2, '0')}-${name}.png`, fullPage: true });
  for (const f of await deviceFaults(page)) faults.push(`${name}: ${f}`);
  steps.push({ name, title: await page.title() });
}

try {
  await signUp(page, input.wallet, 'amira', '271828');
  await step('sign-up');
  await createWallet(page);
  await step('no-cards');

  await fillOffer(page, input.offer, input.pin);
  await step('add');
  await addCard(page, 'Passport');
  await step('card');
  await page.getByRole('link', { name: 'Cards', exact: true }).tap();
  await expectText(page, 'Passport');
  await step('cards');

  await fillRequest(page, input.request);
  await step('present');
  await consent(page);
  await expectText(page, 'Date of birth');
  await step('consent');
  await share(page);
  await step('shared');

  await page.getByRole('link', { name: 'History' }).tap();
  await expectText(page, 'Shared');
  await step('history');
  console.log(JSON.stringify({ ok: faults.length === 0, steps, faults }));
} catch (e) {
  await page.screenshot({ path: `${input.artifacts}/failure.png`, fullPage: true }).catch(() => {});
  console.log(JSON.stringify({ ok: false, steps, faults, error: String(e), url: page.url() }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
