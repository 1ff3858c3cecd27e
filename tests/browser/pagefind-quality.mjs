// Scores the site's in-page search (Pagefind, through the search box's own
// query rules in kb.js) on the same question and keyword sets as
// tests/search-quality scores `kb search`: MRR over the results the box
// shows (8) and recall@3, with the same files and the same format.
//
//   node tests/browser/pagefind-quality.mjs SITE TSV[:MIN_MRR:MIN_RECALL[:scores]]...
//
// SITE is a built site indexed by Pagefind. Each TSV line is
// QUESTION<TAB>id,id,... (ids: entry file stems). Types every question into
// the search box of SITE/index.html in the system Chromium, reads the
// result links, and prints the misses and both scores per file (only the
// scores for a file marked ":scores", which keeps a held-out set's
// questions out of sight). Exit
// status: 0 when every file reaches its minimums, 1 when one falls below,
// 2 on a setup error.
import fs from 'node:fs';
import path from 'node:path';
import { launch } from './chromium.mjs';
import { serve } from './serve.mjs';

const [site, ...sets] = process.argv.slice(2);
if (!site || !sets.length) {
  console.error('usage: pagefind-quality.mjs SITE TSV[:MIN_MRR:MIN_RECALL]...');
  process.exit(2);
}
if (!fs.existsSync(path.join(site, 'pagefind', 'pagefind.js'))) {
  console.error(`pagefind-quality: ${site} is not indexed by Pagefind`);
  process.exit(2);
}

function readSet(file) {
  return fs.readFileSync(file, 'utf8').split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => { const [q, ids] = l.split('\t'); return { q: q.trim(), ids: ids.trim().split(',') }; });
}

// "topics/gil.html" (or an absolute URL ending so) -> "gil"
const idOf = (url) => path.basename(new URL(url, 'http://x/').pathname, '.html');

const server = await serve(site);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await launch();
let status = 0;
try {
  const page = await browser.newPage();
  await page.goto(base + 'index.html');
  const input = page.getByRole('searchbox', { name: 'Search the site' });
  for (const spec of sets) {
    const [file, minMrr, minRecall, only] = spec.split(':');
    const items = readSet(file);
    let mrr = 0, recall = 0;
    for (const { q, ids } of items) {
      await input.fill(q);
      // kb.js marks the list with the query it shows results for
      await page.locator(`.search-results[data-query="${q.replace(/["\\]/g, '\\$&')}"]`)
        .waitFor({ state: 'attached', timeout: 15000 });
      const got = await page.$$eval('.search-results a', (as) => as.map((a) => a.getAttribute('href')));
      const ranks = got.map(idOf);
      const first = ranks.findIndex((r) => ids.includes(r));
      const rr = first >= 0 ? 1 / (first + 1) : 0;
      const r3 = ids.filter((id) => ranks.slice(0, 3).includes(id)).length / ids.length;
      mrr += rr; recall += r3;
      if ((rr < 1 || r3 < 1) && only !== 'scores')
        console.log(`  miss  ${q}  want ${ids.join(',')}  got ${ranks.slice(0, 3).join(' ')}`);
    }
    mrr /= items.length; recall /= items.length;
    const ok = (!minMrr || mrr >= +minMrr) && (!minRecall || recall >= +minRecall);
    console.log(`${path.basename(file)}: ${items.length} queries  MRR ${mrr.toFixed(3)}` +
      `${minMrr ? ` (minimum ${minMrr})` : ''}  recall@3 ${recall.toFixed(3)}` +
      `${minRecall ? ` (minimum ${minRecall})` : ''}  ${ok ? 'PASS' : 'FAIL'}`);
    if (!ok) status = 1;
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(status);
