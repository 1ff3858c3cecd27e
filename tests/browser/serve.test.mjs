// Browser test of kb serve's live reload: an open page reloads by itself
// after an entry changes, shows the build's errors in an overlay after a
// broken edit (keeping the last good page), and reloads without the
// overlay once the entry is fixed. Then kb serve stops on SIGTERM with
// exit status 0, with the page still connected.
//
// Run by tests/browser/run. Builds from a copy of tests/e2e/good with
// tests/browser/fixture/content on top, in a temporary folder. Uses
//   KB           the kb binary (default: kb at the top of the repository)
//   KB_CHROMIUM  the browser (default: /usr/bin/chromium; never a
//                downloaded one), driven through playwright-core.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { launch } from './chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const KB = path.resolve(process.env.KB || path.join(ROOT, 'kb'));
const ENTRY = path.join('content', 'topics', 'threads.md');
const PAGE = 'topics/threads.html';
// The overlay live.js (gen/serve.c) adds for a failed build.
const OVERLAY = '#kb-serve-errors';
// How long a rebuild and the page's reaction may take.
const WAIT_MS = 10000;

let work, kb, stderr = '', exited, browser;

// Starts kb serve in dir; resolves with the URL it prints on stderr.
function startServe(dir) {
  kb = spawn(KB, ['serve', '--port', '0'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  exited = new Promise((resolve) => kb.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kb serve printed no URL within 30 s:\n${stderr}`)), 30000);
    kb.on('error', (e) => { clearTimeout(timer); reject(e); });
    kb.stderr.setEncoding('utf8');
    kb.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = /kb: serving site\/ at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`kb serve exited (${code ?? signal}) before serving:\n${stderr}`));
    });
  });
}

// Polls fn every 100 ms until it returns true. Errors while the page is
// between documents ("execution context was destroyed") count as false.
async function until(what, fn, timeout = WAIT_MS) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      if (await fn()) return;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`waited ${timeout / 1000} s for ${what}` +
        `${last ? ` (last error: ${last.message})` : ''}\nkb serve said:\n${stderr}`);
    }
    await sleep(100);
  }
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-serve-browser-'));
  const src = path.join(work, 'src');
  fs.cpSync(path.join(ROOT, 'tests', 'e2e', 'good'), src, { recursive: true });
  fs.rmSync(path.join(src, 'site'), { recursive: true, force: true });
  fs.rmSync(path.join(src, '.kb-cache'), { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, 'tests', 'browser', 'fixture', 'content'), path.join(src, 'content'), { recursive: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  if (kb && kb.exitCode === null && kb.signalCode === null) {
    kb.kill('SIGKILL');
    await exited;
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('kb serve reloads an open page after an edit and shows a broken build\'s errors', { timeout: 90000 }, async () => {
  const src = path.join(work, 'src');
  const entry = path.join(src, ENTRY);
  const base = await startServe(src);

  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  let streams = 0;     // /__kb/events connections the pages have opened
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`exception: ${e.message}`));
  page.on('response', (r) => { if (new URL(r.url()).pathname === '/__kb/events') streams++; });
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.protocol === 'data:' || u.hostname === '127.0.0.1') return route.continue();
    problems.push(`request outside 127.0.0.1: ${u.href}`);
    return route.abort();
  });

  // Whether the page shows the document loaded since mark() (a reload
  // replaces window, and the mark with it).
  const mark = () => page.evaluate(() => { window.kbServeTestMark = true; });
  const reloaded = () => page.evaluate(() => window.kbServeTestMark !== true);
  const articleHas = (word) => page.evaluate((w) => {
    const a = document.querySelector('article');
    return !!a && a.textContent.includes(w);
  }, word);
  const overlayText = () => page.evaluate((sel) => {
    const box = document.querySelector(sel);
    return box && !box.hidden ? box.textContent : null;
  }, OVERLAY);
  // An edit made before the page listens would go unnoticed by it.
  const listening = (seenBefore) => until('the page to connect to /__kb/events', () => streams > seenBefore);

  try {
    let seen = streams;
    const res = await page.goto(base + PAGE);
    assert.equal(res.status(), 200);
    await listening(seen);
    const word = `liveword${process.pid}x${Date.now()}`;
    assert.equal(await articleHas(word), false);

    // 1. An edit: the page reloads by itself and shows it.
    await mark();
    seen = streams;
    const good = fs.readFileSync(entry, 'utf8') + `\nEdited while serving: ${word}.\n`;
    fs.writeFileSync(entry, good);
    await until(`the page to reload and show "${word}"`,
      async () => (await reloaded()) && (await articleHas(word)));
    assert.equal(await page.locator(OVERLAY).count(), 0, 'errors overlay after a good build');

    // 2. A broken edit: the errors show over the last good page, which
    // stays (no reload, the new word still there).
    await listening(seen);
    await mark();
    seen = streams;
    const lines = good.split('\n');
    fs.writeFileSync(entry, [lines[0], 'tittle: x', ...lines.slice(1)].join('\n'));
    await until('the errors overlay', async () => (await overlayText()) !== null);
    const text = await overlayText();
    assert.match(text, /kb build failed; this is the last good build/);
    assert.match(text, /content\/topics\/threads\.md:2:1: error: unknown key 'tittle'/);
    assert.equal(await page.locator(OVERLAY).getAttribute('role'), 'alert');
    assert.equal(await reloaded(), false, 'the page reloaded after a failed build');
    assert.equal(await articleHas(word), true, 'the last good page is gone');

    // 3. The fix: the page reloads by itself, without the overlay.
    await mark();
    fs.writeFileSync(entry, good);
    await until('the page to reload without the errors overlay',
      async () => (await reloaded()) && (await page.locator(OVERLAY).count()) === 0 &&
        (await articleHas(word)));
    await listening(seen);

    assert.match(stderr, /kb: rebuilt site\/, reloading open pages/);
    assert.match(stderr, /kb: the build failed; serving the last good site\//);
    assert.deepEqual(problems, []);

    // 4. SIGTERM, with the page still connected to /__kb/events.
    kb.kill('SIGTERM');
    const stop = await Promise.race([exited, sleep(10000, null, { ref: false })]);
    assert.ok(stop, `kb serve still running 10 s after SIGTERM:\n${stderr}`);
    assert.deepEqual(stop, { code: 0, signal: null }, stderr);
  } finally {
    await context.close();
  }
});
