/*
 * kir.c -- the kernel IR's tables, arena, kernels and nodes.
 *
 * Everything a kernel owns lives in its arena (nodes, kid arrays, names)
 * except the KirKernel itself and its vars array, which grow with
 * uf_realloc.  kir_kernel_free releases all of it in one call.
 */
#include "kernels.h"

#include <string.h>

/* ---- tables ------------------------------------------------------------- */

const KirOpInfo kir_op_info[KIR_NOPS] = {
#define KIR_OP(e, text, cls, nkids) {text, KIR_CLASS_##cls, nkids},
#include "kir_ops.def"
#undef KIR_OP
};

const KirFnInfo kir_fn_info[KIR_NFNS] = {
#define KIR_FN(e, name, arity, rule, f8, f4, c16)                              \
    {name, arity, KIR_RULE_##rule, f8, f4, c16},
#include "kir_fns.def"
#undef KIR_FN
};

/* Whether the NUL-terminated |word| is exactly text[0..len). */
static bool same_word(const char *word, const char *text, size_t len)
{
    return strlen(word) == len && memcmp(word, text, len) == 0;
}

/* The KirOp spelled text[0..len), or -1; atoms and CALL are never found. */
int kir_op_lookup(const char *text, size_t len)
{
    if (len == 0) {
        return -1; /* atoms and CALL have no spelling */
    }
    for (int i = 0; i < KIR_NOPS; i++) {
        if (same_word(kir_op_info[i].text, text, len)) {
            return i;
        }
    }
    return -1;
}

/* The KirFn named name[0..len), or -1. */
int kir_fn_lookup(const char *name, size_t len)
{
    if (len == 0) {
        return -1;
    }
    for (int i = 0; i < KIR_NFNS; i++) {
        if (same_word(kir_fn_info[i].name, name, len)) {
            return i;
        }
    }
    return -1;
}

/* ---- arena -------------------------------------------------------------- */

#define KIR_ALIGN 16
#define KIR_CHUNK_DATA 8192          /* bytes of a regular chunk */
#define KIR_BIG (KIR_CHUNK_DATA / 4) /* larger requests get their own */

typedef struct KirChunk KirChunk;
struct KirChunk {
    KirChunk *next;
    size_t size; /* bytes in data[], alignment slack included */
    size_t used;
    unsigned char data[];
};

struct KirArena {
    KirChunk *head; /* the chunk bump allocation draws from */
};

/* new empty arena (chunks come with the first allocation), or NULL. */
KirArena *kir_arena_new(void)
{
    KirArena *a = uf_malloc(sizeof *a);
    if (a != NULL) {
        a->head = NULL;
    }
    return a;
}

/* Frees every chunk and the arena; a may be NULL. */
void kir_arena_free(KirArena *a)
{
    if (a == NULL) {
        return;
    }
    KirChunk *c = a->head;
    while (c != NULL) {
        KirChunk *next = c->next;
        uf_free(c);
        c = next;
    }
    uf_free(a);
}

/* A chunk with room for |size| bytes plus alignment slack, or NULL. */
static KirChunk *chunk_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(KirChunk) - KIR_ALIGN) {
        return NULL;
    }
    KirChunk *c = uf_malloc(sizeof(KirChunk) + size + KIR_ALIGN);
    if (c != NULL) {
        c->next = NULL;
        c->size = size + KIR_ALIGN;
        c->used = 0;
    }
    return c;
}

/* Bump-allocates |n| bytes from |c| aligned to KIR_ALIGN; NULL when the
 * chunk is full. */
static void *chunk_take(KirChunk *c, size_t n)
{
    uintptr_t base = (uintptr_t)c->data;
    uintptr_t p =
        (base + c->used + KIR_ALIGN - 1) & ~(uintptr_t)(KIR_ALIGN - 1);
    size_t off = (size_t)(p - base);
    if (off > c->size || c->size - off < n) {
        return NULL;
    }
    c->used = off + n;
    return (void *)p;
}

/* A dedicated chunk for a big request, linked behind the head so the head
 * stays the chunk that bump allocation uses. */
static void *alloc_big(KirArena *a, size_t n)
{
    KirChunk *c = chunk_new(n);
    if (c == NULL) {
        return NULL;
    }
    if (a->head == NULL) {
        a->head = c;
    } else {
        c->next = a->head->next;
        a->head->next = c;
    }
    return chunk_take(c, n);
}

/* |n| zeroed bytes, 16-aligned, owned by the arena; NULL when out of
 * memory.  Requests over KIR_BIG get a chunk of their own. */
void *kir_arena_alloc(KirArena *a, size_t n)
{
    if (n == 0) {
        n = 1;
    }
    void *p = NULL;
    if (n > KIR_BIG) {
        p = alloc_big(a, n);
    } else {
        p = a->head != NULL ? chunk_take(a->head, n) : NULL;
        if (p == NULL) {
            KirChunk *c = chunk_new(KIR_CHUNK_DATA);
            if (c == NULL) {
                return NULL;
            }
            c->next = a->head;
            a->head = c;
            p = chunk_take(c, n);
        }
    }
    if (p != NULL) {
        memset(p, 0, n);
    }
    return p;
}

/* A NUL-terminated copy of s[0..n) in the arena, or NULL. */
char *kir_arena_strndup(KirArena *a, const char *s, size_t n)
{
    if (n == SIZE_MAX) {
        return NULL;
    }
    char *d = kir_arena_alloc(a, n + 1);
    if (d != NULL) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

/* ---- kernels ------------------------------------------------------------ */

/* new kernel (uf_malloc'd) with its arena and a copy of the name there; no
 * variables and no body yet.  NULL on allocation failure. */
KirKernel *kir_kernel_new(const char *name, size_t name_len)
{
    KirKernel *k = uf_calloc(1, sizeof *k);
    if (k == NULL) {
        return NULL;
    }
    k->arena = kir_arena_new();
    if (k->arena == NULL) {
        uf_free(k);
        return NULL;
    }
    k->name = kir_arena_strndup(k->arena, name, name_len);
    if (k->name == NULL) {
        kir_kernel_free(k);
        return NULL;
    }
    return k;
}

/* Frees the vars array, the arena (every node and name) and k. */
void kir_kernel_free(KirKernel *k)
{
    if (k == NULL) {
        return;
    }
    uf_free(k->vars);
    kir_arena_free(k->arena);
    uf_free(k);
}

/* Makes room for one more variable; 0 or -1. */
static int grow_vars(KirKernel *k)
{
    if (k->nvars < k->cap_vars) {
        return 0;
    }
    if (k->cap_vars > INT32_MAX / 2) {
        return -1;
    }
    int32_t cap = k->cap_vars > 0 ? 2 * k->cap_vars : 8;
    KirVar *v = uf_realloc(k->vars, (size_t)cap * sizeof *v);
    if (v == NULL) {
        return -1;
    }
    k->vars = v;
    k->cap_vars = cap;
    return 0;
}

/* Appends a variable named name[0..len) (copied into the arena) and
 * returns its index; -1 when out of memory, when the name is taken, or for
 * an argument added after a local. */
int kir_kernel_add_var(KirKernel *k, const char *name, size_t len, bool is_arg)
{
    if (is_arg && k->nvars > k->nargs) {
        return -1; /* arguments come before every local */
    }
    if (kir_kernel_find_var(k, name, len) >= 0) {
        return -1;
    }
    const char *copy = kir_arena_strndup(k->arena, name, len);
    if (copy == NULL || grow_vars(k) < 0) {
        return -1;
    }
    KirVar *v = &k->vars[k->nvars];
    memset(v, 0, sizeof *v);
    v->name = copy;
    v->is_arg = is_arg;
    if (is_arg) {
        k->nargs++;
    }
    return k->nvars++;
}

/* The index of the variable named name[0..len), or -1 (linear search). */
int kir_kernel_find_var(const KirKernel *k, const char *name, size_t len)
{
    for (int32_t i = 0; i < k->nvars; i++) {
        if (same_word(k->vars[i].name, name, len)) {
            return i;
        }
    }
    return -1;
}

/* ---- nodes -------------------------------------------------------------- */

/* sizeof(KirNode) rounded up so the kids array that follows is aligned. */
#define KIR_NODE_SIZE                                                          \
    ((sizeof(KirNode) + KIR_ALIGN - 1) & ~(size_t)(KIR_ALIGN - 1))

/* A zeroed node (type UF_VOID, payload 0) and its |nkids| NULL child
 * slots, in one arena block; NULL when out of memory or nkids < 0. */
KirNode *kir_node_new(KirKernel *k, KirOp op, int nkids, UfLoc loc)
{
    if (nkids < 0 ||
        (size_t)nkids > (SIZE_MAX - KIR_NODE_SIZE) / sizeof(KirNode *)) {
        return NULL;
    }
    size_t size = KIR_NODE_SIZE + (size_t)nkids * sizeof(KirNode *);
    unsigned char *mem = kir_arena_alloc(k->arena, size);
    if (mem == NULL) {
        return NULL;
    }
    KirNode *n = (KirNode *)mem;
    n->op = (uint8_t)op;
    n->loc = loc;
    n->nkids = nkids;
    n->kids = nkids > 0 ? (KirNode **)(mem + KIR_NODE_SIZE) : NULL;
    return n;
}
