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
