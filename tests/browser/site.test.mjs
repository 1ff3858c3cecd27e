// Browser tests of the site kb builds: rendering, accessibility (axe-core),
// offline-ness, in-page search (Pagefind), copy buttons, the file:// search
// explanation, the no-JavaScript catalogue filter, and screenshots.
//
// Run by tests/browser/run, which builds and indexes a fixture site and sets
//   KB_SITE       the built, Pagefind-indexed site folder
//   KB_ARTEFACTS  where screenshots go (build/artefacts)
// Uses the system Chromium (never a downloaded browser) through
// playwright-core, and axe-core from node_modules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { launch } from './chromium.mjs';
import { serve } from './serve.mjs';

const require = createRequire(import.meta.url);
const SITE = path.resolve(process.env.KB_SITE || 'site');
const ARTEFACTS = path.resolve(process.env.KB_ARTEFACTS || 'build/artefacts');
const AXE = require.resolve('axe-core/axe.min.js');

// One page of each kind, with the text its <h1> must show.
const PAGES = [
  { name: 'home', url: 'index.html', h1: 'Fixture' },
  { name: 'entry', url: 'topics/gil.html', h1: 'The Global Interpreter Lock' },
  { name: 'example', url: 'examples/c-hello.html', h1: 'Hello from a POSIX thread' },
  { name: 'matrix', url: 'compare.html', h1: 'Concurrency across languages' },
  { name: 'catalogue', url: 'resources/index.html', h1: 'Resources' },
  { name: 'tags', url: 'tags/index.html', h1: 'Tags' },
  { name: 'recent', url: 'recent.html', h1: 'Recent changes' },
];
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1366, height: 900 },
];

let server, base, browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(SITE, 'index.html')), `no site in ${SITE}`);
  assert.ok(fs.existsSync(path.join(SITE, 'pagefind', 'pagefind.js')), `${SITE} is not indexed by Pagefind`);
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  server = await serve(SITE);
  base = `http://127.0.0.1:${server.address().port}/`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

// A new page that records console errors, uncaught exceptions and any
// request that would leave 127.0.0.1 (those are aborted, not sent).
async function open(options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'file:' || u.protocol === 'data:' || u.hostname === '127.0.0.1') return route.continue();
    problems.push(`request outside the site: ${u.href}`);
    return route.abort();
  });
  return { context, page, problems };
}

async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

for (const scheme of ['light', 'dark']) {
  for (const vp of VIEWPORTS) {
    test(`pages render, offline and accessible (${scheme}, ${vp.name})`, async () => {
      const { context, page, problems } = await open({
        viewport: { width: vp.width, height: vp.height }, colorScheme: scheme,
      });
      try {
        for (const p of PAGES) {
          const res = await page.goto(base + p.url, { waitUntil: 'load' });
          assert.equal(res.status(), 200, p.url);
          assert.equal((await page.locator('h1').first().textContent()).trim(), p.h1, p.url);
          // No horizontal page scroll, on the phone too.
          const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
          assert.ok(overflow <= 1, `${p.url}: page scrolls sideways by ${overflow}px at ${vp.width}px`);
          const bad = await axeViolations(page);
          assert.deepEqual(bad, [], `${p.url} (${scheme}, ${vp.name}): ${JSON.stringify(bad, null, 1)}`);
          await page.screenshot({ path: path.join(ARTEFACTS, `${p.name}-${vp.name}-${scheme}.png`) });
        }
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    });
  }
}

test('entry pages show breadcrumbs, tags, table of contents, backlinks and prev/next', async () => {
  const { context, page, problems } = await open();
  try {
    await page.goto(base + 'guides/start-here.html');
    await assert.doesNotReject(page.locator('nav.breadcrumbs a[href="../guides/index.html"]').waitFor());
    assert.equal(await page.locator('nav.toc a').count(), 3);
    await page.goto(base + 'topics/threads.html');
    assert.match(await page.locator('.backlinks').textContent(), /The Global Interpreter Lock/);
    assert.match(await page.locator('ul.tags').textContent(), /threads/);
    assert.equal(await page.locator('a[rel=prev]').getAttribute('href'), '../topics/gil.html');
    // Pagefind indexes entry pages only, with their title, section and tags.
    assert.equal(await page.locator('article[data-pagefind-body]').count(), 1);
    await page.goto(base + 'index.html');
    assert.equal(await page.locator('[data-pagefind-body]').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('example pages show the code, the verified output and its provenance', async () => {
  const { context, page } = await open({ viewport: { width: 1366, height: 900 } });
  try {
    await page.goto(base + 'examples/c-hello.html');
    const fig = page.locator('figure.snippet').first();
    assert.match(await fig.locator('.snippet-output').textContent(), /hello from a thread/);
    assert.match(await fig.locator('figcaption .badge').textContent(), /verified|compile-only|display-only/);
    // Side by side on a wide screen: the output is to the right of the code.
    const code = await fig.locator('pre.hl').boundingBox();
    const out = await fig.locator('.snippet-output').boundingBox();
    assert.ok(out.x > code.x + code.width - 1, 'output is not beside the code on a wide screen');
    await page.setViewportSize({ width: 390, height: 844 });
    const code2 = await fig.locator('pre.hl').boundingBox();
    const out2 = await fig.locator('.snippet-output').boundingBox();
    assert.ok(out2.y >= code2.y + code2.height - 1, 'output is not below the code on a phone');
  } finally {
    await context.close();
  }
});

test('the search box finds an entry as you type, by keyboard', async () => {
  const { context, page, problems } = await open();
  try {
    await page.goto(base + 'examples/hello.html');
    const input = page.getByRole('searchbox', { name: 'Search the site' });
    await input.fill('interpreter lock');
    const hit = page.locator('.search-results a', { hasText: 'The Global Interpreter Lock' });
    await hit.first().waitFor({ timeout: 10000 });
    await input.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement.textContent);
    assert.match(focused, /Global Interpreter Lock/);
    await Promise.all([page.waitForURL(/topics\/gil\.html$/), page.keyboard.press('Enter')]);
    // Filters from the data-pagefind-filter attributes.
    const filters = await page.evaluate(async () => {
      const pf = await import(new URL('../pagefind/pagefind.js', location.href).href);
      return pf.filters();
    });
    assert.ok(filters.section && filters.section.Topics >= 2, JSON.stringify(filters));
    assert.ok(filters.tag && filters.tag.gil >= 1, JSON.stringify(filters));
    assert.ok(filters.language && filters.language.python >= 1, JSON.stringify(filters));
    await input.fill('zzzznotaword');
    await page.locator('.search-status', { hasText: 'No results' }).waitFor();
    await input.press('Escape');
    assert.equal(await page.locator('.search-panel').isHidden(), true);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

// A question as a learner types it: the box leaves out the question words
// (kb-search-words.json), lets any remaining word match, and finds the
// entry through the synonyms (kb.lua) of its answers: ("freeze" for
// "hang"), which the page lists for readers too.
test('the search box answers a question through answers: and synonyms', async () => {
  const { context, page, problems } = await open();
  try {
    await page.goto(base + 'index.html');
    const input = page.getByRole('searchbox', { name: 'Search the site' });
    await input.fill('why does my program freeze');
    const list = page.locator('.search-results[data-query="why does my program freeze"]');
    await list.waitFor({ state: 'attached', timeout: 10000 });
    const first = page.locator('.search-results a').first();
    assert.match(await first.textContent(), /^Deadlock/);
    // without the question words list, "why" "does" "my" would be required
    const words = await page.evaluate(async () => (await fetch('kb-search-words.json')).json());
    assert.ok(words.question_words.includes('why') && words.question_words.includes('does'));
    await Promise.all([page.waitForURL(/topics\/deadlock\.html$/), first.click()]);
    const answers = page.locator('details.answers');
    assert.equal(await answers.locator('summary').textContent(), 'Questions this page answers');
    assert.deepEqual(await answers.locator('li').allTextContents(),
      ['why does my program hang forever', 'two threads waiting on each other']);
    assert.equal(await page.locator('[data-pagefind-weight="5"][hidden]').textContent(), 'freeze stuck');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the copy button copies the code', async () => {
  const { context, page } = await open();
  try {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    await page.goto(base + 'examples/c-hello.html');
    const button = page.locator('figure.snippet .copy').first();
    await button.click();
    await page.locator('.copy', { hasText: 'Copied' }).first().waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const code = await page.locator('figure.snippet pre.hl code').first().textContent();
    assert.equal(copied, code);
    assert.match(copied, /pthread_create/);
  } finally {
    await context.close();
  }
});

test('from file:// the search box says how to search instead', async () => {
  const { context, page, problems } = await open();
  try {
    await page.goto('file://' + path.join(SITE, 'topics', 'gil.html'));
    await page.getByRole('searchbox', { name: 'Search the site' }).focus();
    const help = page.locator('.search-help');
    await help.waitFor();
    assert.match(await help.textContent(), /Search needs a web server: run kb serve, or kb search WORDS in a terminal/);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('without JavaScript: pages work and the catalogue filters by level', async () => {
  const { context, page } = await open({ javaScriptEnabled: false });
  try {
    await page.goto(base + 'resources/index.html');
    const rows = page.locator('table.catalogue tbody tr');
    assert.equal(await rows.count(), 2);
    assert.match(await page.locator('.badge-archived').first().textContent(), /archived/);
    await page.getByLabel('Beginner').check();
    assert.equal(await page.locator('tr[data-level="beginner"]').isVisible(), true);
    assert.equal(await page.locator('tr[data-level="intermediate"]').isVisible(), false);
    await page.getByLabel('All levels').check();
    await page.getByLabel('Only live links').check();
    assert.equal(await page.locator('tr[data-status="archived"]').isVisible(), false);
    // Code is highlighted at build time and the matrix links each cell.
    await page.goto(base + 'compare.html');
    assert.equal(await page.locator('table.matrix tbody tr').count(), 2);
    assert.equal(await page.locator('td a[href="languages/python.html#facet-threads"]').count(), 1);
  } finally {
    await context.close();
  }
});

test('unknown addresses get the 404 page', async () => {
  const { context, page } = await open();
  try {
    const res = await page.goto(base + 'topics/no-such-entry.html');
    assert.equal(res.status(), 404);
    assert.equal((await page.locator('h1').textContent()).trim(), 'Page not found');
  } finally {
    await context.close();
  }
});
