/* utf8.h - strict UTF-8 validation (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), for the input doors (envelope text
 * built outside jansson, CSV files). Pure; no allocation. */
#ifndef SF_UTF8_H
#define SF_UTF8_H

#include <stddef.h>

/* Length of the valid prefix of s[0..n): n when all of it is valid UTF-8,
 * else the offset of the first byte of the first bad sequence. */
size_t utf8_valid_prefix(const char *s, size_t n);

/* 1 when s[0..n) is valid UTF-8. */
int utf8_valid(const char *s, size_t n);

#endif
