import * as path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { type RunningApp, startApp } from './support/app';
import { artifactsDir, launchChromium } from './support/browser';
import { CHAT_SERVER, get } from './support/http';
import { eventually } from './support/wait';

/**
 * The demo page in a real browser, as two people use it: alice on her phone in one tab, bob on
 * his phone and laptop in another. Ticks and badges must change on each page, live, and a
 * device that went offline must catch up when it comes back.
 */
jest.setTimeout(120_000);

const LIVE = { timeout: 15_000 };
let running: RunningApp;
let browser: Browser;
let context: BrowserContext;
let shots: string;

beforeAll(async () => {
  running = await startApp();
  browser = await launchChromium();
  shots = artifactsDir('demo-browser');
});
afterAll(async () => {
  await browser?.close();
  await running?.close();
});

const openAs = async (room: string, panes: string, sim: 'on' | 'off'): Promise<Page> => {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${running.url}/demo/?room=${room}&panes=${panes}&sim=${sim}`);
  await page.locator('.pane .connection[data-online="true"]').first().waitFor(LIVE);
  expect(errors).toEqual([]);
  return page;
};

const pane = (page: Page, user: string, device: string): Locator =>
  page.locator(`.pane[data-user="${user}"][data-device="${device}"]`);
const badge = (p: Locator, conversation: string): Locator =>
  p.locator(`.conversation[data-conversation="${conversation}"] .badge`);
const ownMessages = (p: Locator): Locator => p.locator('.message.own');

const expectAttribute = async (locator: Locator, name: string, value: string): Promise<void> => {
  await locator
    .and(locator.page().locator(`[${name}="${value}"]`))
    .waitFor({ ...LIVE, state: 'attached' });
};

const send = async (p: Locator, text: string): Promise<void> => {
  await p.locator('.composer input').fill(text);
  await p.locator('.composer button').click();
};

const snap = (page: Page, name: string) =>
  page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

describe('the demo page in chromium', () => {
  it('moves ticks and badges on every device, and a device catches up after being offline', async () => {
    context = await browser.newContext();
    const room = `r${Date.now().toString(36)}`;
    const alicePage = await openAs(room, 'alice:phone', 'on');
    const bobPage = await openAs(room, 'bob:phone,bob:laptop', 'off');
    const alice = pane(alicePage, 'alice', 'phone');
    const bobPhone = pane(bobPage, 'bob', 'phone');
    const bobLaptop = pane(bobPage, 'bob', 'laptop');
    await bobPage.locator('.pane .connection[data-online="true"]').nth(1).waitFor(LIVE);

    // Sent, then delivered to bob's online devices; both show the unread badge.
    await alice.locator('.conversation[data-conversation="dm"]').click();
    await send(alice, 'hi bob');
    const first = ownMessages(alice).first();
    await expectAttribute(first, 'data-status', 'delivered');
    await expectAttribute(badge(bobPhone, 'dm'), 'data-unread', '1');
    await expectAttribute(badge(bobLaptop, 'dm'), 'data-unread', '1');
    await snap(alicePage, '1-alice-delivered');
    await snap(bobPage, '1-bob-unread');

    // The laptop goes offline; bob reads on his phone: alice sees read, the phone's badge clears.
    await bobLaptop.locator('.connection').click();
    await expectAttribute(bobLaptop.locator('.connection'), 'data-online', 'false');
    await bobPhone.locator('.conversation[data-conversation="dm"]').click();
    await expectAttribute(first, 'data-status', 'read');
    await send(alice, 'are you there?');
    await expectAttribute(ownMessages(alice).nth(1), 'data-status', 'read');
    await bobPhone.locator('.back').click();
    await expectAttribute(bobPhone.locator('.total'), 'data-unread', '0');
    // Offline, the laptop still shows what it knew.
    await expectAttribute(badge(bobLaptop, 'dm'), 'data-unread', '1');
    await snap(alicePage, '2-alice-read');
    await snap(bobPage, '2-bob-laptop-offline');

    // Back online, the laptop catches up from the change feed (bob's read): nothing unread.
    await bobLaptop.locator('.connection').click();
    await expectAttribute(bobLaptop.locator('.connection'), 'data-online', 'true');
    await expectAttribute(badge(bobLaptop, 'dm'), 'data-unread', '0');
    await expectAttribute(bobLaptop.locator('.total'), 'data-unread', '0');
    await snap(bobPage, '3-bob-laptop-caught-up');

    // The group: alice's phone goes offline and she sends from it (the chat server takes the
    // message); the played members deliver and read it while she is away (each within 4 s). Back
    // online, her phone catches up through the feed and shows their ticks.
    await alice.locator('.back').click();
    await alice.locator('.conversation[data-conversation="group"]').click();
    await alice.locator('.connection').click();
    await expectAttribute(alice.locator('.connection'), 'data-online', 'false');
    await send(alice, 'hello group');
    const groupMessage = ownMessages(alice).first();
    await expectAttribute(groupMessage, 'data-status', 'sent');
    await expectAttribute(badge(bobLaptop, 'group'), 'data-unread', '1');
    const messageId = await groupMessage.getAttribute('data-message-id');
    await eventually(
      'the played members read while alice is away',
      async () => {
        const summary = await get(
          running.url,
          `/conversations/group-${room}/messages/${messageId}/summary`,
          CHAT_SERVER,
        );
        expect(summary.body).toMatchObject({ readCount: 4 });
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    await alice.locator('.connection').click();
    await groupMessage.locator('.read-by', { hasText: 'read by 4 of 5' }).waitFor(LIVE);
    await alice.locator('.caught-up', { hasText: /caught up to position [1-9]\d*/ }).waitFor(LIVE);
    // Their deliveries and reads came from the change feed, not from pushes or snapshots.
    expect(Number(await alice.locator('.caught-up').getAttribute('data-entries'))).toBeGreaterThan(
      0,
    );
    await snap(alicePage, '5-alice-caught-up');
    await bobLaptop.locator('.conversation[data-conversation="group"]').click();
    await groupMessage.locator('.read-by', { hasText: 'read by 5 of 5' }).waitFor(LIVE);
    await expectAttribute(groupMessage, 'data-status', 'read');
    await expectAttribute(badge(bobPhone, 'group'), 'data-unread', '0');
    await groupMessage.locator('.ticks').click();
    const readers = alice.locator('.detail li[data-status="read"]');
    await readers.nth(4).waitFor(LIVE);
    expect(await readers.count()).toBe(5);
    await snap(alicePage, '4-alice-group-detail');
    await snap(bobPage, '4-bob-group');
    await context.close();
  });
});
