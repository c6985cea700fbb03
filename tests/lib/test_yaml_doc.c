/* The event-built YAML document (lib/yaml_doc.c) against libyaml's own
 * yaml_parser_load on the same texts: the same nodes, lines, texts,
 * styles and children, document after document, and the same errors. */
#include "th.h"
#include "registry.h"
#include "yaml_doc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct Loaded {
    int ok;
    yaml_error_type_t error;
    const char *problem, *context;
    size_t problem_line, context_line;
} Loaded;

static void open_parser(yaml_parser_t *p, const char *text)
{
    REQUIRE(yaml_parser_initialize(p) == 1);
    yaml_parser_set_input_string(p, (const unsigned char *)text, strlen(text));
}

static Loaded outcome(const yaml_parser_t *p, int ok)
{
    return (Loaded){ok, p->error, p->problem, p->context, p->problem_mark.line,
                    p->context_mark.line};
}

static void same_node(yaml_document_t *want, int wi, YamlDoc *got, uint32_t gi, const char *text)
{
    yaml_node_t *w = yaml_document_get_node(want, wi);
    YamlNode *g = &got->nodes[gi];
    REQUIRE(w != NULL);
    CHECKF(g->type == (uint8_t)w->type, "%s: node %d type", text, wi);
    CHECKF(g->line == w->start_mark.line, "%s: node %d line %u, want %zu", text, wi, g->line,
           w->start_mark.line);
    if (w->type == YAML_SCALAR_NODE) {
        CHECKF(g->style == (uint8_t)w->data.scalar.style, "%s: node %d style", text, wi);
        CHECK_INT(g->n, w->data.scalar.length);
        CHECK(memcmp(yaml_doc_text(got, g), w->data.scalar.value, g->n + 1) == 0);
    } else if (w->type == YAML_SEQUENCE_NODE) {
        size_t n = (size_t)(w->data.sequence.items.top - w->data.sequence.items.start);
        CHECK_INT(g->n, n);
        for (size_t i = 0; i < n && i < g->n; i++)
            CHECK_INT(yaml_doc_item(got, g, i) - got->nodes, w->data.sequence.items.start[i] - 1);
    } else {
        size_t n = (size_t)(w->data.mapping.pairs.top - w->data.mapping.pairs.start);
        CHECK_INT(g->n, n);
        for (size_t i = 0; i < n && i < g->n; i++) {
            CHECK_INT(yaml_doc_key(got, g, i) - got->nodes, w->data.mapping.pairs.start[i].key - 1);
            CHECK_INT(yaml_doc_value(got, g, i) - got->nodes,
                      w->data.mapping.pairs.start[i].value - 1);
        }
    }
}

/* Loads every document of text both ways; the number of documents read. */
static int compare(const char *text)
{
    yaml_parser_t pw, pg;
    open_parser(&pw, text);
    open_parser(&pg, text);
    int docs = 0;
    for (;; docs++) {
        yaml_document_t want;
        YamlDoc got;
        Loaded lw = outcome(&pw, yaml_parser_load(&pw, &want));
        Loaded lg = outcome(&pg, yaml_doc_load(&pg, &got));
        CHECKF(lw.ok == lg.ok, "%s: document %d loads %d, libyaml %d", text, docs, lg.ok, lw.ok);
        if (!lw.ok || !lg.ok) {
            CHECK_INT(lg.error, lw.error);
            CHECK_STR(lg.problem ? lg.problem : "", lw.problem ? lw.problem : "");
            CHECK_STR(lg.context ? lg.context : "", lw.context ? lw.context : "");
            CHECK_INT(lg.problem_line, lw.problem_line);
            if (lw.context) CHECK_INT(lg.context_line, lw.context_line);
            if (lw.ok) yaml_document_delete(&want);
            if (lg.ok) yaml_doc_free(&got);
            break;
        }
        size_t n = (size_t)(want.nodes.top - want.nodes.start);
        CHECKF(got.n_nodes == n, "%s: document %d has %zu nodes, libyaml %zu", text, docs,
               got.n_nodes, n);
        for (size_t i = 0; i < n && i < got.n_nodes; i++) same_node(&want, (int)i + 1, &got, (uint32_t)i, text);
        yaml_document_delete(&want);
        yaml_doc_free(&got);
        if (!n) break;   /* the end of the stream */
    }
    yaml_parser_delete(&pw);
    yaml_parser_delete(&pg);
    return docs;
}

TEST(yaml_doc_builds_what_libyaml_loads)
{
    static const char *const texts[] = {
        "",
        "# only a comment\n",
        "---\n",
        "plain\n",
        "a: 1\nb:\n  c: [x, 'y', \"z\"]\n  d:\n    - {e: f, g: [h, [i, j]]}\n    -\n    - k: |\n        lit\n        eral\n      l: >\n        fold\n",
        "base: &b {x: 1, y: [2, 3]}\nuse: *b\nlist: [*b, &s str, *s]\n",
        "seq: &q\n  - 1\n  - 2\nagain: *q\nnull_value:\nempty: {}\nnone: []\n",
        "a: 1\na: 2\n? [complex, key]\n: v\n",
        "one: 1\n---\ntwo: 2\n...\n---\n- three\n",
        "one: 1\n--- \n",
        "s: \"esc\\0aped\\ttext\"\n",
        "worker:\n  slots: 4\n  batch: [1, 2\nlog:\n  level: info\n",
        "worker:\n  slots: 4\n bad: x\n",
        "a: *nowhere\n",
        "a: &x 1\nb: &x 2\n",
        "a: 1\n---\nb: [\n",
        "k: v\n\t- tab\n",
        "\xff\xfe bad utf-8\n",
        /* shared short texts: a prefix up to an inner NUL, equal keys, a 24- and a 25-byte text */
        "a: \"ab\\0c\"\nb: ab\nc: \"ab\"\nab: [ab, 'ab', \"\"]\n"
        "- x: 123456789012345678901234\n  x: 123456789012345678901234\n  y: 1234567890123456789012345\n",
        "- {name: s1, cron: \"* * * * *\"}\n- {name: s2, cron: \"* * * * *\"}\n- {name: s3, cron: \"*/5 * * * *\"}\n",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) (void)compare(texts[i]);
    CHECK_INT(compare("one: 1\n---\ntwo: 2\n...\n---\n- three\n"), 3);
}

/* A list of mappings spells its keys once in the document's text. */
TEST(yaml_doc_short_texts_are_stored_once)
{
    char text[4096] = "";
    for (int i = 0; i < 50; i++) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n, "- {name: s%d, timezone: Europe/Berlin}\n", i);
    }
    yaml_parser_t p;
    YamlDoc d;
    open_parser(&p, text);
    REQUIRE(yaml_doc_load(&p, &d) == 1);
    YamlNode *root = yaml_doc_root(&d);
    REQUIRE(root->n == 50);
    YamlNode *first = yaml_doc_item(&d, root, 0), *last = yaml_doc_item(&d, root, 49);
    CHECK(yaml_doc_key(&d, first, 1)->at == yaml_doc_key(&d, last, 1)->at);
    CHECK(yaml_doc_value(&d, first, 1)->at == yaml_doc_value(&d, last, 1)->at);
    CHECK_STR(yaml_doc_text(&d, yaml_doc_value(&d, last, 0)), "s49");
    /* "name", "timezone", "Europe/Berlin" once (28 bytes), the names each
     * (190); 1,590 bytes unshared. */
    CHECKF(d.n_text < 300, "%zu bytes", d.n_text);
    yaml_doc_free(&d);
    yaml_parser_delete(&p);
}

TEST(yaml_doc_aliases_share_the_anchored_node_and_lines_are_nested_nodes_own)
{
    const char *text = "top:\n  base: &b\n    deep: [1,\n      2]\n  use: *b\n";
    yaml_parser_t p;
    YamlDoc d;
    open_parser(&p, text);
    REQUIRE(yaml_doc_load(&p, &d) == 1);
    YamlNode *top = yaml_doc_value(&d, yaml_doc_root(&d), 0);
    YamlNode *base = yaml_doc_value(&d, top, 0), *use = yaml_doc_value(&d, top, 1);
    CHECK(base == use);
    CHECK_INT(base->line, 1);                 /* an anchored mapping starts at its anchor (0-based) */
    YamlNode *deep = yaml_doc_value(&d, base, 0);
    CHECK_INT(deep->type, YAML_SEQUENCE_NODE);
    CHECK_INT(yaml_doc_item(&d, deep, 1)->line, 3);
    CHECK_STR(yaml_doc_text(&d, yaml_doc_item(&d, deep, 1)), "2");
    yaml_doc_free(&d);
    YamlDoc end;
    REQUIRE(yaml_doc_load(&p, &end) == 1);   /* the stream's end: no root */
    CHECK(yaml_doc_root(&end) == NULL);
    yaml_doc_free(&end);
    yaml_parser_delete(&p);
}

TEST(yaml_doc_syntax_error_mid_file_names_its_line)
{
    const char *text = "a: 1\nb:\n  - x\n  - y\nc: [z,\nd: 2\n";
    yaml_parser_t p;
    YamlDoc d;
    open_parser(&p, text);
    CHECK_INT(yaml_doc_load(&p, &d), 0);
    CHECK_INT(p.error, YAML_PARSER_ERROR);
    CHECK_INT(p.problem_mark.line, 6);        /* the end of the file, where "]" was due (0-based) */
    CHECK_INT(p.context_mark.line, 4);        /* the flow sequence's start */
    CHECK(yaml_doc_root(&d) == NULL);
    yaml_doc_free(&d);                        /* safe on the emptied document */
    yaml_parser_delete(&p);
}

/* Through the config loader: an anchored payload reused by an alias. */
TEST(yaml_doc_anchors_work_in_the_config_file)
{
    FILE *f = fopen("anchors.yaml", "w");
    REQUIRE(f != NULL);
    fputs("schedules:\n"
          "  - {name: a, cron: \"@daily\", kind: noop, payload: &p {depth: 3, tag: x}}\n"
          "  - {name: b, cron: \"@daily\", kind: noop, payload: *p}\n", f);
    fclose(f);
    Config *c = NULL;
    char *errs = NULL;
    REQUIREF(registry_config_load_all("anchors.yaml", &c, &errs) == 0, "%s", errs ? errs : "?");
    CHECK_INT(c->n_schedules, 2);
    CHECK_STR(c->schedules[0].payload_json, "{\"depth\":3,\"tag\":\"x\"}");
    CHECK_STR(c->schedules[1].payload_json, c->schedules[0].payload_json);
    CHECK_INT(c->schedules[1].line, 3);
    config_free(c);
}
