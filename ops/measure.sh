#!/usr/bin/env bash
# ops/measure.sh - size measures of the production C (lib jobs worker
# scheduler cli; not tests/, not SQL). Prints, and never fails:
#   1. functions longer than 80 lines: "file:line name length";
#   2. files longer than 800 lines: "file lines";
#   3. duplicate pairs found by the `duplicates` command (when on PATH).
#
# Method.
# 1. A function's length is counted from the first line of its header to
#    the line of its closing brace, both included, over the top-level
#    function bodies of every *.c file. With Universal Ctags on PATH, ctags
#    gives each function's start (the line that carries its name) and end
#    (--fields=+ne). Otherwise an awk brace counter: braces are counted
#    outside comments, strings, character literals and preprocessor lines
#    (with their continuations); a top-level { whose header (the text since
#    the previous top-level ; } or # line) has a ( and no = is a function
#    body, named by the identifier before its first ( (__attribute__ is
#    skipped), and it starts at the header's first line, so an attribute
#    line above the name counts one line more than ctags does. The two find
#    the same 634 functions today and the same ones over 80 lines.
# 2. A file's length is `wc -l` of every *.c and *.h.
# 3. `duplicates` reads a folder; it is given a temporary copy of the
#    production *.c and *.h files only (same relative paths), so pairs
#    with tests or SQL do not count, and prints its pair-count line and
#    one row per pair (`--most 200`).
# Usage: ops/measure.sh [FN_MAX [FILE_MAX]]   (defaults 80 and 800);
# SF_MEASURE_AWK=1 uses the awk counter even where ctags is installed.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
FN_MAX=${1:-80}
FILE_MAX=${2:-800}
DIRS="lib jobs worker scheduler cli"
mapfile -t CFILES < <(find $DIRS -name '*.c' | sort)
mapfile -t ALLFILES < <(find $DIRS -name '*.[ch]' | sort)

fn_awk() {
    awk '
    function strip_attr(s,    out, i, d, c) {    # drops __attribute__((...))
        while ((i = index(s, "__attribute__")) > 0) {
            out = substr(s, 1, i - 1); s = substr(s, i + 13); d = 0
            while (s != "" && substr(s, 1, 1) ~ /[ \t]/) s = substr(s, 2)
            while (s != "") {
                c = substr(s, 1, 1); s = substr(s, 2)
                if (c == "(") d++
                else if (c == ")") { d--; if (d == 0) break }
            }
            s = out " " s
        }
        return s
    }
    FNR == 1 { depth = 0; incom = 0; inpp = 0; hdr = ""; hstart = 0 }
    {
        line = $0; out = ""; i = 1; n = length(line)
        if (depth == 0 && (inpp || (!incom && line ~ /^[ \t]*#/))) {
            inpp = (line ~ /\\$/); hdr = ""; hstart = 0; next
        }
        while (i <= n) {
            c = substr(line, i, 1); c2 = substr(line, i, 2)
            if (incom) { if (c2 == "*/") { incom = 0; i += 2 } else i++; continue }
            if (c2 == "/*") { incom = 1; i += 2; continue }
            if (c2 == "//") break
            if (c == "\"" || c == "\047") {
                q = c; i++
                while (i <= n && substr(line, i, 1) != q) { if (substr(line, i, 1) == "\\") i++; i++ }
                i++; out = out " "; continue
            }
            out = out c; i++
        }
        for (i = 1; i <= length(out); i++) {
            c = substr(out, i, 1)
            if (depth == 0) {
                if (c == ";") { hdr = ""; hstart = 0; continue }
                if (c == "{") {
                    depth = 1; h = strip_attr(hdr)
                    isfn = (h ~ /\(/ && h !~ /=/)
                    if (isfn) {
                        sub(/\(.*/, "", h); m = split(h, w, /[^A-Za-z0-9_]+/)
                        name = w[m]; if (name == "" && m > 1) name = w[m - 1]
                        start = hstart
                    }
                    continue
                }
                if (c !~ /[ \t]/ && hstart == 0) hstart = FNR
                hdr = hdr c
            } else if (c == "{") {
                depth++
            } else if (c == "}") {
                depth--
                if (depth == 0) {
                    if (isfn) print FILENAME ":" start " " name " " (FNR - start + 1)
                    hdr = ""; hstart = 0; isfn = 0
                }
            }
        }
        if (depth == 0 && hdr != "") hdr = hdr " "
    }' "$@"
}

fn_ctags() {
    ctags --fields=+ne --c-kinds=f -o - "$@" | awk -F'\t' '{
        l = e = 0
        for (i = 4; i <= NF; i++) { if ($i ~ /^line:/) l = substr($i, 6); if ($i ~ /^end:/) e = substr($i, 5) }
        if (l && e) print $2 ":" l " " $1 " " (e - l + 1)
    }'
}

if [ "${SF_MEASURE_AWK:-}" != 1 ] && command -v ctags >/dev/null 2>&1 && ctags --version 2>/dev/null | grep -q 'Universal Ctags'; then
    METHOD="universal-ctags"; FNS=$(fn_ctags "${CFILES[@]}")
else
    METHOD="awk brace counter"; FNS=$(fn_awk "${CFILES[@]}")
fi
LONG=$(printf '%s\n' "$FNS" | awk -v max="$FN_MAX" 'NF == 3 && $3 > max' | sort -k3,3nr -k1,1)
NLONG=$(printf '%s' "$LONG" | grep -c . || true)
NFNS=$(printf '%s' "$FNS" | grep -c . || true)
echo "functions over $FN_MAX lines: $NLONG (of $NFNS functions in ${#CFILES[@]} files; $METHOD)"
[ -n "$LONG" ] && printf '%s\n' "$LONG" | sed 's/^/  /'

BIG=$(wc -l "${ALLFILES[@]}" | awk -v max="$FILE_MAX" '$2 != "total" && $1 > max { print $2 " " $1 }' | sort -k2,2nr)
NBIG=$(printf '%s' "$BIG" | grep -c . || true)
echo "files over $FILE_MAX lines: $NBIG (of ${#ALLFILES[@]} .c/.h files)"
[ -n "$BIG" ] && printf '%s\n' "$BIG" | sed 's/^/  /'

if command -v duplicates >/dev/null 2>&1; then
    TMP=$(mktemp -d /tmp/sfmeasure.XXXXXX)
    trap 'rm -rf "$TMP"' EXIT
    for f in "${ALLFILES[@]}"; do mkdir -p "$TMP/$(dirname "$f")" && cp "$f" "$TMP/$f"; done
    DUP=$(cd "$TMP" && duplicates --repo "$TMP" --most 200 --seconds 60 2>&1 || true)
    NDUP=$(printf '%s\n' "$DUP" | grep -c '^D[0-9]' || true)
    echo "duplicate pairs: $NDUP (duplicates over lib jobs worker scheduler cli *.c/*.h)"
    printf '%s\n' "$DUP" | sed 's/^/  /'
else
    echo "duplicate pairs: not measured (the duplicates command is not on PATH)"
fi
exit 0
