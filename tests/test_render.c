/* render.c: the data model templates see (templates/README.md), through
 * render_site() with templates that print the fields of `site` and `page`,
 * on a small site loaded, parsed, linked and enriched as kb build does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "enrich.h"
#include "load.h"
#include "markdown.h"
#include "render.h"

static char dir[64];
static char *cwd;

static void S_write(const char *name, const char *text)
{
	assert_int_equal(write_file(name, text, strlen(text)), 0);
}

/* Prints a table's keys, sorted; every template starts with it. */
#define KEYS "{% local function keys(t) local k = {} for n in pairs(t) do k[#k + 1] = n end " \
	     "table.sort(k) return table.concat(k, ',') end %}"

static const char entry_tpl[] = KEYS
	"page: {{ keys(page) }}\n"
	"kind={{ page.kind }} url={{ page.url }} title={{ page.title }} description={{ page.description }}\n"
	"canonical={{ page.canonical }} section={{ page.section.name }}\n"
	"body={{{ page.body }}}\n"
	"{% for _, h in ipairs(page.toc) do %}toc {{ h.level }} {{ h.text }} #{{ h.anchor }}\n{% end %}"
	"{% local e = page.entry %}entry: {{ keys(e) }}\n"
	"id={{ e.id }} title={{ e.title }} summary={{ e.summary }} section={{ e.section }}/{{ e.section_title }}\n"
	"url={{ e.url }} path={{ e.path }} source_url={{ e.source_url }} nsnippets={{ e.nsnippets }} #snippets={{ #e.snippets }}\n"
	"languages={{ table.concat(e.languages, ' ') }}\n"
	"answers={{ table.concat(e.answers, ';') }} search_terms={{ e.search_terms }}\n"
	"tags={% for _, t in ipairs(e.tags) do %}{{ t.name }}:{{ t.url }} {% end %}{{ '' }}\n"
	"fields: {{ keys(e.fields) }}{% if e.fields.authors then %} authors={{ table.concat(e.fields.authors, ';') }}{% end %}{{ '' }}\n"
	"see_also={% for _, s in ipairs(e.see_also) do %}{{ s.id }} {% end %}{{ '' }}"
	"backlinks={% for _, s in ipairs(e.backlinks) do %}{{ s.id }} {% end %}{{ '' }}"
	"prev={{ e.prev and e.prev.id }} next={{ e.next and e.next.id }} history={{ type(e.history) }}\n";

static const char site_tpl[] = KEYS
	"site: {{ keys(site) }}\n"
	"title={{ site.title }} description={{ site.description }} base_url={{ site.base_url }} date={{ site.date }}\n"
	"entries={% for _, e in ipairs(site.entries) do %}{{ e.id }} {% end %}{{ '' }}\n"
	"{% for _, s in ipairs(site.sections) do %}section {{ keys(s) }} {{ s.name }} {{ s.title }} {{ s.url }} "
	"{{ #s.entries }} {{ tostring(site.section[s.name] == s) }}\n{% end %}"
	"{% for _, t in ipairs(site.tags) do %}tag {{ keys(t) }} {{ t.name }} {{ t.url }} {{ t.count }}:"
	"{% for _, e in ipairs(t.entries) do %} {{ e.id }}{% end %}{{ '' }}\n{% end %}"
	"recent={{ #site.recent }}\n"
	"{% for _, f in ipairs(site.facets) do %}{{ f.key }}={{ f.label }};{% end %}{{ '' }}\n"
	"page: {{ keys(page) }} kind={{ page.kind }} url={{ page.url }} title={{ page.title }} "
	"canonical={{ page.canonical }}\n";

static const char section_tpl[] = KEYS
	"page: {{ keys(page) }} kind={{ page.kind }} title={{ page.title }} section={{ page.section.name }} "
	"same={{ tostring(page.section == site.section[page.section.name]) }}\n";

static const char tag_tpl[] = KEYS
	"page: {{ keys(page) }} kind={{ page.kind }} title={{ page.title }} tag={{ page.tag.name }} "
	"{{ page.tag.count }}\n";

static int setup(void **state)
{
	(void)state;
	cwd = getcwd(NULL, 0);
	strcpy(dir, "/tmp/kb-render-XXXXXX");
	if (!mkdtemp(dir) || chdir(dir) < 0)
		return -1;
	S_write("kb.lua", "title = \"T & co\"\ndescription = \"D\"\n"
		"base_url = \"https://kb.example.org/\"\n"
		"source_url = \"https://src.example.org/{path}\"\n"
		"synonyms = { { \"gil\", \"global interpreter lock\" },\n"
		"  { \"hang\", \"freeze\", \"stuck\" }, { \"locks\", \"mutexes\" },\n"
		"  { \"rust\", \"ferris\" } }\n");
	S_write("content/topics/alpha.md",
		"---\ntitle: Alpha\nsummary: First <one>.\ntags: [locks, gil]\n"
		"languages: [python, c]\nsee_also: [beta]\n"
		"answers: [\"why does my program freeze\", \"is the GIL <a lock>\"]\n---\n\n"
		"## One\n\nSee [beta](beta.md).\n\n## Two\n\n### Three\n");
	S_write("content/topics/beta.md",
		"---\ntitle: Beta\nsummary: Second.\ntags: [gil]\n---\n\nPlain.\n");
	S_write("content/resources/book.md",
		"---\ntitle: A book\nsummary: Read it.\nurl: https://example.org/book\n"
		"authors: [Ann, Bob]\nyear: 2020\nformat: book\nlevel: beginner\nstatus: live\n---\n\nText.\n");
	S_write("t/entry.html", entry_tpl);
	S_write("t/home.html", site_tpl);
	S_write("t/section.html", section_tpl);
	S_write("t/tag.html", tag_tpl);
	const char *other[] = { "t/tags.html", "t/matrix.html", "t/404.html", "t/recent.html",
				"t/feed.xml", "t/sitemap.xml" };
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		S_write(other[i], KEYS "{{ page.kind }}|{{ page.title }}|{{ page.canonical }}|{{ keys(page) }}");
	S_write("t/static/s.css", "css");

	struct config cfg;
	struct site site;
	struct tags tags;
	struct diags d = DIAGS_INIT;
	markdown_init();
	assert_int_equal(config_load(&cfg, "kb.lua", &d), 0);
	assert_int_equal(load_site(&site, "content", 1, &d), 0);
	for (size_t i = 0; i < site.n; i++)
		markdown_parse(site.entries[i], &cfg, &d);
	for (size_t i = 0; i < site.n; i++)
		markdown_link(site.entries[i], &site, &d);
	enrich_site(&site, &tags, &d);
	enrich_search_terms(&site, &cfg);
	for (size_t i = 0; i < site.n; i++)
		markdown_finish(site.entries[i], NULL);
	assert_int_equal(d.errors, 0);
	struct render_opts o = { &cfg, &site, &tags, "t", "out", "2026-12-07", NULL, 2 };
	/* 3 entries, 2 sections, 2 tags, tags, home, matrix, 404, recent,
	 * feed, sitemap */
	assert_int_equal(render_site(&o, &d), 14);
	assert_int_equal(d.errors, 0);
	diag_release(&d);
	tags_release(&tags);
	for (size_t i = 0; i < site.n; i++)
		markdown_entry_release(site.entries[i]);
	site_release(&site);
	config_release(&cfg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (chdir(cwd) < 0)
		return -1;
	free(cwd);
	remove_tree(dir);
	return 0;
}

static void S_expect(const char *path, const char *want)
{
	char *got;
	size_t len;
	assert_int_equal(read_file(path, &got, &len), 0);
	assert_string_equal(got, want);
	free(got);
}

/* An entry's page: the page fields, the entry's own fields, its relations
 * and the table of contents. */
static void test_render_entry_page(void **state)
{
	(void)state;
	S_expect("out/topics/alpha.html",
		 "page: body,canonical,description,entry,kind,section,title,toc,url\n"
		 "kind=entry url=topics/alpha.html title=Alpha description=First &lt;one&gt;.\n"
		 "canonical=https://kb.example.org/topics/alpha.html section=topics\n"
		 "body=<h2 id=\"one\">\nOne\n</h2>\n"
		 "<p>See <a href=\"../topics/beta.html\">beta</a>.</p>\n"
		 "<h2 id=\"two\">\nTwo\n</h2>\n"
		 "<h3 id=\"three\">\nThree\n</h3>\n\n"
		 "toc 2 One #one\ntoc 2 Two #two\ntoc 3 Three #three\n"
		 "entry: answers,backlinks,fields,id,languages,next,nsnippets,path,search_terms,section,section_title,"
		 "see_also,snippets,source_url,summary,tags,title,url\n"
		 "id=alpha title=Alpha summary=First &lt;one&gt;. section=topics/Topics\n"
		 "url=topics/alpha.html path=content/topics/alpha.md "
		 "source_url=https://src.example.org/content/topics/alpha.md nsnippets=0 #snippets=0\n"
		 "languages=python c\n"
		 "answers=why does my program freeze;is the GIL &lt;a lock&gt; "
		 "search_terms=global interpreter lock hang stuck mutexes\n"
		 "tags=locks:tags/locks.html gil:tags/gil.html \n"
		 "fields: \n"
		 "see_also=beta backlinks=prev= next=beta history=nil\n");
	/* the other end of see_also, a link and prev */
	char *got;
	size_t len;
	assert_int_equal(read_file("out/topics/beta.html", &got, &len), 0);
	assert_non_null(strstr(got, "see_also=backlinks=alpha prev=alpha next= history=nil\n"));
	assert_non_null(strstr(got, "tags=gil:tags/gil.html \n"));
	/* no answers; its tag gil brings in the other words of its group */
	assert_non_null(strstr(got, "answers= search_terms=global interpreter lock\n"));
	free(got);
	/* a resource's own keys, lists as lists */
	assert_int_equal(read_file("out/resources/book.html", &got, &len), 0);
	assert_non_null(strstr(got, "fields: authors,format,level,status,url,year authors=Ann;Bob\n"));
	/* nothing it says has a synonym ("ferris" is not "Bob"): no terms */
	assert_non_null(strstr(got, "answers= search_terms=\n"));
	free(got);
}

/* The site table, as the home page sees it. */
static void test_render_site_table(void **state)
{
	(void)state;
	S_expect("out/index.html",
		 "site: base_url,date,description,entries,facets,recent,section,sections,tags,title\n"
		 "title=T &amp; co description=D base_url=https://kb.example.org/ date=2026-12-07\n"
		 "entries=book alpha beta \n"
		 "section entries,name,title,url topics Topics topics/index.html 2 true\n"
		 "section entries,name,title,url resources Resources resources/index.html 1 true\n"
		 "tag count,entries,name,url gil tags/gil.html 2: alpha beta\n"
		 "tag count,entries,name,url locks tags/locks.html 1: alpha\n"
		 "recent=0\n"
		 "primitives=Concurrency primitives;threads=OS or green threads;"
		 "cpu_parallel=Parallel CPU-bound work in one process;async_await=async/await;"
		 "message_passing=Message passing;memory_model=Memory model;"
		 "race_protection=Data-race protection;race_tools=Race detection tools;\n"
		 "page: canonical,kind,title,url kind=home url=index.html title=T &amp; co "
		 "canonical=https://kb.example.org/index.html\n");
}

/* Section and tag pages get their own table, the one in site. */
static void test_render_list_pages(void **state)
{
	(void)state;
	S_expect("out/topics/index.html",
		 "page: canonical,kind,section,title,url kind=section title=Topics section=topics same=true\n");
	S_expect("out/tags/gil.html",
		 "page: canonical,kind,tag,title,url kind=tag title=Tagged &#39;gil&#39; tag=gil 2\n");
	S_expect("out/404.html", "404|Page not found||kind,title,url");
	S_expect("out/sitemap.xml", "sitemap||https://kb.example.org/sitemap.xml|canonical,kind,url");
	S_expect("out/static/s.css", "css");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_entry_page),
		cmocka_unit_test(test_render_site_table),
		cmocka_unit_test(test_render_list_pages),
	};
	return cmocka_run_group_tests_name("render", tests, setup, teardown);
}
