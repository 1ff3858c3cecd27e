/* kb — the site's only script: copy buttons on code blocks and the search
 * box (Pagefind). Progressive enhancement: every page works without it.
 * No request leaves the site: Pagefind's files are under pagefind/ next to
 * index.html, written by `pagefind --site` after `kb build`. */
(function () {
  'use strict';

  /* ---- copy buttons ---- */

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var ta = document.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.style.position = 'fixed';
      ta.style.opacity = '0';
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(ta);
      if (ok) resolve(); else reject(new Error('copy failed'));
    });
  }

  function addCopyButtons() {
    var blocks = document.querySelectorAll('main pre > code');
    blocks.forEach(function (code) {
      var pre = code.parentNode;
      if (pre.classList.contains('snippet-output')) return;
      var wrap = document.createElement('div');
      wrap.className = 'code-wrap';
      pre.parentNode.insertBefore(wrap, pre);
      wrap.appendChild(pre);
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.className = 'copy';
      btn.textContent = 'Copy';
      btn.setAttribute('aria-label', 'Copy code to clipboard');
      btn.addEventListener('click', function () {
        copyText(code.textContent).then(function () {
          btn.textContent = 'Copied';
          btn.dataset.state = 'done';
        }, function () {
          btn.textContent = 'Press Ctrl+C';
          var r = document.createRange();
          r.selectNodeContents(code);
          var sel = window.getSelection();
          sel.removeAllRanges();
          sel.addRange(r);
        });
        setTimeout(function () {
          btn.textContent = 'Copy';
          delete btn.dataset.state;
        }, 2000);
      });
      wrap.appendChild(btn);
    });
  }

  /* Keyboard users scroll wide code and tables with the arrow keys once
   * they can focus them (WCAG 2.1.1). */
  function focusableScrollers() {
    document.querySelectorAll('main pre, main .body table').forEach(function (e) {
      if (!e.hasAttribute('tabindex') && e.scrollWidth > e.clientWidth) e.setAttribute('tabindex', '0');
    });
  }

  /* ---- search ---- */

  var FILE_HELP = 'Search needs a web server: run <code>kb serve</code>, ' +
    'or <code>kb search WORDS</code> in a terminal.';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function setupSearch() {
    var box = document.querySelector('.search');
    if (!box) return;
    var input = box.querySelector('input');
    var form = box.querySelector('form');
    var root = box.getAttribute('data-root') || './';
    var rootUrl = new URL(root, location.href);

    var panel = el('div', 'search-panel');
    panel.id = 'search-panel';
    panel.hidden = true;
    var status = el('p', 'search-status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    var list = el('ul', 'search-results');
    list.id = 'search-results';
    list.setAttribute('aria-label', 'Search results');
    panel.appendChild(status);
    panel.appendChild(list);
    box.appendChild(panel);
    input.setAttribute('aria-controls', 'search-panel');

    function open() { panel.hidden = false; }
    function close() { panel.hidden = true; }

    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var first = list.querySelector('a');
      if (first) location.href = first.href;
    });

    if (location.protocol === 'file:') {
      var help = el('p', 'search-help');
      help.id = 'search-file-help';
      help.innerHTML = FILE_HELP;
      panel.insertBefore(help, status);
      input.setAttribute('aria-describedby', 'search-file-help');
      input.addEventListener('focus', open);
      input.addEventListener('input', open);
      box.addEventListener('focusout', function (ev) {
        if (!box.contains(ev.relatedTarget)) close();
      });
      input.addEventListener('keydown', function (ev) {
        if (ev.key === 'Escape') close();
      });
      return;
    }

    var pagefind = null, loading = null, seq = 0, questionWords = {};
    /* kb-search-words.json: the words kb search leaves out of a question
     * ("how", "do", "i" ...). Pagefind wants every word it knows on a
     * page, so "how do i avoid deadlocks" would find only pages that say
     * "how" and "do"; the box searches "avoid deadlocks", as kb search
     * does. Without the file, questions are searched as typed. */
    function loadWords() {
      return fetch(new URL('kb-search-words.json', rootUrl).href).then(function (r) {
        return r.ok ? r.json() : { question_words: [] };
      }).then(function (j) {
        (j.question_words || []).forEach(function (w) { questionWords[w] = true; });
      }).catch(function () {});
    }
    function load() {
      if (!loading) {
        loading = Promise.all([loadWords(), import(new URL('pagefind/pagefind.js', rootUrl).href).then(function (pf) {
          pagefind = pf;
          return pf.options({ baseUrl: rootUrl.pathname }).then(function () {
            if (pf.init) return pf.init();
          });
        })]);
      }
      return loading;
    }
    /* The query for Pagefind: q without its question words (compared as
     * kb search does: lowercased, from an apostrophe on dropped, letters
     * and digits only), or q itself when it has nothing else. */
    function meaningful(q) {
      var words = q.split(/\s+/).filter(Boolean), kept = words.filter(function (w) {
        var k = w.toLowerCase().split("'")[0].split('\u2019')[0].replace(/[^a-z0-9]/g, '');
        return !(k && questionWords[k]);
      });
      return kept.length ? kept.join(' ') : q;
    }

    function render(q, results, total) {
      list.textContent = '';
      list.setAttribute('data-query', q); /* what the list shows, for tests */
      if (!q) { status.textContent = ''; close(); return; }
      status.textContent = total === 0 ? 'No results for “' + q + '”. From a terminal, kb search suggests close matches.'
        : total + ' result' + (total === 1 ? '' : 's') + (total > results.length ? ', showing ' + results.length : '');
      results.forEach(function (r) {
        var li = el('li');
        var a = el('a');
        a.href = r.url;
        var t = el('span', 'r-title', (r.meta && r.meta.title) || r.url);
        if (r.meta && r.meta.section) t.appendChild(el('span', 'r-section', r.meta.section));
        var x = el('span', 'r-excerpt');
        x.innerHTML = r.excerpt || ''; /* Pagefind escapes the text and adds <mark> */
        a.appendChild(t);
        a.appendChild(x);
        li.appendChild(a);
        list.appendChild(li);
      });
      open();
    }

    var MAX_WORDS = 8;
    /* Searches q as kb search does: any of its meaningful words may
     * match, and pages with more of them come first, then by Pagefind's
     * score. One Pagefind search per word: Pagefind itself wants all of
     * them, so a question with one word the right page lacks would miss
     * it. */
    function search(q) {
      /* a pasted paragraph: its first MAX_WORDS words, as kb search keeps 32 */
      var words = meaningful(q).split(' ').slice(0, MAX_WORDS);
      if (words.length < 2) return pagefind.search(words[0]);
      var searches = [pagefind.search(words.join(' '))].concat(words.map(function (w) { return pagefind.search(w); }));
      return Promise.all(searches).then(function (all) {
        /* pages with every word: in the order Pagefind gives them */
        var whole = all.shift(), by = {}, pages = [];
        (whole ? whole.results : []).forEach(function (r, i) {
          pages.push(by[r.id] = { result: r, words: words.length + 1, score: -i });
        });
        all.forEach(function (s) {
          (s ? s.results : []).forEach(function (r) {
            var p = by[r.id];
            if (!p) pages.push(p = by[r.id] = { result: r, words: 0, score: 0 });
            if (p.words > words.length) return;
            p.words++;
            p.score += r.score;
          });
        });
        pages.sort(function (a, b) { return b.words - a.words || b.score - a.score; });
        return { results: pages.map(function (p) { return p.result; }) };
      });
    }

    var timer = null;
    function run() {
      var q = input.value.trim();
      var mine = ++seq;
      clearTimeout(timer);
      if (!q) { render('', [], 0); return; }
      /* wait for a pause in typing, as Pagefind's debouncedSearch does */
      timer = setTimeout(function () { load().then(function () {
        return mine === seq ? search(q) : null;
      }).then(function (found) {
        if (!found || mine !== seq) return null; /* superseded */
        return Promise.all(found.results.slice(0, 8).map(function (r) { return r.data(); }))
          .then(function (data) { if (mine === seq) render(q, data, found.results.length); });
      }).catch(function () {
        list.textContent = '';
        status.innerHTML = 'Search is not available here (the index is missing). ' +
          'From a terminal: <code>kb search WORDS</code>.';
        open();
      }); }, 150);
    }

    input.addEventListener('focus', function () { load().catch(function () {}); if (list.firstChild) open(); });
    input.addEventListener('input', run);

    function links() { return Array.prototype.slice.call(list.querySelectorAll('a')); }
    box.addEventListener('keydown', function (ev) {
      var ls = links(), i = ls.indexOf(document.activeElement);
      if (ev.key === 'Escape') {
        close();
        input.focus();
      } else if (ev.key === 'ArrowDown' && ls.length) {
        ev.preventDefault();
        open();
        ls[Math.min(i + 1, ls.length - 1)].focus();
      } else if (ev.key === 'ArrowUp' && i >= 0) {
        ev.preventDefault();
        if (i === 0) input.focus(); else ls[i - 1].focus();
      }
    });
    box.addEventListener('focusout', function (ev) {
      if (!box.contains(ev.relatedTarget)) close();
    });
    document.addEventListener('keydown', function (ev) {
      var t = ev.target;
      if (ev.key === '/' && !(t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t.isContentEditable)) {
        ev.preventDefault();
        input.focus();
      }
    });
  }

  function start() {
    addCopyButtons();
    focusableScrollers();
    setupSearch();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
