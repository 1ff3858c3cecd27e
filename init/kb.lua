-- kb.lua: the settings of this knowledge base. It runs in a sandboxed
-- Lua 5.4 (no io, os or require); unknown settings are errors.

title = "My knowledge base"
description = "Notes on concurrency, with examples that the build runs and checks."

-- The site's public address. Setting it adds canonical URLs and sitemap.xml.
-- base_url = "https://example.org/kb/"

-- Pass raw HTML in entries through to the pages (off: it is left out).
raw_html = false

-- Links from each page to its history and its source on your forge;
-- "{path}" becomes the entry's path, e.g. content/topics/threads.md.
-- history_url = "https://forge.example/me/kb/commits/main/{path}"
-- source_url = "https://forge.example/me/kb/blob/main/{path}"

-- In-page search with Pagefind: needs `npm install pagefind` here.
pagefind = false

-- How snippets run. "{src}", "{bin}", "{dir}" are paths in the snippet's
-- private folder; "{cflags}" and "{args}" expand to the snippet's words.
-- Another language is one more table here.
runners = {
  c = {
    ext = ".c",
    compile = { "cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread", "{cflags}", "-o", "{bin}", "{src}" },
    run = { "{bin}", "{args}" },
    version = { "cc", "--version" },
  },
  python = {
    ext = ".py",
    run = { "/usr/bin/python3", "-X", "dev", "{src}", "{args}" },
    version = { "/usr/bin/python3", "--version" },
  },
}
