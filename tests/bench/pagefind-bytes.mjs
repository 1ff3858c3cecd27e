// How many bytes of Pagefind's index a reader's browser fetches per search,
// on a site indexed by Pagefind (SITE/pagefind/). Run by
// tests/bench/pagefind-bench; usable on its own:
//
//   node tests/bench/pagefind-bytes.mjs SITE QUERY...
//
// Serves SITE on 127.0.0.1 (tests/browser/serve.mjs, which sends
// `cache-control: no-store`), opens index.html in the system Chromium
// through playwright-core (never a downloaded browser; KB_CHROMIUM to use
// another binary), and for each QUERY, in a fresh browser context (empty
// HTTP cache):
//   - focuses the search box, which makes kb.js load Pagefind (pagefind.js,
//     its worker, the WebAssembly module, the metadata file): the one-time
//     cost of the first search on a page;
//   - types QUERY a key at a time, as a reader does (Pagefind preloads index
//     chunks for each prefix), and waits until the results are shown
//     (status line and result links, or "No results") and the network is
//     quiet: the index chunks and the result fragments of that query;
//   - then, in the same page, clears the box and types the next QUERY (the
//     first one after the last): the incremental cost of a second search.
// Counts every response under /pagefind/ (response.body().length, which is
// the size on disk: Pagefind's index files are already compressed and the
// server adds no encoding), whether requested by the page or by Pagefind's
// worker. Prints a table. Reports; asserts nothing about the figures.
// Exit status: 0 measured, 1 the page did not behave (no search box, no
// Pagefind request seen), 2 usage or setup error.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const require = createRequire(path.join(repo, 'package.json'));

const TYPE_DELAY_MS = 40; // between keys; under kb.js's 150 ms debounce
const RESULT_TIMEOUT_MS = 10000; // per query
const QUIET_MS = 300; // no /pagefind/ request in flight for this long

function usage(msg) {
  console.error(`pagefind-bytes: ${msg}`);
  process.exit(2);
}

const [site, ...queries] = process.argv.slice(2);
if (!site || queries.length === 0) usage('usage: node tests/bench/pagefind-bytes.mjs SITE QUERY...');
if (!fs.existsSync(path.join(site, 'index.html'))) usage(`${site}/index.html: no built site there`);
if (!fs.existsSync(path.join(site, 'pagefind', 'pagefind.js'))) usage(`${site}: not indexed by Pagefind`);
const executablePath = process.env.KB_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(executablePath)) usage(`${executablePath}: not installed (apt-get install chromium)`);
let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch {
  usage(`playwright-core is not installed: run 'npm ci' in ${repo}`);
}
const { serve } = await import(path.join(repo, 'tests/browser/serve.mjs'));

// Counts /pagefind/ traffic of one browser context. mark() starts a new
// phase; phase() returns what was fetched since the last mark.
function meter(context) {
  const m = { inflight: 0, last: Date.now(), reqs: 0, bytes: 0, files: [], pending: [] };
  const ours = (url) => new URL(url).pathname.startsWith('/pagefind/');
  context.on('request', (req) => {
    if (!ours(req.url())) return;
    m.inflight++;
    m.last = Date.now();
  });
  const done = (req) => {
    if (!ours(req.url())) return;
    m.inflight--;
    m.last = Date.now();
  };
  context.on('requestfinished', done);
  context.on('requestfailed', done);
  context.on('response', (res) => {
    if (!ours(res.url())) return;
    m.pending.push(res.body().then((b) => {
      m.reqs++;
      m.bytes += b.length;
      m.files.push(`${new URL(res.url()).pathname} ${b.length}`);
    }, () => {
      m.reqs++;
      m.files.push(`${new URL(res.url()).pathname} (no body, status ${res.status()})`);
    }));
  });
  return {
    async quiet() {
      const until = Date.now() + RESULT_TIMEOUT_MS;
      while (Date.now() < until && (m.inflight > 0 || Date.now() - m.last < QUIET_MS))
        await new Promise((r) => setTimeout(r, 50));
      await Promise.all(m.pending);
    },
    async phase() {
      await this.quiet();
      const r = { reqs: m.reqs, bytes: m.bytes, files: m.files };
      m.reqs = 0; m.bytes = 0; m.files = []; m.pending = [];
      return r;
    },
  };
}

// Types q into the (focused, empty) search box and waits for its results.
// Returns the status line ("12 results, showing 8", "No results for ...").
async function search(page, input, q) {
  await input.pressSequentially(q, { delay: TYPE_DELAY_MS });
  try {
    await page.waitForFunction((want) => {
      const input = document.querySelector('.search input');
      const status = document.querySelector('.search-status');
      if (!input || !status || input.value.trim() !== want) return false;
      const t = status.textContent;
      return /^No results/.test(t) || /not available/.test(t) ||
        (/result/.test(t) && document.querySelector('.search-results a') !== null);
    }, q, { timeout: RESULT_TIMEOUT_MS, polling: 50 });
  } catch {
    return '(no results shown in time)';
  }
  return (await page.locator('.search-status').textContent()).trim();
}

function kib(n) {
  return (n / 1024).toFixed(1);
}

function shortStatus(s) {
  const m = s.match(/^(\d+) results?/);
  if (m) return m[1];
  if (/^No results/.test(s)) return '0';
  return s;
}

const server = await serve(site);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
  executablePath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const rows = [];
let failed = false;
try {
  for (let i = 0; i < queries.length; i++) {
    const q = queries[i];
    const next = queries[(i + 1) % queries.length];
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const meterOf = meter(context);
      await page.goto(base + 'index.html', { waitUntil: 'load' });
      const input = page.getByRole('searchbox', { name: 'Search the site' });
      if (await input.count() === 0) {
        console.error('pagefind-bytes: no search box (searchbox "Search the site") on index.html');
        failed = true;
        break;
      }
      await input.focus();
      const load = await meterOf.phase();
      const status = await search(page, input, q);
      const first = await meterOf.phase();
      await input.fill('');
      await meterOf.phase(); // clearing fetches nothing, but settle anyway
      const status2 = await search(page, input, next);
      const second = await meterOf.phase();
      rows.push({ q, status, load, first, next, status2, second });
      if (process.env.KB_VERBOSE) {
        for (const [name, ph] of [['load', load], [q, first], [next, second]])
          console.log(`  ${name}:\n    ${ph.files.join('\n    ')}`);
      }
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
if (failed) process.exit(1);
// Focusing the box must load Pagefind; a query may fetch nothing (a word
// no index chunk covers).
if (rows.some((r) => r.load.reqs === 0)) {
  console.error('pagefind-bytes: focusing the search box loaded nothing under /pagefind/');
  process.exit(1);
}

const W = Math.max(14, ...queries.map((q) => q.length + 2));
const pad = (s, n) => String(s).padStart(n);
console.log('Bytes fetched under /pagefind/ per search (KiB; fresh page and HTTP cache per row):');
console.log(`${'query'.padEnd(W)}${pad('results', 8)}${pad('reqs', 6)}${pad('first KiB', 11)}` +
  `${pad('(load', 8)}${pad('+ query)', 9)}   then${' '.repeat(2)}${'2nd query'.padEnd(W)}${pad('results', 8)}` +
  `${pad('reqs', 6)}${pad('KiB', 8)}`);
for (const r of rows) {
  console.log(`${r.q.padEnd(W)}${pad(shortStatus(r.status), 8)}${pad(r.load.reqs + r.first.reqs, 6)}` +
    `${pad(kib(r.load.bytes + r.first.bytes), 11)}${pad(kib(r.load.bytes), 8)}${pad(kib(r.first.bytes), 9)}` +
    `   then  ${r.next.padEnd(W)}${pad(shortStatus(r.status2), 8)}${pad(r.second.reqs, 6)}${pad(kib(r.second.bytes), 8)}`);
}
console.log('first = the one-time load (pagefind.js, worker, wasm, metadata; on focus) + the query\'s');
console.log('index chunks and result fragments; 2nd query = the next search in the same page.');
