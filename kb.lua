-- kb site configuration. Runs in a sandboxed Lua 5.4 (no io, os, require).
title = "Concurrency in Python, and beyond"
description = "Where to learn multithreaded programming in Python, the ideas behind it, and how Python's model compares with C, C++, Java, Go, Rust, Erlang/Elixir, JavaScript and C#. Every C and Python example is compiled, run and checked when the site is built."
-- base_url = "https://example.org/kb/"   -- enables canonical URLs and sitemap.xml
raw_html = false
-- Index the pages for in-page search with Pagefind (installed by `npm ci`).
pagefind = true

-- How snippets run. "{src}", "{bin}", "{dir}" are paths in the snippet's
-- private folder; "{cflags}" and "{args}" expand to the snippet's words.
runners = {
  c = {
    ext = ".c",
    compile = { "cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread", "{cflags}", "-o", "{bin}", "{src}" },
    tsan = { "cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread", "-fsanitize=thread", "-g", "-O1", "{cflags}", "-o", "{bin}", "{src}" },
    run = { "{bin}", "{args}" },
    version = { "cc", "--version" },
  },
  python = {
    ext = ".py",
    run = { "{python}", "-X", "dev", "{src}", "{args}" },
    version = { "{python}", "--version" },
    -- Every Python snippet runs on each of these that requires= allows.
    -- "{python}" above is the toolchain's `python`; `root` is the root
    -- filesystem it runs in (`make toolchains` creates this one). One
    -- line per toolchain; those not installed are reported, not run.
    toolchains = {
      { name = "Python 3.11", python = "/usr/bin/python3" },
      { name = "Python 3.13", python = "/usr/bin/python3.13", root = ".kb-toolchains/debian-sid" },
      { name = "Python 3.14", python = "/usr/bin/python3.14", root = ".kb-toolchains/debian-sid" },
      { name = "Python 3.15", python = "/usr/bin/python3.15", root = ".kb-toolchains/debian-sid" },
      -- free-threaded builds, used where one is installed
      { name = "Python 3.13t", python = "/usr/bin/python3.13t", root = ".kb-toolchains/debian-sid" },
      { name = "Python 3.14t", python = "/usr/bin/python3.14t", root = ".kb-toolchains/debian-sid" },
    },
  },
}

-- How `kb links` checks URLs (see `man ./kb.1`); these are the defaults.
-- links = { skip = {}, allow = {}, ttl_days = 7, per_host = 2, timeout = 10 }

-- Words and phrases that mean the same thing to someone searching: a query
-- word (or run of words) that spells one of a group also finds pages that
-- use another, in `kb search` and in the site's search box. Spelling
-- variants that differ only in case, hyphens or a plural ending already
-- match and need no line here.
synonyms = {
  { "gil", "global interpreter lock" },
  { "free-threaded", "free threading", "no-gil", "nogil", "without the gil", "gil-free" },
  { "goroutine", "green thread" },
  { "multithreading", "multi-threading" },
  { "async", "asynchronous" },
  { "mutex", "mutual exclusion" },
  { "thread pool", "threadpool" },
  { "thread safe", "threadsafe" },
  { "cpu-bound", "cpu heavy", "cpu intensive", "compute-bound" },
  { "io-bound", "i/o-bound", "i/o heavy", "network-bound" },
  { "parallel", "simultaneously", "at the same time" },
  { "event loop", "eventloop" },
  { "javascript", "js" },
  { "node.js", "nodejs" },
  { "subinterpreter", "sub-interpreter" },
  { "avoid", "prevent" },
  { "hang", "freeze", "stuck" },
  { "stop", "kill", "terminate" },
  { "return value", "result" },
  { "speed up", "speedup", "faster" },
}
