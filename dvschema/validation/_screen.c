/*
 * dvschema.validation._screen: a conservative "certainly clean" test for JSONL records.
 *
 * The Python validator compiles its rules into a Screen: for every record key it knows, a value
 * kind (text with a UTF-16 limit, whole number in a range, choice, boolean, GUID, date-time,
 * date, @odata.bind) plus the record rules (required key groups, state/status pairs). The screen
 * reads raw JSONL bytes without building Python objects and answers, per line, "certainly no
 * finding" or "ask the rules". It never reports a finding itself: anything it is not sure of
 * (escapes where a pattern is checked, floats, nested values, duplicate keys, an unknown
 * @odata.bind spelling, invalid UTF-8, a number out of 64-bit range) goes to the Python rules,
 * so its verdict can only save time, not change findings. tests/test_screen.py checks that.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum {
    K_NEVER = 1,   /* always ask the rules (read-only column, lookup set by name, ...) */
    K_TEXT = 2,    /* a string of at most `limit` UTF-16 units (limit < 0: any length) */
    K_INTEGER = 3, /* a whole number in [low, high] */
    K_CHOICE = 4,  /* a whole number among `choices` (none given: any whole number) */
    K_BOOLEAN = 5,
    K_GUID = 6,
    K_DATETIME = 7,
    K_DATE = 8,
    K_BIND = 9,       /* /entityset(guid), entity set among `sets` (none given: any name) */
    K_BIND_EXCEPT = 10 /* /entityset(guid), entity set not among `sets` */
};

enum { ROLE_NONE = 0, ROLE_STATE = 1, ROLE_STATUS = 2 };

typedef struct {
    char *name;
    PyObject *label; /* the name as a Python str, for the suspect keys */
    Py_ssize_t name_length;
    int kind;
    int null_clean;
    int group; /* required-key group, or -1 */
    int role;
    long long low, high;
    Py_ssize_t limit;
    long long *choices;
    Py_ssize_t choice_count; /* -1: any whole number */
    char **sets;
    Py_ssize_t *set_lengths;
    Py_ssize_t set_count; /* -1: any entity set */
} KeySpec;

typedef struct {
    PyObject_HEAD
    KeySpec *keys;
    Py_ssize_t key_count;
    Py_ssize_t *slots; /* open addressing: index into keys, or -1 */
    Py_ssize_t slot_mask;
    int group_count;
    unsigned char *group_met;
    unsigned long *seen; /* generation per key, to spot duplicate keys */
    unsigned long generation;
    int unknown_clean;
    long long *status_values, *status_states;
    Py_ssize_t status_count;
} Screen;

/* -- small helpers ------------------------------------------------------------------------------ */

/* A cheap hash of a key: its length and its first and last (up to) eight bytes. */
static uint64_t hash_bytes(const char *text, Py_ssize_t length) {
    uint64_t head = 0, tail = 0;
    if (length >= 8) {
        memcpy(&head, text, 8);
        memcpy(&tail, text + length - 8, 8);
    } else {
        memcpy(&head, text, (size_t)length);
    }
    uint64_t hash = (head * 0x9E3779B97F4A7C15ULL) ^ (tail * 0xC2B2AE3D27D4EB4FULL) ^ (uint64_t)length;
    return hash ^ (hash >> 29);
}

static Py_ssize_t find_key(Screen *screen, const char *name, Py_ssize_t length) {
    Py_ssize_t slot = (Py_ssize_t)(hash_bytes(name, length) & (uint64_t)screen->slot_mask);
    for (;;) {
        Py_ssize_t index = screen->slots[slot];
        if (index < 0)
            return -1;
        KeySpec *key = &screen->keys[index];
        if (key->name_length == length && memcmp(key->name, name, (size_t)length) == 0)
            return index;
        slot = (slot + 1) & screen->slot_mask;
    }
}

static inline const char *skip_space(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static inline int is_hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }

/*
 * Read a JSON string whose opening quote is at p. Returns the position after the closing quote,
 * or NULL when the string is malformed or holds something the screen does not vouch for (a lone
 * surrogate escape, invalid UTF-8). Counts UTF-16 units; reports whether it held an escape or a
 * non-ASCII byte (patterns are only checked on plain ASCII text).
 */
/* 1 for the bytes that end a run of plain string text: the quote, the backslash, control
   characters and every non-ASCII byte. */
static unsigned char ends_plain_run[256];

static void fill_tables(void) {
    for (int c = 0; c < 256; c++)
        ends_plain_run[c] = c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
}

static const char *read_string(const char *p, const char *end, Py_ssize_t *units, int *plain) {
    Py_ssize_t count = 0;
    int is_plain = 1;
    p++;
    while (p < end) {
        const char *run = p;
        while (p < end && !ends_plain_run[(unsigned char)*p])
            p++;
        count += p - run;
        if (p >= end)
            break;
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *units = count;
            *plain = is_plain;
            return p + 1;
        }
        if (c < 0x20)
            return NULL;
        if (c == '\\') {
            is_plain = 0;
            if (p + 1 >= end)
                return NULL;
            char e = p[1];
            if (e == 'u') {
                if (end - p < 6 || !is_hex(p[2]) || !is_hex(p[3]) || !is_hex(p[4]) || !is_hex(p[5]))
                    return NULL;
                unsigned int code = (unsigned int)strtoul((char[]){p[2], p[3], p[4], p[5], 0}, NULL, 16);
                if (code >= 0xD800 && code <= 0xDBFF) {
                    /* a high surrogate must be followed by a low one: together two units */
                    if (end - p < 12 || p[6] != '\\' || p[7] != 'u' || !is_hex(p[8]) || !is_hex(p[9]) ||
                        !is_hex(p[10]) || !is_hex(p[11]))
                        return NULL;
                    unsigned int low = (unsigned int)strtoul((char[]){p[8], p[9], p[10], p[11], 0}, NULL, 16);
                    if (low < 0xDC00 || low > 0xDFFF)
                        return NULL;
                    count += 2;
                    p += 12;
                } else if (code >= 0xDC00 && code <= 0xDFFF) {
                    return NULL;
                } else {
                    count += 1;
                    p += 6;
                }
                continue;
            }
            if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' || e == 't') {
                count += 1;
                p += 2;
                continue;
            }
            return NULL;
        }
        if (c < 0x80) {
            count += 1;
            p += 1;
            continue;
        }
        is_plain = 0;
        /* strict UTF-8: no overlongs, no surrogates, nothing past U+10FFFF */
        if (c >= 0xC2 && c <= 0xDF) {
            if (end - p < 2 || ((unsigned char)p[1] & 0xC0) != 0x80)
                return NULL;
            count += 1;
            p += 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            unsigned char c1;
            if (end - p < 3)
                return NULL;
            c1 = (unsigned char)p[1];
            if ((c1 & 0xC0) != 0x80 || ((unsigned char)p[2] & 0xC0) != 0x80)
                return NULL;
            if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0))
                return NULL;
            count += 1;
            p += 3;
        } else if (c >= 0xF0 && c <= 0xF4) {
            unsigned char c1;
            if (end - p < 4)
                return NULL;
            c1 = (unsigned char)p[1];
            if ((c1 & 0xC0) != 0x80 || ((unsigned char)p[2] & 0xC0) != 0x80 || ((unsigned char)p[3] & 0xC0) != 0x80)
                return NULL;
            if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90))
                return NULL;
            count += 2; /* outside the Basic Multilingual Plane: a surrogate pair in UTF-16 */
            p += 4;
        } else {
            return NULL;
        }
    }
    return NULL;
}

/*
 * Read a JSON number. Returns the position after it, or NULL. Sets *whole when it is an integer
 * literal that fits in 64 bits (its value in *value); anything else (fraction, exponent, more
 * than 18 digits) leaves *whole 0.
 */
static const char *read_number(const char *p, const char *end, int *whole, long long *value) {
    int negative = 0, digits = 0, integral = 1;
    long long accumulated = 0;
    if (p < end && *p == '-') {
        negative = 1;
        p++;
    }
    if (p >= end || !is_digit(*p))
        return NULL;
    if (*p == '0') {
        p++;
        digits = 1;
    } else {
        while (p < end && is_digit(*p)) {
            if (digits < 18)
                accumulated = accumulated * 10 + (*p - '0');
            digits++;
            p++;
        }
    }
    if (p < end && *p == '.') {
        integral = 0;
        p++;
        if (p >= end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        integral = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return NULL;
        while (p < end && is_digit(*p))
            p++;
    }
    *whole = integral && digits <= 18;
    *value = negative ? -accumulated : accumulated;
    return p;
}

static const char *skip_value(const char *p, const char *end, int depth);

/* Skip any JSON value the screen can vouch is valid; NULL otherwise. */
static const char *skip_value(const char *p, const char *end, int depth) {
    if (p >= end || depth > 32)
        return NULL;
    char c = *p;
    if (c == '"') {
        Py_ssize_t units;
        int plain;
        return read_string(p, end, &units, &plain);
    }
    if (c == '-' || is_digit(c)) {
        int whole;
        long long value;
        const char *after = read_number(p, end, &whole, &value);
        /* a float or a huge integer may be rejected or rounded by the JSON reader: ask the rules */
        return (after && whole) ? after : NULL;
    }
    if (c == 't')
        return (end - p >= 4 && memcmp(p, "true", 4) == 0) ? p + 4 : NULL;
    if (c == 'f')
        return (end - p >= 5 && memcmp(p, "false", 5) == 0) ? p + 5 : NULL;
    if (c == 'n')
        return (end - p >= 4 && memcmp(p, "null", 4) == 0) ? p + 4 : NULL;
    if (c == '[' || c == '{') {
        char close = c == '[' ? ']' : '}';
        p = skip_space(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (c == '{') {
                Py_ssize_t units;
                int plain;
                if (p >= end || *p != '"')
                    return NULL;
                p = read_string(p, end, &units, &plain);
                if (!p)
                    return NULL;
                p = skip_space(p, end);
                if (p >= end || *p != ':')
                    return NULL;
                p = skip_space(p + 1, end);
            }
            p = skip_value(p, end, depth + 1);
            if (!p)
                return NULL;
            p = skip_space(p, end);
            if (p < end && *p == ',') {
                p = skip_space(p + 1, end);
                continue;
            }
            if (p < end && *p == close)
                return p + 1;
            return NULL;
        }
    }
    return NULL;
}

/* -- value patterns (on plain ASCII text, without quotes) ------------------------------------- */

static int is_guid(const char *s, Py_ssize_t n) {
    if (n != 36)
        return 0;
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (!is_hex(s[i])) {
            return 0;
        }
    }
    return 1;
}

static inline int two_digits(const char *s) { return (s[0] - '0') * 10 + (s[1] - '0'); }

/* YYYY-MM-DD with year 1800-9999 and day 1-28: a date every rule accepts (the rest asks the rules). */
static int is_plain_date(const char *s, Py_ssize_t n) {
    if (n < 10)
        return 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return 0;
        } else if (!is_digit(s[i])) {
            return 0;
        }
    }
    int year = two_digits(s) * 100 + two_digits(s + 2);
    int month = two_digits(s + 5), day = two_digits(s + 8);
    return year >= 1800 && month >= 1 && month <= 12 && day >= 1 && day <= 28;
}

/* YYYY-MM-DDThh:mm[:ss[.f{1,6}]](Z|+hh:mm|-hh:mm), as the clean test of the Python rules. */
static int is_plain_datetime(const char *s, Py_ssize_t n) {
    const char *end = s + n, *p;
    if (!is_plain_date(s, n) || n < 16 || s[10] != 'T')
        return 0;
    p = s + 11;
    if (!is_digit(p[0]) || !is_digit(p[1]) || p[2] != ':' || !is_digit(p[3]) || !is_digit(p[4]))
        return 0;
    if (two_digits(p) > 23 || two_digits(p + 3) > 59)
        return 0;
    p += 5;
    if (p < end && *p == ':') {
        if (end - p < 3 || !is_digit(p[1]) || !is_digit(p[2]) || two_digits(p + 1) > 59)
            return 0;
        p += 3;
        if (p < end && *p == '.') {
            int fraction = 0;
            p++;
            while (p < end && is_digit(*p)) {
                fraction++;
                p++;
            }
            if (fraction < 1 || fraction > 6)
                return 0;
        }
    }
    if (end - p == 1 && *p == 'Z')
        return 1;
    if (end - p == 6 && (*p == '+' || *p == '-') && is_digit(p[1]) && is_digit(p[2]) && p[3] == ':' &&
        is_digit(p[4]) && is_digit(p[5]))
        return two_digits(p + 1) <= 23 && two_digits(p + 4) <= 59;
    return 0;
}

/* [/]entityset(guid) with the entity set among the allowed ones, or (K_BIND_EXCEPT) not among the
   excluded ones (an absolute URL, an alternate key asks the rules). */
static int is_plain_bind(KeySpec *key, const char *s, Py_ssize_t n) {
    if (n < 39 || s[n - 1] != ')' || s[n - 38] != '(' || !is_guid(s + n - 37, 36))
        return 0;
    const char *name = s;
    Py_ssize_t name_length = n - 38;
    if (name_length > 0 && *name == '/') {
        name++;
        name_length--;
    }
    if (name_length < 1 || !(*name == '_' || (*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z')))
        return 0;
    for (Py_ssize_t i = 1; i < name_length; i++) {
        char c = name[i];
        if (!(c == '_' || is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
            return 0;
    }
    if (key->set_count < 0)
        return 1;
    for (Py_ssize_t i = 0; i < key->set_count; i++) {
        if (key->set_lengths[i] == name_length && memcmp(key->sets[i], name, (size_t)name_length) == 0)
            return key->kind == K_BIND;
    }
    return key->kind == K_BIND_EXCEPT;
}

/* choices are sorted when the screen is built */
static int choice_allowed(KeySpec *key, long long value) {
    Py_ssize_t low = 0, high = key->choice_count - 1;
    if (key->choice_count < 0)
        return 1;
    while (low <= high) {
        Py_ssize_t middle = low + (high - low) / 2;
        if (key->choices[middle] == value)
            return 1;
        if (key->choices[middle] < value)
            low = middle + 1;
        else
            high = middle - 1;
    }
    return 0;
}

static int compare_long_long(const void *a, const void *b) {
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

static int ascii_key_is_bind(const char *name, Py_ssize_t length) {
    const char *at = memchr(name, '@', (size_t)length);
    if (!at)
        return 0;
    Py_ssize_t rest = length - (at - name) - 1;
    return rest == 10 && PyOS_strnicmp(at + 1, "odata.bind", 10) == 0;
}

/* -- one record --------------------------------------------------------------------------------- */

enum { VALUE_CLEAN = 1, VALUE_SUSPECT = 0 };

/*
 * Check the non-null value of a known key at p. Sets *after to the position after the value when
 * it is clean; a suspect value leaves *after unset (the caller skips it generically).
 */
static int check_value(KeySpec *key, const char *p, const char *end, const char **after, long long *number) {
    switch (key->kind) {
    case K_TEXT: {
        Py_ssize_t units;
        int plain;
        if (*p != '"')
            return VALUE_SUSPECT;
        *after = read_string(p, end, &units, &plain);
        return (*after && (key->limit < 0 || units <= key->limit)) ? VALUE_CLEAN : VALUE_SUSPECT;
    }
    case K_GUID:
    case K_DATETIME:
    case K_DATE:
    case K_BIND:
    case K_BIND_EXCEPT: {
        Py_ssize_t units, length;
        int plain, ok;
        const char *text = p + 1;
        if (*p != '"')
            return VALUE_SUSPECT;
        *after = read_string(p, end, &units, &plain);
        if (!*after || !plain)
            return VALUE_SUSPECT;
        length = *after - 1 - text;
        if (key->kind == K_GUID)
            ok = is_guid(text, length);
        else if (key->kind == K_DATETIME)
            ok = is_plain_datetime(text, length);
        else if (key->kind == K_DATE)
            ok = length == 10 && is_plain_date(text, length);
        else
            ok = is_plain_bind(key, text, length);
        return ok ? VALUE_CLEAN : VALUE_SUSPECT;
    }
    case K_INTEGER:
    case K_CHOICE: {
        int whole;
        if (*p != '-' && !is_digit(*p))
            return VALUE_SUSPECT;
        *after = read_number(p, end, &whole, number);
        if (!*after || !whole)
            return VALUE_SUSPECT;
        if (key->kind == K_INTEGER ? (*number < key->low || *number > key->high) : !choice_allowed(key, *number))
            return VALUE_SUSPECT;
        return VALUE_CLEAN;
    }
    case K_BOOLEAN:
        if (end - p >= 4 && memcmp(p, "true", 4) == 0) {
            *after = p + 4;
            return VALUE_CLEAN;
        }
        if (end - p >= 5 && memcmp(p, "false", 5) == 0) {
            *after = p + 5;
            return VALUE_CLEAN;
        }
        return VALUE_SUSPECT;
    default:
        return VALUE_SUSPECT;
    }
}

#define MAX_SUSPECTS 32
#define NULL_UNKNOWN (-2) /* an unknown key with null: kept only to spot a duplicate of it */

/* The keys the rules must see, in line order: a known key by its index, an unknown one (index -1)
 * by its plain ASCII name in the line. */
typedef struct {
    Py_ssize_t index[MAX_SUSPECTS];
    const char *name[MAX_SUSPECTS];
    Py_ssize_t length[MAX_SUSPECTS];
    int count;
} Suspects;

/* Outcome of one record: certainly clean, or the rules must see some keys, or all of it. */
enum { RECORD_CLEAN = 1, RECORD_SUSPECT_KEYS = 0, RECORD_CHECK_ALL = -1 };

/*
 * Screen one record. RECORD_SUSPECT_KEYS lists in suspects (in line order) the keys whose values
 * the rules must see: known keys with a value it cannot vouch for, and unknown columns with a
 * value (every other key's value is certainly clean). It sets *record_rules
 * when the record rules (required keys, state/status) must run too. RECORD_CHECK_ALL: something
 * the screen cannot place (malformed or unusual JSON, an escaped or non-ASCII key, a bind it does
 * not know by that spelling, a duplicate key): the rules see the whole record.
 */
static int screen_record(Screen *screen, const char *p, const char *end, Suspects *suspects,
                         int *record_rules) {
    int state_known = 0, status_known = 0, count = 0, rules = 0;
    long long state = 0, status = 0;
    unsigned long generation = ++screen->generation;
    if (screen->group_count)
        memset(screen->group_met, 0, (size_t)screen->group_count);
    p = skip_space(p, end);
    if (p >= end || *p != '{')
        return RECORD_CHECK_ALL;
    p = skip_space(p + 1, end);
    if (p < end && *p == '}') {
        p++;
    } else {
        for (;;) {
            const char *name, *after = NULL;
            Py_ssize_t name_length, index;
            if (p >= end || *p != '"')
                return RECORD_CHECK_ALL;
            name = ++p;
            while (p < end && !ends_plain_run[(unsigned char)*p])
                p++;
            if (p >= end || *p != '"')
                return RECORD_CHECK_ALL; /* an escaped or non-ASCII key */
            name_length = p - name;
            p = skip_space(p + 1, end);
            if (p >= end || *p != ':')
                return RECORD_CHECK_ALL;
            p = skip_space(p + 1, end);
            if (p >= end)
                return RECORD_CHECK_ALL;
            index = find_key(screen, name, name_length);
            if (index < 0) {
                if (name_length > 0 && name[0] != '@' && ascii_key_is_bind(name, name_length))
                    return RECORD_CHECK_ALL; /* a bind the screen does not know by this spelling */
                if (!screen->unknown_clean
                        && (name_length == 0 || (name[0] != '@' && !memchr(name, '@', (size_t)name_length)))) {
                    /* an unknown column with a value; one with null (which the rules pass over) is
                     * noted too (NULL_UNKNOWN), so that a later duplicate of it is seen: the JSON
                     * reader keeps the key where it first came, with the last value */
                    if (count == MAX_SUSPECTS)
                        return RECORD_CHECK_ALL;
                    for (int i = 0; i < count; i++)
                        if (suspects->index[i] < 0 && suspects->length[i] == name_length
                                && memcmp(suspects->name[i], name, (size_t)name_length) == 0)
                            return RECORD_CHECK_ALL; /* a duplicate key: the JSON reader keeps the last one */
                    suspects->index[count] = *p == 'n' ? NULL_UNKNOWN : -1;
                    suspects->name[count] = name;
                    suspects->length[count++] = name_length;
                }
                p = skip_value(p, end, 0);
                if (!p)
                    return RECORD_CHECK_ALL;
            } else {
                KeySpec *key = &screen->keys[index];
                int verdict;
                long long number = 0;
                if (screen->seen[index] == generation)
                    return RECORD_CHECK_ALL; /* a duplicate key: the JSON reader keeps the last one */
                screen->seen[index] = generation;
                if (*p == 'n') {
                    if (end - p < 4 || memcmp(p, "null", 4) != 0)
                        return RECORD_CHECK_ALL;
                    after = p + 4;
                    verdict = key->null_clean ? VALUE_CLEAN : VALUE_SUSPECT;
                } else {
                    verdict = check_value(key, p, end, &after, &number);
                    if (verdict == VALUE_CLEAN) {
                        if (key->group >= 0)
                            screen->group_met[key->group] = 1;
                        if (key->role == ROLE_STATE) {
                            state_known = 1;
                            state = number;
                        } else if (key->role == ROLE_STATUS) {
                            status_known = 1;
                            status = number;
                        }
                    }
                }
                if (verdict == VALUE_SUSPECT) {
                    if (count == MAX_SUSPECTS)
                        return RECORD_CHECK_ALL;
                    suspects->index[count++] = index;
                    if (*p == 'n' || key->role != ROLE_NONE)
                        rules = 1; /* a forbidden null, or a state/status of unknown shape */
                    else if (key->group >= 0)
                        screen->group_met[key->group] = 1; /* present and not null is all the group asks */
                    after = skip_value(p, end, 0);
                    if (!after)
                        return RECORD_CHECK_ALL;
                }
                p = after;
            }
            p = skip_space(p, end);
            if (p < end && *p == ',') {
                p = skip_space(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return RECORD_CHECK_ALL;
        }
    }
    if (skip_space(p, end) != end)
        return RECORD_CHECK_ALL;
    for (int i = 0; i < screen->group_count && !rules; i++)
        if (!screen->group_met[i])
            rules = 1;
    if (!rules && state_known && status_known) {
        for (Py_ssize_t i = 0; i < screen->status_count; i++)
            if (screen->status_values[i] == status) {
                rules = screen->status_states[i] != state;
                break;
            }
    }
    int kept = 0;
    for (int i = 0; i < count; i++)
        if (suspects->index[i] != NULL_UNKNOWN) {
            suspects->index[kept] = suspects->index[i];
            suspects->name[kept] = suspects->name[i];
            suspects->length[kept++] = suspects->length[i];
        }
    count = kept;
    suspects->count = count;
    *record_rules = rules;
    return (count || rules) ? RECORD_SUSPECT_KEYS : RECORD_CLEAN;
}

/* -- the Python type ---------------------------------------------------------------------------- */

static void free_keys(Screen *self) {
    if (self->keys) {
        for (Py_ssize_t i = 0; i < self->key_count; i++) {
            KeySpec *key = &self->keys[i];
            Py_XDECREF(key->label);
            PyMem_Free(key->name);
            PyMem_Free(key->choices);
            if (key->sets) {
                for (Py_ssize_t j = 0; j < key->set_count; j++)
                    PyMem_Free(key->sets[j]);
            }
            PyMem_Free(key->sets);
            PyMem_Free(key->set_lengths);
        }
        PyMem_Free(self->keys);
        self->keys = NULL;
    }
    PyMem_Free(self->slots);
    PyMem_Free(self->group_met);
    PyMem_Free(self->seen);
    PyMem_Free(self->status_values);
    PyMem_Free(self->status_states);
    self->slots = NULL;
    self->group_met = NULL;
    self->seen = NULL;
    self->status_values = self->status_states = NULL;
}

static void Screen_dealloc(Screen *self) {
    free_keys(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static char *copy_text(PyObject *text, Py_ssize_t *length) {
    const char *data = PyUnicode_AsUTF8AndSize(text, length);
    if (!data)
        return NULL;
    char *copy = PyMem_Malloc((size_t)*length + 1);
    if (!copy) {
        PyErr_NoMemory();
        return NULL;
    }
    memcpy(copy, data, (size_t)*length + 1);
    return copy;
}

/* key spec tuple: (name, kind, null_clean, group, role, low, high, limit, choices|None, sets|None) */
static int load_key(KeySpec *key, PyObject *item) {
    PyObject *name, *choices, *sets;
    int kind, null_clean, group, role;
    long long low, high;
    Py_ssize_t limit;
    if (!PyArg_ParseTuple(item, "UiiiiLLnOO", &name, &kind, &null_clean, &group, &role, &low, &high, &limit,
                          &choices, &sets))
        return -1;
    key->name = copy_text(name, &key->name_length);
    if (!key->name)
        return -1;
    Py_INCREF(name);
    key->label = name;
    key->kind = kind;
    key->null_clean = null_clean;
    key->group = group;
    key->role = role;
    key->low = low;
    key->high = high;
    key->limit = limit;
    key->choice_count = -1;
    key->set_count = -1;
    if (choices != Py_None) {
        PyObject *sequence = PySequence_Fast(choices, "choices must be a sequence");
        if (!sequence)
            return -1;
        Py_ssize_t count = PySequence_Fast_GET_SIZE(sequence);
        key->choices = PyMem_Calloc((size_t)count + 1, sizeof(long long));
        for (Py_ssize_t i = 0; i < count; i++) {
            key->choices[i] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(sequence, i));
            if (PyErr_Occurred()) {
                Py_DECREF(sequence);
                return -1;
            }
        }
        key->choice_count = count;
        qsort(key->choices, (size_t)count, sizeof(long long), compare_long_long);
        Py_DECREF(sequence);
    }
    if (sets != Py_None) {
        PyObject *sequence = PySequence_Fast(sets, "sets must be a sequence");
        if (!sequence)
            return -1;
        Py_ssize_t count = PySequence_Fast_GET_SIZE(sequence);
        key->sets = PyMem_Calloc((size_t)count + 1, sizeof(char *));
        key->set_lengths = PyMem_Calloc((size_t)count + 1, sizeof(Py_ssize_t));
        key->set_count = 0;
        for (Py_ssize_t i = 0; i < count; i++) {
            key->sets[i] = copy_text(PySequence_Fast_GET_ITEM(sequence, i), &key->set_lengths[i]);
            if (!key->sets[i]) {
                Py_DECREF(sequence);
                return -1;
            }
            key->set_count = i + 1;
        }
        Py_DECREF(sequence);
    }
    return 0;
}

static int Screen_init(Screen *self, PyObject *args, PyObject *kwargs) {
    static char *keywords[] = {"keys", "group_count", "unknown_clean", "status_states", NULL};
    PyObject *keys, *status_states, *sequence;
    int group_count, unknown_clean;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OipO!", keywords, &keys, &group_count, &unknown_clean,
                                     &PyDict_Type, &status_states))
        return -1;
    free_keys(self);
    sequence = PySequence_Fast(keys, "keys must be a sequence");
    if (!sequence)
        return -1;
    Py_ssize_t count = PySequence_Fast_GET_SIZE(sequence);
    self->keys = PyMem_Calloc((size_t)count + 1, sizeof(KeySpec));
    self->seen = PyMem_Calloc((size_t)count + 1, sizeof(unsigned long));
    self->key_count = 0;
    Py_ssize_t size = 8;
    while (size < 2 * (count + 1))
        size *= 2;
    self->slots = PyMem_Malloc((size_t)size * sizeof(Py_ssize_t));
    self->slot_mask = size - 1;
    if (!self->keys || !self->seen || !self->slots) {
        Py_DECREF(sequence);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < size; i++)
        self->slots[i] = -1;
    for (Py_ssize_t i = 0; i < count; i++) {
        KeySpec *key = &self->keys[i];
        if (load_key(key, PySequence_Fast_GET_ITEM(sequence, i)) < 0) {
            self->key_count = i + 1;
            Py_DECREF(sequence);
            return -1;
        }
        self->key_count = i + 1;
        if (key->group >= group_count) {
            Py_DECREF(sequence);
            PyErr_SetString(PyExc_ValueError, "key group out of range");
            return -1;
        }
        if (find_key(self, key->name, key->name_length) >= 0) {
            Py_DECREF(sequence);
            PyErr_Format(PyExc_ValueError, "key %s given twice", key->name);
            return -1;
        }
        Py_ssize_t slot = (Py_ssize_t)(hash_bytes(key->name, key->name_length) & (uint64_t)self->slot_mask);
        while (self->slots[slot] >= 0)
            slot = (slot + 1) & self->slot_mask;
        self->slots[slot] = i;
    }
    Py_DECREF(sequence);
    self->group_count = group_count;
    self->group_met = PyMem_Calloc((size_t)group_count + 1, 1);
    self->unknown_clean = unknown_clean;
    Py_ssize_t pairs = PyDict_Size(status_states), position = 0, index = 0;
    PyObject *status, *state;
    self->status_values = PyMem_Calloc((size_t)pairs + 1, sizeof(long long));
    self->status_states = PyMem_Calloc((size_t)pairs + 1, sizeof(long long));
    if (!self->group_met || !self->status_values || !self->status_states) {
        PyErr_NoMemory();
        return -1;
    }
    while (PyDict_Next(status_states, &position, &status, &state)) {
        self->status_values[index] = PyLong_AsLongLong(status);
        self->status_states[index] = PyLong_AsLongLong(state);
        if (PyErr_Occurred())
            return -1;
        index++;
    }
    self->status_count = index;
    return 0;
}

/*
 * The verdict as Python: True (clean), False (check the whole record), or (keys, record_rules):
 * the keys whose values the rules must see, and whether the record rules must run.
 */
static PyObject *verdict_object(Screen *self, int verdict, Suspects *suspects, int record_rules) {
    if (verdict == RECORD_CLEAN)
        Py_RETURN_TRUE;
    if (verdict == RECORD_CHECK_ALL)
        Py_RETURN_FALSE;
    PyObject *keys = PyTuple_New(suspects->count);
    if (!keys)
        return NULL;
    for (int i = 0; i < suspects->count; i++) {
        PyObject *label;
        if (suspects->index[i] < 0) {
            label = PyUnicode_DecodeASCII(suspects->name[i], suspects->length[i], NULL);
            if (!label) {
                Py_DECREF(keys);
                return NULL;
            }
        } else {
            label = self->keys[suspects->index[i]].label;
            Py_INCREF(label);
        }
        PyTuple_SET_ITEM(keys, i, label);
    }
    return Py_BuildValue("(NO)", keys, record_rules ? Py_True : Py_False);
}

static PyObject *Screen_check(Screen *self, PyObject *line) {
    char *data;
    Py_ssize_t length;
    Suspects suspects;
    int record_rules = 0, verdict;
    if (PyBytes_AsStringAndSize(line, &data, &length) < 0)
        return NULL;
    verdict = screen_record(self, data, data + length, &suspects, &record_rules);
    return verdict_object(self, verdict, &suspects, record_rules);
}

static inline int is_blank(const char *p, const char *end) {
    for (; p < end; p++)
        if (!(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\x0b' || *p == '\x0c'))
            return 0;
    return 1;
}

/*
 * scan(buffer, start=0, stop=-1) -> (lines, records, flagged): split buffer[start:stop] at
 * newlines as a binary file read does, count the lines and the records (non-blank lines), and
 * list the records the rules must see as (line offset, record offset, line start, line end,
 * verdict) with byte positions in the whole buffer and the verdict as check() gives it.
 */
/* The bytes of buffer[start:stop] (stop -1: to the end), held in view until released. */
static int get_range(PyObject *args, Py_buffer *view, const char **first, const char **last) {
    PyObject *buffer;
    Py_ssize_t start = 0, stop = -1;
    if (!PyArg_ParseTuple(args, "O|nn", &buffer, &start, &stop))
        return -1;
    if (PyObject_GetBuffer(buffer, view, PyBUF_SIMPLE) < 0)
        return -1;
    if (stop < 0 || stop > view->len)
        stop = view->len;
    if (start < 0 || start > stop) {
        PyBuffer_Release(view);
        PyErr_SetString(PyExc_ValueError, "start must lie between 0 and stop");
        return -1;
    }
    *first = (const char *)view->buf + start;
    *last = (const char *)view->buf + stop;
    return 0;
}

static PyObject *Screen_scan(Screen *self, PyObject *args) {
    Py_buffer view;
    const char *p, *end;
    if (get_range(args, &view, &p, &end) < 0)
        return NULL;
    const char *data = view.buf;
    Py_ssize_t lines = 0, records = 0;
    PyObject *flagged = PyList_New(0);
    if (!flagged) {
        PyBuffer_Release(&view);
        return NULL;
    }
    while (p < end) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        const char *stop = newline ? newline + 1 : end;
        if (!is_blank(p, stop)) {
            Suspects suspects;
            int record_rules = 0;
            int verdict = screen_record(self, p, stop, &suspects, &record_rules);
            if (verdict != RECORD_CLEAN) {
                PyObject *keys = verdict_object(self, verdict, &suspects, record_rules);
                PyObject *item = keys ? Py_BuildValue("(nnnnN)", lines, records, (Py_ssize_t)(p - data),
                                                      (Py_ssize_t)(stop - data), keys) : NULL;
                if (!item || PyList_Append(flagged, item) < 0) {
                    Py_XDECREF(item);
                    Py_DECREF(flagged);
                    PyBuffer_Release(&view);
                    return NULL;
                }
                Py_DECREF(item);
            }
            records++;
        }
        lines++;
        p = stop;
    }
    PyBuffer_Release(&view);
    return Py_BuildValue("(nnN)", lines, records, flagged);
}

/* -- JSON arrays: the elements of a top-level array, found without building them ------------------- */

/*
 * The end of the JSON value at p, by its structure only (brackets outside strings, string escapes):
 * NULL when it is cut off or a bracket does not match. What is inside is not checked here: the
 * screen or the JSON reader reads each element whole. A scalar ends at a comma, a closing bracket
 * or white space.
 */
static const char *value_end(const char *p, const char *end) {
    char stack[64];
    Py_ssize_t depth = 0, deeper = 0; /* deeper: levels past the 64 whose kind is not kept */
    if (p >= end)
        return NULL;
    if (*p != '[' && *p != '{' && *p != '"') {
        while (p < end && *p != ',' && *p != ']' && *p != '}' && *p != ' ' && *p != '\t' && *p != '\n'
               && *p != '\r' && *p != '[' && *p != '{' && *p != '"' && *p != ':')
            p++;
        return p;
    }
    while (p < end) {
        char c = *p;
        if (c == '"') {
            p++;
            for (;;) {
                const char *quote = memchr(p, '"', (size_t)(end - p));
                if (!quote)
                    return NULL;
                const char *back = quote;
                while (back > p && back[-1] == '\\')
                    back--;
                p = quote + 1;
                if ((quote - back) % 2 == 0)
                    break; /* not escaped */
            }
            if (depth == 0 && deeper == 0)
                return p;
            continue;
        }
        if (c == '[' || c == '{') {
            if (depth < (Py_ssize_t)sizeof(stack))
                stack[depth++] = c == '[' ? ']' : '}';
            else
                deeper++;
        } else if (c == ']' || c == '}') {
            if (deeper > 0) {
                deeper--;
            } else {
                if (depth == 0 || stack[depth - 1] != c)
                    return NULL;
                if (--depth == 0)
                    return p + 1;
            }
        }
        p++;
    }
    return NULL;
}

static inline Py_ssize_t count_newlines(const char *p, const char *end) {
    Py_ssize_t count = 0;
    while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        count++;
        p++;
    }
    return count;
}

/* Raise ValueError((reason, offset)) for the array reader to locate. */
static PyObject *structure_error(const char *reason, const char *at, const char *data) {
    PyObject *detail = Py_BuildValue("((sn))", reason, (Py_ssize_t)(at - data)); /* one argument: the pair */
    if (detail) {
        PyErr_SetObject(PyExc_ValueError, detail);
        Py_DECREF(detail);
    }
    return NULL;
}

/* Append the pair (a, b) to list; -1 on failure. */
static int append_pair(PyObject *list, Py_ssize_t a, Py_ssize_t b) {
    PyObject *pair = Py_BuildValue("(nn)", a, b);
    int failed = !pair || PyList_Append(list, pair) < 0;
    Py_XDECREF(pair);
    return failed ? -1 : 0;
}

/*
 * The next element of a block of array_blocks at *p (after white space and a comma): its end,
 * with *p moved to its start. NULL at the end of the block, or (with ValueError set) where no
 * value starts.
 */
static const char *next_element(const char **p, const char *end, const char *data) {
    const char *q = skip_space(*p, end);
    if (q < end && *q == ',')
        q = skip_space(q + 1, end);
    *p = q;
    if (q >= end)
        return NULL;
    const char *after = value_end(q, end);
    if (!after || after == q) {
        structure_error("not a JSON value", q, data);
        return NULL;
    }
    return after;
}

/*
 * array_blocks(buffer, start, size) -> (blocks, end): the elements of the JSON array whose first
 * element (or closing bracket) is at or after start, in blocks of whole elements of about size
 * bytes, as (block start, block stop) pairs; end is the position after the closing bracket.
 * Elements are separated by exactly one comma; anything else raises ValueError((reason, offset)).
 */
static PyObject *array_blocks(PyObject *module, PyObject *args) {
    Py_buffer view;
    PyObject *buffer;
    Py_ssize_t start, size;
    (void)module;
    if (!PyArg_ParseTuple(args, "Onn", &buffer, &start, &size))
        return NULL;
    if (PyObject_GetBuffer(buffer, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    const char *data = view.buf, *end = data + view.len;
    const char *p = data + (start < 0 ? 0 : start > view.len ? view.len : start);
    PyObject *blocks = PyList_New(0), *result = NULL;
    if (!blocks)
        goto done;
    p = skip_space(p, end);
    const char *block = p;
    if (p < end && *p == ']') {
        result = Py_BuildValue("(Nn)", blocks, (Py_ssize_t)(p + 1 - data));
        blocks = NULL;
        goto done;
    }
    for (;;) {
        const char *after = value_end(p, end);
        if (!after || after == p) {
            structure_error(p >= end ? "the array is not closed" : "not a JSON value", p, data);
            goto done;
        }
        p = skip_space(after, end);
        if (p < end && *p == ',') {
            const char *next = skip_space(p + 1, end);
            if (next >= end || *next == ']') {
                structure_error("a comma after the last element", p, data);
                goto done;
            }
            if (next - block >= size) {
                if (append_pair(blocks, block - data, next - data) < 0)
                    goto done;
                block = next;
            }
            p = next;
            continue;
        }
        if (p < end && *p == ']') {
            if (append_pair(blocks, block - data, p - data) < 0)
                goto done;
            result = Py_BuildValue("(Nn)", blocks, (Py_ssize_t)(p + 1 - data));
            blocks = NULL;
            goto done;
        }
        structure_error(p >= end ? "the array is not closed" : "expected a comma or ]", p, data);
        goto done;
    }
done:
    Py_XDECREF(blocks);
    PyBuffer_Release(&view);
    return result;
}

/*
 * array_spans(buffer, start, stop) -> [(start, end), ...]: the elements of one block that
 * array_blocks gave (its structure already checked), with byte positions in the whole buffer.
 */
static PyObject *array_spans(PyObject *module, PyObject *args) {
    Py_buffer view;
    const char *p, *end;
    (void)module;
    if (get_range(args, &view, &p, &end) < 0)
        return NULL;
    const char *data = view.buf;
    PyObject *spans = PyList_New(0);
    while (spans) {
        const char *after = next_element(&p, end, data);
        if (!after) {
            if (PyErr_Occurred())
                Py_CLEAR(spans);
            break;
        }
        if (append_pair(spans, p - data, after - data) < 0)
            Py_CLEAR(spans);
        p = after;
    }
    PyBuffer_Release(&view);
    return spans;
}

/* value_span(buffer, start) -> end: the end of the JSON value at start, by its structure (-1: cut off). */
static PyObject *value_span(PyObject *module, PyObject *args) {
    Py_buffer view;
    const char *p, *end;
    (void)module;
    if (get_range(args, &view, &p, &end) < 0)
        return NULL;
    const char *after = value_end(p, end);
    Py_ssize_t result = after && after != p ? after - (const char *)view.buf : -1;
    PyBuffer_Release(&view);
    return PyLong_FromSsize_t(result);
}

/*
 * scan_elements(buffer, start, stop) -> (lines, records, flagged): as scan, for the elements of one
 * array block (array_blocks): lines counts the newlines of the block, and each flagged element is
 * (newlines before it in the block, record offset, start, end, verdict).
 */
static PyObject *Screen_scan_elements(Screen *self, PyObject *args) {
    Py_buffer view;
    const char *p, *end;
    if (get_range(args, &view, &p, &end) < 0)
        return NULL;
    const char *data = view.buf, *counted = p;
    Py_ssize_t lines = 0, records = 0;
    PyObject *flagged = PyList_New(0);
    while (flagged) {
        const char *after = next_element(&p, end, data);
        if (!after) {
            if (PyErr_Occurred())
                Py_CLEAR(flagged);
            break;
        }
        lines += count_newlines(counted, p);
        counted = p;
        Suspects suspects;
        int record_rules = 0;
        int verdict = screen_record(self, p, after, &suspects, &record_rules);
        if (verdict != RECORD_CLEAN) {
            PyObject *keys = verdict_object(self, verdict, &suspects, record_rules);
            PyObject *item = keys ? Py_BuildValue("(nnnnN)", lines, records, (Py_ssize_t)(p - data),
                                                  (Py_ssize_t)(after - data), keys) : NULL;
            if (!item || PyList_Append(flagged, item) < 0)
                Py_CLEAR(flagged);
            Py_XDECREF(item);
        }
        records++;
        p = after;
    }
    PyObject *result = flagged ? Py_BuildValue("(nnN)", lines + count_newlines(counted, end), records, flagged)
                               : NULL;
    PyBuffer_Release(&view);
    return result;
}

/* count(buffer) -> (lines, records): the lines and the non-blank lines, as scan counts them. */
static PyObject *Screen_count(Screen *self, PyObject *args) {
    Py_buffer view;
    const char *p, *end;
    (void)self;
    if (get_range(args, &view, &p, &end) < 0)
        return NULL;
    Py_ssize_t lines = 0, records = 0;
    while (p < end) {
        const char *newline = memchr(p, '\n', (size_t)(end - p));
        const char *stop = newline ? newline + 1 : end;
        records += !is_blank(p, stop);
        lines++;
        p = stop;
    }
    PyBuffer_Release(&view);
    return Py_BuildValue("(nn)", lines, records);
}

static PyMethodDef Screen_methods[] = {
    {"count", (PyCFunction)Screen_count, METH_VARARGS,
     "count(buffer, start=0, stop=-1) -> (lines, records): the lines of buffer[start:stop] and the records "
     "(non-blank lines) among them."},
    {"check", (PyCFunction)Screen_check, METH_O,
     "check(line: bytes) -> True when the record certainly has no finding, False when the rules must see the "
     "whole record, or (keys, record_rules): the keys whose values the rules must see, and whether the "
     "record rules must run."},
    {"scan_elements", (PyCFunction)Screen_scan_elements, METH_VARARGS,
     "scan_elements(buffer, start=0, stop=-1) -> (lines, records, flagged): as scan, for the elements of a "
     "block of a JSON array (array_blocks); lines counts newlines."},
    {"scan", (PyCFunction)Screen_scan, METH_VARARGS,
     "scan(buffer, start=0, stop=-1) -> (lines, records, flagged): the records of buffer[start:stop] that the "
     "rules must see, as (line offset, record offset, line start, line end, verdict)."},
    {NULL, NULL, 0, NULL}};

static PyTypeObject ScreenType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "dvschema.validation._screen.Screen",
    .tp_basicsize = sizeof(Screen),
    .tp_dealloc = (destructor)Screen_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Screen(keys, group_count, unknown_clean, status_states): a certainly-clean test for JSONL.",
    .tp_methods = Screen_methods,
    .tp_init = (initproc)Screen_init,
    .tp_new = PyType_GenericNew,
};

static PyMethodDef module_methods[] = {
    {"array_blocks", array_blocks, METH_VARARGS,
     "array_blocks(buffer, start, size) -> (blocks, end): the elements of a JSON array from start, in "
     "blocks of whole elements of about size bytes; end is after the closing bracket. ValueError((reason, "
     "offset)) when the array's structure is broken."},
    {"array_spans", array_spans, METH_VARARGS,
     "array_spans(buffer, start, stop) -> [(start, end), ...]: the elements of one block of array_blocks."},
    {"value_span", value_span, METH_VARARGS,
     "value_span(buffer, start) -> end: the end of the JSON value at start by its structure (-1: cut off)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef screen_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_screen",
    .m_doc = "A conservative certainly-clean test for JSONL records, and the element bounds of JSON arrays.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit__screen(void) {
    fill_tables();
    if (PyType_Ready(&ScreenType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&screen_module);
    if (!module)
        return NULL;
    Py_INCREF(&ScreenType);
    if (PyModule_AddObject(module, "Screen", (PyObject *)&ScreenType) < 0) {
        Py_DECREF(&ScreenType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
