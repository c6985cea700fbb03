/* yaml_doc.h - one YAML document built from libyaml's events into three
 * flat arrays: 12-byte nodes, their children's indexes, their texts (a
 * short text once however often it is spelled).
 *
 * Why not yaml_parser_load: its document costs a 96-byte yaml_node_t, a
 * malloc'd tag and a malloc'd 16-entry child stack per node; 100,000
 * schedules came to ~110 MB, and touching fresh memory is most of the load
 * time (a page fault is ~18 us on the farm's VMs; docs/benchmarks.md). Here
 * the same file takes ~15 MB (10.8 MB of nodes, 3.2 MB of children, under
 * 1 MB of text).
 *
 * What a reader sees is what yaml_parser_load gives (libyaml 0.2.5): the
 * same nodes in the same order, each with its start line, a scalar's text,
 * length and style, a mapping's pairs in file order (equal keys kept), an
 * alias resolved to its anchored node, and the same errors in the parser
 * (error, problem, context and their marks). Tags, end marks, columns and
 * the document's directives are not kept (nothing here reads them). */
#ifndef SF_YAML_DOC_H
#define SF_YAML_DOC_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

/* 12 bytes: a document of 100,000 schedules holds a million nodes. */
typedef struct YamlNode {
    uint32_t line;       /* 0-based, as libyaml's start_mark.line */
    uint32_t at;         /* scalar: offset of its text; collection: of its first kid */
    uint32_t n : 27;     /* scalar: text length; sequence: items; mapping: pairs
                            (below YAML_DOC_MAX_N) */
    uint32_t type : 2;   /* yaml_node_type_t */
    uint32_t style : 3;  /* yaml_scalar_style_t (scalars) */
} YamlNode;

/* A scalar this long, or a collection of this many children, is refused as
 * too large (YAML_MEMORY_ERROR, as the 32-bit offsets). */
#define YAML_DOC_MAX_N (1u << 27)

typedef struct YamlDoc {
    YamlNode *nodes;     /* nodes[0] is the root */
    size_t n_nodes, nodes_cap;
    uint32_t *kids;      /* node indexes: a sequence's items, a mapping's key, value, ... */
    size_t n_kids, kids_cap;
    char *text;          /* the scalars' texts, each NUL-terminated */
    size_t n_text, text_cap;
} YamlDoc;

/* The next document of the parser's stream into out, as yaml_parser_load:
 * returns 1 (a document with no node at the end of the stream) or 0 with
 * parser->error and its problem, context and marks set (out is then empty).
 * On 1, free out with yaml_doc_free. */
int yaml_doc_load(yaml_parser_t *parser, YamlDoc *out);

/* Frees what yaml_doc_load built; safe on a zeroed or freed YamlDoc. */
void yaml_doc_free(YamlDoc *d);

/* The root node, or NULL for an empty document. */
static inline YamlNode *yaml_doc_root(YamlDoc *d) { return d->n_nodes ? d->nodes : NULL; }

/* A scalar's text (NUL-terminated; may hold NULs before length). Short
 * texts are stored once per document and shared by every scalar spelling
 * them (the keys of a list of mappings): read-only. */
static inline const char *yaml_doc_text(const YamlDoc *d, const YamlNode *n)
{
    return d->text + n->at;
}

/* Item i of a sequence, key or value of pair i of a mapping (i < n->n). */
static inline YamlNode *yaml_doc_item(YamlDoc *d, const YamlNode *seq, size_t i)
{
    return d->nodes + d->kids[seq->at + i];
}
static inline YamlNode *yaml_doc_key(YamlDoc *d, const YamlNode *map, size_t i)
{
    return d->nodes + d->kids[map->at + 2 * i];
}
static inline YamlNode *yaml_doc_value(YamlDoc *d, const YamlNode *map, size_t i)
{
    return d->nodes + d->kids[map->at + 2 * i + 1];
}

#endif
