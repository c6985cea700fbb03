/* yaml_doc.c - a YAML document from libyaml's events (yaml_doc.h). Follows
 * libyaml 0.2.5's loader.c step by step (node order, anchors, errors) but
 * keeps nodes, children and texts in three flat arrays: the children of
 * each collection gather on one shared stack while it is open and move,
 * once it ends, to the document's kids array in one piece; short texts
 * are stored once. */
#include "yaml_doc.h"

#include <stdlib.h>
#include <string.h>

typedef struct Anchor {
    yaml_char_t *name;   /* owned (taken from the event) */
    uint32_t index;
    yaml_mark_t mark;    /* the anchored node's start, for a duplicate's message */
} Anchor;

/* A collection whose end event has not come yet. */
typedef struct Open {
    uint32_t index;      /* its node */
    size_t first;        /* where its children start on Loader.stack */
} Open;

/* Short scalars are stored once: a list of 100,000 mappings spells the
 * same keys (and mostly the same values) 100,000 times. Direct-mapped by
 * a hash of the text: a slot another text took costs one more copy. */
#define SHARED_MAX 24        /* bytes: the texts shared */
#define SHARED_SLOTS 4096

typedef struct Loader {
    yaml_parser_t *p;
    YamlDoc *d;
    uint32_t shared[SHARED_SLOTS];  /* offset + 1 of a short text in d->text; 0 = none */
    uint32_t *stack;     /* children of the open collections, innermost last */
    size_t n_stack, stack_cap;
    Open *open;
    size_t n_open, open_cap;
    Anchor *anchors;
    size_t n_anchors, anchors_cap;
} Loader;

static int memory_error(Loader *L)
{
    L->p->error = YAML_MEMORY_ERROR;
    return 0;
}

/* The array *arr of *cap elements (of size elem) with room for need;
 * NULL when that cannot be had. Sizes stay below UINT32_MAX elements:
 * indexes and offsets are 32-bit. Doubling: a large array is realloc'd
 * in place by mremap, and only the pages written are touched. */
static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return arr;
    if (need >= UINT32_MAX) return NULL;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    void *p = realloc(arr, n * elem);
    if (p) *cap = n;
    return p;
}

/* Appends node; its index, or UINT32_MAX on failure (reported). */
static uint32_t add_node(Loader *L, const YamlNode *node)
{
    YamlDoc *d = L->d;
    YamlNode *arr = grow(d->nodes, &d->nodes_cap, d->n_nodes + 1, sizeof *arr);
    if (!arr) return memory_error(L), UINT32_MAX;
    d->nodes = arr;
    d->nodes[d->n_nodes] = *node;
    return (uint32_t)d->n_nodes++;
}

/* As libyaml: a repeated anchor is an error naming both places. Takes
 * anchor (may be NULL). */
static int register_anchor(Loader *L, uint32_t index, yaml_char_t *anchor, yaml_mark_t mark)
{
    if (!anchor) return 1;
    for (size_t i = 0; i < L->n_anchors; i++) {
        if (strcmp((char *)L->anchors[i].name, (char *)anchor) == 0) {
            free(anchor);
            L->p->error = YAML_COMPOSER_ERROR;
            L->p->context = "found duplicate anchor; first occurrence";
            L->p->context_mark = L->anchors[i].mark;
            L->p->problem = "second occurrence";
            L->p->problem_mark = mark;
            return 0;
        }
    }
    Anchor *arr = grow(L->anchors, &L->anchors_cap, L->n_anchors + 1, sizeof *arr);
    if (!arr) {
        free(anchor);
        return memory_error(L);
    }
    L->anchors = arr;
    L->anchors[L->n_anchors++] = (Anchor){anchor, index, mark};
    return 1;
}

/* The node becomes the next child of the innermost open collection (none
 * open: it is the root). */
static int add_child(Loader *L, uint32_t index)
{
    if (!L->n_open) return 1;
    uint32_t *arr = grow(L->stack, &L->stack_cap, L->n_stack + 1, sizeof *arr);
    if (!arr) return memory_error(L);
    L->stack = arr;
    L->stack[L->n_stack++] = index;
    return 1;
}

static int on_alias(Loader *L, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    for (size_t i = 0; i < L->n_anchors; i++)
        if (strcmp((char *)L->anchors[i].name, name) == 0) return add_child(L, L->anchors[i].index);
    L->p->error = YAML_COMPOSER_ERROR;
    L->p->problem = "found undefined alias";
    L->p->problem_mark = ev->start_mark;
    return 0;
}

/* The node's start line; a file of more lines than 32 bits hold is refused
 * as too large. */
static int node_line(Loader *L, const yaml_event_t *ev, uint32_t *line)
{
    if (ev->start_mark.line >= UINT32_MAX) return memory_error(L);
    *line = (uint32_t)ev->start_mark.line;
    return 1;
}

/* Every byte of a text of at most SHARED_MAX (three 8-byte windows). */
static size_t shared_slot(const char *s, size_t len)
{
    uint64_t a = 0, b = 0, c = 0;
    memcpy(&a, s, len < 8 ? len : 8);
    if (len > 8) memcpy(&b, s + 8, len < 16 ? len - 8 : 8);
    if (len > 16) memcpy(&c, s + len - 8, 8);
    uint64_t h = (a * 0x9E3779B97F4A7C15ULL) ^ ((b + len) * 0xC2B2AE3D27D4EB4FULL) ^
                 (c * 0x165667B19E3779F9ULL);
    return (size_t)(h >> 52);   /* 12 bits: SHARED_SLOTS */
}

/* The offset of len bytes of value (and a NUL) in the document's text: a
 * short text already there, or a new copy. UINT32_MAX on failure. */
static uint32_t store_text(Loader *L, const char *value, size_t len)
{
    YamlDoc *d = L->d;
    uint32_t *slot = NULL;
    if (len <= SHARED_MAX) {
        slot = &L->shared[shared_slot(value, len)];
        /* A match may be the start of a longer text with a NUL after len
         * bytes: the same text to a reader, who reads len bytes or up to a NUL. */
        if (*slot && memcmp(d->text + *slot - 1, value, len) == 0 && !d->text[*slot - 1 + len])
            return *slot - 1;
    }
    char *text = grow(d->text, &d->text_cap, d->n_text + len + 1, 1);
    if (!text || len >= YAML_DOC_MAX_N) return UINT32_MAX;
    d->text = text;
    uint32_t at = (uint32_t)d->n_text;
    memcpy(d->text + at, value, len);
    d->text[at + len] = '\0';
    d->n_text += len + 1;
    if (slot) *slot = at + 1;
    return at;
}

static int on_scalar(Loader *L, yaml_event_t *ev)
{
    size_t len = ev->data.scalar.length;
    uint32_t at = store_text(L, (const char *)ev->data.scalar.value, len);
    if (at == UINT32_MAX) return memory_error(L);
    YamlNode node = {.type = YAML_SCALAR_NODE, .style = ev->data.scalar.style, .at = at,
                     .n = (uint32_t)len};
    if (!node_line(L, ev, &node.line)) return 0;
    uint32_t index = add_node(L, &node);
    if (index == UINT32_MAX) return 0;
    yaml_char_t *anchor = ev->data.scalar.anchor;
    ev->data.scalar.anchor = NULL;   /* the anchor list owns it now */
    return register_anchor(L, index, anchor, ev->start_mark) && add_child(L, index);
}

/* A sequence or mapping starts: its node now (its index is what its
 * parent and aliases hold), its children at its end. */
static int on_start(Loader *L, yaml_event_t *ev, yaml_node_type_t type)
{
    YamlNode node = {.type = type};
    yaml_char_t **anchor = type == YAML_SEQUENCE_NODE ? &ev->data.sequence_start.anchor
                                                      : &ev->data.mapping_start.anchor;
    if (!node_line(L, ev, &node.line)) return 0;
    uint32_t index = add_node(L, &node);
    if (index == UINT32_MAX) return 0;
    yaml_char_t *name = *anchor;
    *anchor = NULL;
    if (!register_anchor(L, index, name, ev->start_mark) || !add_child(L, index)) return 0;
    Open *arr = grow(L->open, &L->open_cap, L->n_open + 1, sizeof *arr);
    if (!arr) return memory_error(L);
    L->open = arr;
    L->open[L->n_open++] = (Open){index, L->n_stack};
    return 1;
}

/* The innermost collection ends: its children move off the stack into
 * the document. A mapping's come in key, value order (the parser gives an
 * empty scalar for a value not written). */
static int on_end(Loader *L)
{
    YamlDoc *d = L->d;
    Open o = L->open[--L->n_open];
    size_t n = L->n_stack - o.first;
    if (n / 2 >= YAML_DOC_MAX_N || (n >= YAML_DOC_MAX_N && d->nodes[o.index].type != YAML_MAPPING_NODE))
        return memory_error(L);
    uint32_t *kids = grow(d->kids, &d->kids_cap, d->n_kids + n, sizeof *kids);
    if (!kids) return memory_error(L);
    d->kids = kids;
    if (n) memcpy(d->kids + d->n_kids, L->stack + o.first, n * sizeof *kids);
    YamlNode *node = &d->nodes[o.index];
    node->at = (uint32_t)d->n_kids;
    node->n = (uint32_t)(node->type == YAML_MAPPING_NODE ? n / 2 : n);
    d->n_kids += n;
    L->n_stack = o.first;
    return 1;
}

static int on_event(Loader *L, yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_ALIAS_EVENT: return on_alias(L, ev);
    case YAML_SCALAR_EVENT: return on_scalar(L, ev);
    case YAML_SEQUENCE_START_EVENT: return on_start(L, ev, YAML_SEQUENCE_NODE);
    case YAML_MAPPING_START_EVENT: return on_start(L, ev, YAML_MAPPING_NODE);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return L->n_open ? on_end(L) : 0;
    case YAML_DOCUMENT_END_EVENT: return 1;
    default: return 0;   /* the parser gives no other event inside a document */
    }
}

/* From the event after DOCUMENT-START to DOCUMENT-END. */
static int load_nodes(Loader *L)
{
    yaml_event_t ev;
    int ok, done;
    do {
        if (!yaml_parser_parse(L->p, &ev)) return 0;
        ok = on_event(L, &ev);
        done = ev.type == YAML_DOCUMENT_END_EVENT;
        yaml_event_delete(&ev);   /* what the loader took is NULL in it */
    } while (ok && !done);
    return ok;
}

static int load_document(Loader *L)
{
    yaml_event_t ev;
    if (!L->p->stream_start_produced) {
        if (!yaml_parser_parse(L->p, &ev)) return 0;
        yaml_event_delete(&ev);   /* STREAM-START */
    }
    if (L->p->stream_end_produced) return 1;
    if (!yaml_parser_parse(L->p, &ev)) return 0;
    int start = ev.type == YAML_DOCUMENT_START_EVENT;   /* else STREAM-END: empty */
    yaml_event_delete(&ev);
    return start ? load_nodes(L) : 1;
}

int yaml_doc_load(yaml_parser_t *parser, YamlDoc *out)
{
    Loader L = {.p = parser, .d = out};
    memset(out, 0, sizeof *out);
    int ok = load_document(&L);
    for (size_t i = 0; i < L.n_anchors; i++) free(L.anchors[i].name);
    free(L.anchors);
    free(L.open);
    free(L.stack);
    if (!ok) yaml_doc_free(out);
    return ok;
}

void yaml_doc_free(YamlDoc *d)
{
    if (!d) return;
    free(d->nodes);
    free(d->kids);
    free(d->text);
    memset(d, 0, sizeof *d);
}
