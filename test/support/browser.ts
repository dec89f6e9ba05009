import { afterAll, beforeAll, expect } from '@jest/globals';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { DEMO_PASSWORD } from '../../db/demo-data';
import { because } from './because';
import { startTestPlatform } from './platform';

/** Debian's Chromium, driven by Playwright (its own browser download cannot work here). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
}

/** Runs a check in a phone-sized page; on failure, keeps a screenshot of what the browser showed. */
export async function onPage(browser: Browser, name: string, run: (page: Page) => Promise<void>) {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'vi-VN', acceptDownloads: true });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  try {
    await run(page);
  } catch (e) {
    await mkdir('test-output/screenshots', { recursive: true });
    await page.screenshot({ path: `test-output/screenshots/${name}.png`, fullPage: true }).catch(() => undefined);
    throw e;
  } finally {
    await context.close();
  }
}

/** A screenshot for people to look at (kept whether the test passes or not). */
export async function keepScreenshot(page: Page, name: string) {
  await mkdir('test-output/screenshots', { recursive: true });
  await page.screenshot({ path: `test-output/screenshots/${name}.png`, fullPage: true });
}

/** axe-core finds no serious or critical WCAG 2.1 AA violation, and nothing scrolls sideways at 360 px. */
export async function accessible(page: Page) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const serious = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  because(`axe on ${page.url()}`, () => expect(serious).toEqual([]));
  // (Evaluated in the page: `document` is the browser's.)
  const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as number;
  because(`no sideways scrolling at 360 px on ${page.url()}`, () => expect(overflow).toBeLessThanOrEqual(0));
}

/** Opens the header's menu ("Danh mục") as a person would and returns the main navigation. */
export async function openMenu(page: Page) {
  const nav = page.getByRole('navigation', { name: 'Điều hướng chính' });
  if ((await nav.locator('details').getAttribute('open')) === null) await nav.getByText('Danh mục', { exact: true }).click();
  return nav;
}

/** Signs in through the local OpenID provider's login page, as a person would, and lands back on the portal. */
export async function signInAs(page: Page, apiUrl: string, subject: string, next?: string) {
  await page.goto(`${apiUrl}/auth/login${next ? `?next=${encodeURIComponent(next)}` : ''}`);
  await page.getByLabel('Tên đăng nhập').fill(subject);
  await page.getByLabel('Mật khẩu').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.waitForURL((u) => u.toString().startsWith(apiUrl) && !u.pathname.startsWith('/auth/'));
}

/**
 * A test file's platform and browser: started before its tests, stopped after them. `onPage` runs a
 * check in a fresh phone-sized page of that browser.
 */
export function portalInBrowser() {
  const ctx = {} as { p: Awaited<ReturnType<typeof startTestPlatform>>; browser: Browser; onPage: (name: string, run: (page: Page) => Promise<void>) => Promise<void> };
  beforeAll(async () => {
    ctx.p = await startTestPlatform();
    ctx.browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await ctx.browser?.close();
    await ctx.p?.stop();
  });
  ctx.onPage = (name, run) => onPage(ctx.browser, name, run);
  return ctx;
}
