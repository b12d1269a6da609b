// The whole story in a real browser, on a phone and then on a tablet: an officer
// signs in to the passport office's pages and issues a passport; a citizen signs up
// in the web wallet and adds it with the offer link and PIN; the checkpoint screen
// starts a border check; the citizen consents and shares; the screen says
// ACCEPTED. The officer revokes the passport; the wallet shows it revoked; the next
// border check says REJECTED, credential_revoked. Every page is checked for its
// device (nothing wider than the screen, touch targets ≥ 44 px, labelled fields)
// and for console errors; a screenshot of each step goes to the artifacts folder.
// Prints one JSON line: {"ok":true,"devices":[…]} or the fault.
//
// Usage: node story.mjs '{"office":URL,"token":T,"wallet":URL,"checkpoint":URL,
//                          "claims":[[name,value],…],"artifacts":DIR}'
import { mkdirSync } from 'node:fs';
import { PHONE, TABLET, deviceFaults, expectText, launch, open } from './chromium.mjs';
import { addCard, consent, createWallet, fillOffer, fillRequest, share, signUp } from './citizen.mjs';

const input = JSON.parse(process.argv[2]);
const browser = await launch();
const faults = [];
const devices = [];

// One run of the story on `device`; `steps` names each screenshot taken.
async function story(device) {
  const dir = `${input.artifacts}/${device.name}`;
  mkdirSync(dir, { recursive: true });
  const errors = [];
  const steps = [];
  const officer = await open(browser, device, errors);
  const citizen = await open(browser, device, errors);
  const desk = await open(browser, device, errors);
  async function step(page, name) {
    await page.screenshot({ path: `${dir}/${String(steps.length + 1).padStart(2, '0')}-${name}.png`, fullPage: true });
    for (const f of await deviceFaults(page)) faults.push(`${device.name} ${name}: ${f}`);
    steps.push(name);
  }
  const reference = `story-${device.name}`;

  // The officer issues a passport from the form the type's schema generates.
  await officer.goto(`${input.office}/officer/login`);
  await officer.getByLabel('Officer token').fill(input.token);
  await step(officer, 'officer-sign-in');
  await officer.getByRole('button', { name: 'Sign in' }).tap();
  await expectText(officer, 'Issue a credential');
  await officer.getByRole('link', { name: 'Passport', exact: true }).tap();
  await officer.getByLabel('Applicant reference').fill(reference);
  for (const [name, value] of input.claims) {
    const field = officer.locator(`[name="${name}"]`);
    if ((await field.evaluate((el) => el.tagName)) === 'SELECT') await field.selectOption(value);
    else await field.fill(value);
  }
  await step(officer, 'officer-form');
  await officer.getByRole('button', { name: 'Create the offer' }).tap();
  await expectText(officer, 'Give this to the citizen separately');
  await step(officer, 'officer-offer');
  const pin = (await officer.locator('p.pin').textContent()).trim();
  const offer = await officer.locator('details a').getAttribute('href');

  // The citizen adds it.
  await signUp(citizen, input.wallet, `erik-${device.name}`, '271828');
  await createWallet(citizen);
  await fillOffer(citizen, offer, pin);
  await step(citizen, 'wallet-add');
  await addCard(citizen, 'Passport');
  await step(citizen, 'wallet-card');

  // The border desk starts a check; the citizen consents and shares.
  async function borderCheck() {
    await desk.goto(input.checkpoint);
    await desk.getByRole('button', { name: /^Border/ }).tap();
    await expectText(desk, 'Ask the traveller to scan this code');
    return (await desk.locator('p.link').textContent()).trim();
  }
  let link = await borderCheck();
  await step(desk, 'checkpoint-waiting');
  await fillRequest(citizen, link);
  await consent(citizen);
  await expectText(citizen, 'Date of birth');
  await step(citizen, 'wallet-consent');
  await share(citizen);
  await step(citizen, 'wallet-shared');
  await expectText(desk, 'ACCEPTED');
  await step(desk, 'checkpoint-accepted');

  // The officer revokes it; the wallet says so; the border refuses it.
  await officer.goto(`${input.office}/officer/search?reference=${reference}`);
  await officer.getByLabel('Reason').fill('reported stolen');
  await step(officer, 'officer-search');
  await officer.getByRole('button', { name: 'Revoke (final)' }).tap();
  await expectText(officer, 'revoked');
  await step(officer, 'officer-revoked');
  // The office publishes the change a moment later, and the wallet service reads
  // the registry through a 10 s cache: reload the cards for up to 25 s.
  for (let tries = 0; ; tries += 1) {
    await citizen.goto(`${input.wallet}/cards`);
    if (await citizen.locator('.badge-revoked').count()) break;
    if (tries > 50) {
      await step(citizen, 'wallet-not-revoked');
      const badges = await citizen.locator('.badge').allTextContents();
      throw new Error(`the wallet never showed the card revoked: ${badges.join(', ')}`);
    }
    await citizen.waitForTimeout(500);
  }
  await step(citizen, 'wallet-revoked');
  link = await borderCheck();
  await fillRequest(citizen, link);
  await consent(citizen);
  await citizen.getByRole('button', { name: 'Share', exact: true }).tap();
  await expectText(desk, 'REJECTED');
  await expectText(desk, 'credential_revoked');
  await step(desk, 'checkpoint-rejected');

  for (const e of errors) faults.push(`${device.name}: ${e}`);
  devices.push({ device: device.name, steps });
}

try {
  await story(PHONE);
  await story(TABLET);
  console.log(JSON.stringify({ ok: faults.length === 0, devices, faults }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, devices, faults, error: String(e) }));
  process.exitCode = 1;
} finally {
  await browser.close();
}
