/* fvg.h - Fair Value Gap detection and clearing (docs/architecture.md sections 7 and 9).
 *
 * Pure compute: arrays of candles in, gap records out; no I/O, no globals,
 * no allocation per candle. One forward pass finds the gaps a block of
 * candles completes, without a branch per candle; each gap then looks
 * ahead through its own window (at most max_lookback - 2 candles, still in
 * cache) for the first candle that reaches its far edge, 8 candles per
 * comparison round. Every candle is read from memory once.
 *
 * Incremental scans: a scan reads a contiguous slice of the series (global
 * indexes base_index ..), detects gaps whose right candle is at or after
 * scan_from, and carries on the gaps an earlier scan left pending. See
 * docs/fvg.md for the contract the job glue follows.
 *
 * Errors (the convention of jobs/ta/ta.h, shared by all pure compute):
 * functions return FVG_OK (0) or an FVG_E* code, which fvg_strerror names;
 * where a detail helps, a one-line reason goes into the caller's
 * why[cap] (why may be NULL). No FarmErr here: the job glue
 * (jobs/fvg_scan/) converts a code into its FarmErr.
 *
 * Memory: FvgResult owns every array it points to; fvg_result_free releases
 * them. Input arrays stay the caller's and are only read. */
#ifndef SF_FVG_H
#define SF_FVG_H

#include <stddef.h>
#include <stdint.h>

enum {
    FVG_OK = 0,
    FVG_EPARAM = 1,          /* a setting or option out of range */
    FVG_EINPUT = 2,          /* bad candles, pending gaps or records */
    FVG_ENOMEM = 3,          /* allocation failed */
};
#define FVG_MUSTCHECK __attribute__((warn_unused_result))

/* Static text for a return code; never NULL. */
const char *fvg_strerror(int rc);

#define FVG_LOOKBACK_MIN 10
#define FVG_LOOKBACK_MAX 100
#define FVG_LOOKBACK_DEFAULT 40

typedef enum { FVG_BULLISH = 0, FVG_BEARISH = 1 } FvgType;
typedef enum { FVG_VALID = 0, FVG_CLEARED = 1, FVG_INVALID = 2 } FvgStatus;
typedef enum { FVG_BY_NONE = 0, FVG_BY_GAP = 1, FVG_BY_CLOSE = 2, FVG_BY_WICK = 3 } FvgClearedBy;

/* Names as seed 000 spells them ("bullish", "valid", "wick"); static
 * strings. fvg_cleared_by_name(FVG_BY_NONE) is NULL (SQL NULL). */
const char *fvg_type_name(FvgType t);
const char *fvg_status_name(FvgStatus s);
const char *fvg_cleared_by_name(FvgClearedBy b);

typedef struct FvgSettings {
    int max_lookback;        /* candles from L to the window's last candle, 10..100 */
    double min_gap_size;     /* price units, >= 0; a smaller gap is no gap */
    int include_overlapping; /* 1 (default) or 0: skip same-type overlaps */
} FvgSettings;

/* max_lookback 40, min_gap_size 0, include_overlapping 1. */
FvgSettings fvg_settings_default(void);

/* FVG_OK, or FVG_EPARAM and a message in why naming the setting, its value
 * and the allowed range. tick_size (price of one point) must be finite and
 * > 0. */
int fvg_settings_check(const FvgSettings *s, double tick_size, char *why, size_t cap) FVG_MUSTCHECK;

/* A contiguous slice of one (symbol, timeframe) series. time[k] is the
 * epoch-second time of global candle base_index + k; times increase. */
typedef struct FvgCandles {
    const int64_t *time;
    const double *open, *high, *low, *close;
    size_t n;
    int64_t base_index;      /* global index of time[0], from the series' first candle */
} FvgCandles;

/* One gap: a row of fvg_detections without symbol, timeframe and number
 * (the database sequence numbers gaps, not this library). */
typedef struct FvgGap {
    double top, bottom;          /* zone, price */
    double gap_size;             /* top - bottom, price */
    double gap_size_points;      /* gap_size / tick size */
    double cleared_price;        /* open (gap), close (close), far edge (wick); 0 if not cleared */
    int64_t left_index, middle_index, right_index;   /* global candle indexes L, M, R */
    int64_t end_index;           /* L + max_lookback: the window's last candle */
    int64_t cleared_index;       /* global index of the clearing candle, -1 if not cleared */
    int64_t start_time;          /* time of L, epoch s */
    int64_t detection_time;      /* time of R */
    int64_t end_time;            /* time of candle end_index; 0 while has_end_time is 0 */
    int64_t cleared_time;        /* time of the clearing candle; 0 if not cleared */
    uint8_t type;                /* FvgType */
    uint8_t status;              /* FvgStatus */
    uint8_t cleared_by;          /* FvgClearedBy */
    uint8_t has_end_time;        /* 0 while candle end_index lies past the data read so far */
} FvgGap;

/* One new gap in 8 bytes: the candle that completed it and how its window
 * ended. Every other field of its FvgGap is a price or a time of a candle
 * of the slice, or follows from max_lookback, so fvg_hit_expand rebuilds
 * the record from the candles the scan read. A first scan over 1 M
 * intraday candles finds ~210,000 gaps: 1.7 MB of hits instead of 25 MB of
 * records, which is what lets detection, clearing and statistics run close
 * to the speed of reading the candles (docs/fvg.md "Speed"). */
typedef struct FvgHit {
    uint32_t r;                  /* slice index of R: right_index = base_index + r */
    uint8_t clear;               /* cleared by slice candle r + clear (1..98); 0: not cleared */
    uint8_t flags;               /* type | status << 1 | cleared_by << 3 | has_end_time << 5 */
    uint16_t unused;             /* 0 */
} FvgHit;

static inline FvgType fvg_hit_type(FvgHit h) { return (FvgType)(h.flags & 1); }
static inline FvgStatus fvg_hit_status(FvgHit h) { return (FvgStatus)(h.flags >> 1 & 3); }
static inline FvgClearedBy fvg_hit_cleared_by(FvgHit h) { return (FvgClearedBy)(h.flags >> 3 & 3); }
static inline int fvg_hit_has_end_time(FvgHit h) { return h.flags >> 5 & 1; }

/* The full record of hit h of a scan of c with max_lookback and tick_size
 * (the scan's own slice and settings). */
void fvg_hit_expand(const FvgCandles *c, int max_lookback, double tick_size, FvgHit h,
                    FvgGap *g);

/* Output of one scan, reusable across scans (capacity is kept).
 *  hits:    new gaps, compact, ordered by r (at most one gap per candle).
 *  gaps:    the same gaps as full records (fvg_scan, fvg_scan_stats; not
 *           filled by fvg_scan_hits).
 *  updates: pending gaps passed in whose record changed (cleared, expired,
 *           or end_time now known), ordered by right_index then type. */
typedef struct FvgResult {
    FvgHit *hits;
    size_t n_hits, cap_hits;
    FvgGap *gaps;
    size_t n_gaps, cap_gaps;
    FvgGap *updates;
    size_t n_updates, cap_updates;
    void *scratch;               /* private: per-call scratch kept for reuse */
} FvgResult;

void fvg_result_init(FvgResult *r);
void fvg_result_free(FvgResult *r);   /* safe on an initialised or zeroed result */

/* Scans c. Gaps whose right candle R has global index >= scan_from are new
 * (detection needs L and M in the slice, so c->base_index <= scan_from - 2
 * unless base_index is 0, the series' start). pending are gaps earlier
 * scans returned that are still valid, or that lack end_time; any order.
 * A pending gap is checked against its window candles present in the slice;
 * window candles before base_index are taken as already checked. Window
 * candles past the slice's end are left for a later scan.
 * Returns FVG_OK, or FVG_EPARAM (bad settings), FVG_EINPUT (bad slice, a
 * pending gap inconsistent with the slice) or FVG_ENOMEM, with the reason
 * in why. out is reset. */
int fvg_scan(const FvgSettings *s, double tick_size, const FvgCandles *c,
             int64_t scan_from, const FvgGap *pending, size_t n_pending,
             FvgResult *out, char *why, size_t cap) FVG_MUSTCHECK;

/* fvg_scan, and adds the new gaps (out->gaps, not the updates) to acc, a
 * FvgStatsAcc the caller began with fvg_stats_begin and ends or discards
 * (also after an error), block by block while their records are still in
 * cache: the statistics of a first scan come out as fvg_stats_compute over
 * out->gaps would give them, bit for bit, without reading the records back.
 * acc may be NULL (that is fvg_scan). */
struct FvgStatsAcc;
int fvg_scan_stats(const FvgSettings *s, double tick_size, const FvgCandles *c,
                   int64_t scan_from, const FvgGap *pending, size_t n_pending,
                   FvgResult *out, struct FvgStatsAcc *acc, char *why, size_t cap) FVG_MUSTCHECK;

/* The scan itself: new gaps as hits only (out->gaps is left empty), and
 * their statistics into acc when acc is not NULL (fvg_stats_add_hits, block
 * by block while the candles are in cache). The fastest form; fvg_scan and
 * fvg_scan_stats are this plus fvg_hit_expand of every hit. */
int fvg_scan_hits(const FvgSettings *s, double tick_size, const FvgCandles *c,
                  int64_t scan_from, const FvgGap *pending, size_t n_pending,
                  FvgResult *out, struct FvgStatsAcc *acc, char *why, size_t cap) FVG_MUSTCHECK;

/* The first global candle index the next scan must read so that it sees
 * L and M of a gap whose R is scan_from and every window candle a pending
 * gap has not been checked against (conservatively: from R + 1 on; a
 * pending gap lacking only end_time needs candle end_index). Never < 0. */
int64_t fvg_reread_from(const FvgGap *pending, size_t n_pending, int64_t scan_from);

#endif
