// What a citizen does in the web wallet, step by step: each function starts from
// any wallet page and ends on the page its last tap led to.
import { expectText } from './chromium.mjs';

export async function signUp(page, wallet, name, pin) {
  await page.goto(wallet);
  await page.getByRole('link', { name: 'Create a wallet' }).tap();
  await page.getByLabel('Wallet name').fill(name);
  await page.getByLabel('PIN', { exact: true }).fill(pin);
  await page.getByLabel('PIN again').fill(pin);
}

export async function createWallet(page) {
  await page.getByRole('button', { name: 'Create my wallet' }).tap();
  await expectText(page, 'My cards');
}

export async function fillOffer(page, offer, pin) {
  await page.getByRole('link', { name: 'Add a card' }).tap();
  await page.getByLabel('Offer link').fill(offer);
  await page.getByLabel('PIN from the office').fill(pin);
}

export async function addCard(page, typeName) {
  await page.getByRole('button', { name: 'Add the card' }).tap();
  await expectText(page, `Added: ${typeName}`);
}

export async function fillRequest(page, request) {
  await page.getByRole('link', { name: 'Present' }).tap();
  await page.getByLabel('Request link').fill(request);
}

export async function consent(page) {
  await page.getByRole('button', { name: 'Continue' }).tap();
  await expectText(page, 'Share with this checkpoint?');
}

export async function share(page) {
  await page.getByRole('button', { name: 'Share', exact: true }).tap();
  await expectText(page, 'The checkpoint received your answer');
}
