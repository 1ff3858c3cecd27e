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
    run = { "python3", "-X", "dev", "{src}", "{args}" },
    version = { "python3", "--version" },
  },
}

-- How `kb links` checks URLs (see `man ./kb.1`); these are the defaults.
-- links = { skip = {}, allow = {}, ttl_days = 7, per_host = 2, timeout = 10 }
