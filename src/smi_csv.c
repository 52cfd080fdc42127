/* The identification outputs: nvidia-smi --query-gpu CSV and nvidia-smi -L (formats.md §5.4). */
#include "gpuvplan/smi.h"
#include "gpuvplan/util.h"
#include "smi_int.h"

#include <stdio.h>
#include <string.h>

enum { C_INDEX, C_NAME, C_PCI, C_MEMORY, C_MIG };

static const int default_cols[] = {C_INDEX, C_NAME, C_PCI, C_MEMORY, C_MIG};

/* `GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-...)` (-L). */
int
sm_list_line(struct sm_reader *r, const struct sm_tok *t, int n, const char *l, int len)
{
    struct gpv_smi_gpu *g;
    struct sm_tok idx = {t[1].p, t[1].len - 1, t[1].col};
    const char *name = t[2].p, *end = l + len;
    int rc;

    (void)n;
    if ((rc = sm_gpu_of_tok(&g, r, &idx)))
        return rc;
    for (const char *q = name; q + 7 <= end; q++)
        if (!memcmp(q, " (UUID:", 7)) {
            end = q;
            break;
        }
    while (end > name && end[-1] == ' ')
        end--;
    return sm_set_name(r, g, name, (int)(end - name), t[2].col);
}

static int
csv_value(struct sm_reader *r, struct gpv_smi_gpu *g, int field, const struct sm_tok *v)
{
    char b[64];
    long long mem;
    int id;

    switch (field) {
    case C_NAME:
        return sm_set_name(r, g, v->p, v->len, v->col);
    case C_PCI:
        if (v->len >= (int)sizeof(b) ||
            (memcpy(b, v->p, (size_t)v->len), b[v->len] = '\0', !gpv_smi_parse_pci_id(&id, b)))
            return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, v->col,
                                 "expected a PCI device id such as 0x233010DE, not '%.*s'",
                                 v->len > 40 ? 40 : v->len, v->p);
        if (g->device_id >= 0 && g->device_id != id)
            return sm_fail(r, v->col, "%s", "GPU has a different PCI device id in another input");
        g->device_id = id;
        g->id_pos = sm_pos_at(r, v->col);
        return 0;
    case C_MEMORY: {
        struct sm_tok num = *v;

        if (num.len > 4 && !memcmp(num.p + num.len - 4, " MiB", 4))
            num.len -= 4;
        if (!sm_tok_ll(&mem, &num, 1, 1LL << 40))
            return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, v->col,
                                 "expected memory in MiB such as '81559 MiB', not '%.*s'",
                                 v->len > 40 ? 40 : v->len, v->p);
        g->memory_mib = mem;
        return 0;
    }
    case C_MIG:
        g->mode_pos = sm_pos_at(r, v->col);
        if (sm_tok_is(v, "Enabled")) {
            g->mig_mode = 1;
            g->mig_capable = true;
        } else if (sm_tok_is(v, "Disabled")) {
            g->mig_mode = 0;
            g->mig_capable = true;
        } else if (sm_tok_is(v, "[N/A]") || sm_tok_is(v, "N/A") ||
                   sm_tok_is(v, "[Not Supported]")) {
            g->mig_mode = -1;
        } else {
            return gpv_error_set(r->err, GPV_EINPUT, r->file, r->line, v->col,
                                 "expected mig.mode.current Enabled, Disabled or [N/A], not "
                                 "'%.*s'",
                                 v->len > 40 ? 40 : v->len, v->p);
        }
        return 0;
    }
    return 0;
}

/* Splits a CSV line into trimmed fields. Returns the count or -1 when there are too many. */
int
sm_csv_split(struct sm_tok *out, int cap, const char *l, int len)
{
    int n = 0, i = 0;

    for (;;) {
        int s = i, e;

        while (i < len && l[i] != ',')
            i++;
        e = i;
        while (s < e && (l[s] == ' ' || l[s] == '\t'))
            s++;
        while (e > s && (l[e - 1] == ' ' || l[e - 1] == '\t'))
            e--;
        if (n == cap)
            return -1;
        out[n].p = l + s;
        out[n].len = e - s;
        out[n].col = s + 1;
        n++;
        if (i >= len)
            return n;
        i++;
    }
}

bool
sm_is_column_name(const struct sm_tok *f)
{
    return sm_tok_is(f, "index") || sm_tok_is(f, "name") || sm_tok_is(f, "pci.device_id") ||
           sm_tok_is(f, "memory.total") || sm_tok_is(f, "memory.total [MiB]") ||
           sm_tok_is(f, "mig.mode.current");
}

int
sm_csv_header(struct sm_reader *r, const struct sm_tok *f, int n)
{
    static const char *const names[] = {"index", "name", "pci.device_id", "memory.total",
                                        "mig.mode.current"};
    bool have_index = false;
    int i, k;

    if (n > (int)(sizeof(r->cols) / sizeof(r->cols[0])))
        return sm_fail(r, 1, "%s", "too many --query-gpu columns (at most 16)");
    for (i = 0; i < n; i++) {
        struct sm_tok c = f[i];

        if (c.len > 6 && !memcmp(c.p + c.len - 6, " [MiB]", 6))
            c.len -= 6;
        r->cols[i] = -1;
        for (k = 0; k < 5; k++)
            if (sm_tok_is(&c, names[k]))
                r->cols[i] = k;
        for (k = 0; k < i; k++)
            if (r->cols[i] >= 0 && r->cols[k] == r->cols[i])
                return sm_fail(r, f[i].col, "column '%s' is repeated", names[r->cols[i]]);
        have_index |= r->cols[i] == C_INDEX;
    }
    if (!have_index)
        return sm_fail(r, 1, "%s", "a --query-gpu header needs an 'index' column");
    r->ncols = n;
    r->sect = S_CSV;
    return 0;
}

int
sm_csv_row(struct sm_reader *r, const char *l, int len)
{
    struct sm_tok f[16];
    const int *cols = r->sect == S_CSV ? r->cols : default_cols;
    int ncols = r->sect == S_CSV ? r->ncols : 5;
    int n = sm_csv_split(f, 16, l, len), i, rc;
    struct gpv_smi_gpu *g = NULL;

    if (n < 0 || n != ncols) {
        char b[16];

        snprintf(b, sizeof(b), "%d", ncols);
        return sm_fail(r, 1,
                       r->sect == S_CSV ? "expected %s comma-separated fields as the header says"
                                        : "expected %s comma-separated fields: index, name, "
                                          "pci.device_id, memory.total, mig.mode.current (or a "
                                          "header line)",
                       b);
    }
    for (i = 0; i < n; i++)
        if (cols[i] == C_INDEX && (rc = sm_gpu_of_tok(&g, r, &f[i])))
            return rc;
    for (i = 0; i < n; i++)
        if (cols[i] > C_INDEX && (rc = csv_value(r, g, cols[i], &f[i])))
            return rc;
    return 0;
}
