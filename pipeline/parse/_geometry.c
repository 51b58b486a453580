/* geometry.py's two loops over every word of a page, in C: words to lines (group_lines) and words
 * into the cells of the page's grids (place).
 *
 * Why: both run once per word with a Python object made per line, a third of the parse's geometry
 * time. geometry.py's Python code is the rule and the fallback (installs without a C compiler);
 * tests/test_geometry_native.py checks both give the same lines and cells, floats exact (repr).
 * The Lines and Words keep the very float objects of the words (as the Python code does), so a
 * -0.0 stays -0.0 and every value is the one Python would have chosen among equals.
 *
 * bind(word, word_slots, line, line_slots, cell, cell_words): once, at geometry's import
 *   word       the Word class; word_slots its member descriptors text, x0, x1, top, bottom, size
 *   line       the Line class; line_slots its descriptors words, page, x0, x1, top, bottom, size, text
 *   cell       the Cell class; cell_words its words descriptor
 *
 * group_lines(words, page) -> list of Line, or None
 * place(words, grids) -> the words outside every grid, or None; grids: (xs, ys, owner) per grid
 *   None (nothing changed) when a word is no Word, or one of its coordinates is no float or not
 *   finite: Python defines those cases (sorting NaN, comparing ints), so they take the Python code.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>

#define N_WORD 6 /* text, x0, x1, top, bottom, size */
#define N_LINE 8 /* words, page, x0, x1, top, bottom, size, text */
enum { TEXT, X0, X1, TOP, BOTTOM, SIZE };
enum { L_WORDS, L_PAGE, L_X0, L_X1, L_TOP, L_BOTTOM, L_SIZE, L_TEXT };

static PyTypeObject *word_type, *line_type, *cell_type;
static Py_ssize_t word_at[N_WORD], line_at[N_LINE], cell_words_at;
static PyObject *space;

#define SLOT(obj, offset) (*(PyObject **)((char *)(obj) + (offset)))

/* The offsets of n object slots of `type` from their member descriptors (what their __get__ reads
 * and __set__ writes, used directly); -1 with an exception set if one is not such a slot. */
static int slot_offsets(PyTypeObject *type, PyObject *slots, Py_ssize_t n, Py_ssize_t *offsets) {
    if (!PyTuple_Check(slots) || PyTuple_GET_SIZE(slots) != n) {
        PyErr_Format(PyExc_ValueError, "%zd member descriptors needed", n);
        return -1;
    }
    for (Py_ssize_t s = 0; s < n; s++) {
        PyObject *d = PyTuple_GET_ITEM(slots, s);
        if (!Py_IS_TYPE(d, &PyMemberDescr_Type) || ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX
            || !PyType_IsSubtype(type, PyDescr_TYPE(d))) {
            PyErr_SetString(PyExc_TypeError, "the class's own object slots needed");
            return -1;
        }
        offsets[s] = ((PyMemberDescrObject *)d)->d_member->offset;
    }
    return 0;
}

static PyObject *bind(PyObject *self, PyObject *args) {
    PyObject *word_o, *word_slots, *line_o, *line_slots, *cell_o, *cell_words;
    Py_ssize_t words_at[1];
    if (!PyArg_ParseTuple(args, "O!OO!OO!O", &PyType_Type, &word_o, &word_slots, &PyType_Type, &line_o, &line_slots,
                          &PyType_Type, &cell_o, &cell_words))
        return NULL;
    PyObject *one = PyTuple_Pack(1, cell_words);
    int bad = !one || slot_offsets((PyTypeObject *)word_o, word_slots, N_WORD, word_at) < 0
              || slot_offsets((PyTypeObject *)line_o, line_slots, N_LINE, line_at) < 0
              || slot_offsets((PyTypeObject *)cell_o, one, 1, words_at) < 0;
    Py_XDECREF(one);
    if (bad || (!space && !(space = PyUnicode_FromString(" "))))
        return NULL;
    cell_words_at = words_at[0];
    Py_INCREF(word_o);
    Py_INCREF(line_o);
    Py_INCREF(cell_o);
    Py_XSETREF(word_type, (PyTypeObject *)word_o);
    Py_XSETREF(line_type, (PyTypeObject *)line_o);
    Py_XSETREF(cell_type, (PyTypeObject *)cell_o);
    Py_RETURN_NONE;
}

/* A word's slots (borrowed) and its coordinates as doubles. */
typedef struct {
    PyObject *obj, *slot[N_WORD];
    double v[N_WORD];
} W;

/* Each item of `words` read into w[]: 0 when one is no Word with float coordinates, all finite. */
static int read_words(PyObject *words, W *w) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(words); i++) {
        PyObject *o = PyList_GET_ITEM(words, i);
        if (!PyObject_TypeCheck(o, word_type))
            return 0;
        w[i].obj = o;
        for (int s = 0; s < N_WORD; s++) {
            PyObject *x = w[i].slot[s] = SLOT(o, word_at[s]);
            if (!x)
                return 0;
            if (s == TEXT)
                continue;
            if (!PyFloat_CheckExact(x) || !isfinite(w[i].v[s] = PyFloat_AS_DOUBLE(x)))
                return 0;
        }
    }
    return 1;
}

/* Whether word a sorts before word b: by (top, x0) as Python compares those tuples, or by x0. */
static inline int before(const W *a, const W *b, int by_top) {
    if (by_top && a->v[TOP] != b->v[TOP])
        return a->v[TOP] < b->v[TOP];
    return a->v[X0] < b->v[X0];
}

/* Sorts idx[0..n) stably (as Python's sorted) by `before` (tmp: room for n/2 + 1). */
static void sort_words(Py_ssize_t *idx, Py_ssize_t n, const W *w, int by_top, Py_ssize_t *tmp) {
    if (n <= 16) {
        for (Py_ssize_t i = 1; i < n; i++) {
            Py_ssize_t x = idx[i], j = i;
            for (; j > 0 && before(&w[x], &w[idx[j - 1]], by_top); j--)
                idx[j] = idx[j - 1];
            idx[j] = x;
        }
        return;
    }
    Py_ssize_t h = n / 2, a = 0, b = h, k = 0;
    sort_words(idx, h, w, by_top, tmp);
    sort_words(idx + h, n - h, w, by_top, tmp);
    if (!before(&w[idx[h]], &w[idx[h - 1]], by_top))
        return; /* already in order (text is mostly drawn in order) */
    memcpy(tmp, idx, h * sizeof(Py_ssize_t));
    while (a < h && b < n)
        idx[k++] = before(&w[idx[b]], &w[tmp[a]], by_top) ? idx[b++] : tmp[a++];
    while (a < h)
        idx[k++] = tmp[a++];
}

/* The Line of words at[0..n) with the given bounds (slots borrowed; text NULL: joined from the words);
 * NULL with an exception set. */
static PyObject *make_line(const W *w, const Py_ssize_t *at, Py_ssize_t n, PyObject *page, PyObject *x0,
                           PyObject *x1, PyObject *top, PyObject *bottom, PyObject *size) {
    PyObject *list = PyList_New(n), *text = n == 1 ? w[at[0]].slot[TEXT] : NULL;
    if (!list)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++)
        PyList_SET_ITEM(list, i, Py_NewRef(w[at[i]].obj));
    if (text)
        Py_INCREF(text);
    else {
        PyObject *texts = PyList_New(n);
        for (Py_ssize_t i = 0; texts && i < n; i++)
            PyList_SET_ITEM(texts, i, Py_NewRef(w[at[i]].slot[TEXT]));
        text = texts ? PyUnicode_Join(space, texts) : NULL;
        Py_XDECREF(texts);
    }
    PyObject *line = text ? line_type->tp_alloc(line_type, 0) : NULL;
    if (!line) {
        Py_DECREF(list);
        Py_XDECREF(text);
        return NULL;
    }
    PyObject *values[N_LINE] = {list, page, x0, x1, top, bottom, size, text};
    for (int s = 0; s < N_LINE; s++)
        SLOT(line, line_at[s]) = s == L_WORDS || s == L_TEXT ? values[s] : Py_NewRef(values[s]);
    return line;
}

/* The Line of a run of words (one top, bottom and size; in x order): what _run_line finds. */
static PyObject *run_line(const W *w, const Py_ssize_t *at, Py_ssize_t n, PyObject *page, PyObject *top,
                          PyObject *bottom, PyObject *size) {
    Py_ssize_t right = at[0];
    for (Py_ssize_t i = 1; i < n; i++)
        if (w[at[i]].v[X1] > w[right].v[X1])
            right = at[i];
    return make_line(w, at, n, page, w[at[0]].slot[X0], w[right].slot[X1], top, bottom, size);
}

/* The Line of words in x order: what Line(words, page) finds (the first of equal extremes). */
static PyObject *words_line(const W *w, const Py_ssize_t *at, Py_ssize_t n, PyObject *page) {
    Py_ssize_t m[N_WORD] = {0, at[0], at[0], at[0], at[0], at[0]};
    for (Py_ssize_t i = 1; i < n; i++) {
        const W *c = &w[at[i]];
        if (c->v[X0] < w[m[X0]].v[X0])
            m[X0] = at[i];
        if (c->v[X1] > w[m[X1]].v[X1])
            m[X1] = at[i];
        if (c->v[TOP] < w[m[TOP]].v[TOP])
            m[TOP] = at[i];
        if (c->v[BOTTOM] > w[m[BOTTOM]].v[BOTTOM])
            m[BOTTOM] = at[i];
        if (c->v[SIZE] > w[m[SIZE]].v[SIZE])
            m[SIZE] = at[i];
    }
    return make_line(w, at, n, page, w[m[X0]].slot[X0], w[m[X1]].slot[X1], w[m[TOP]].slot[TOP],
                     w[m[BOTTOM]].slot[BOTTOM], w[m[SIZE]].slot[SIZE]);
}

/* A line while words join it: its first run's top, and its bottom and size so far (the words whose
 * values they are). */
typedef struct {
    Py_ssize_t top, bottom, size;
    int joined;
} Open;

static PyObject *group_lines(PyObject *self, PyObject *args) {
    PyObject *words, *page;
    if (!PyArg_ParseTuple(args, "OO", &words, &page))
        return NULL;
    if (!line_type) {
        PyErr_SetString(PyExc_RuntimeError, "bind() first");
        return NULL;
    }
    if (!PyList_CheckExact(words))
        Py_RETURN_NONE;
    Py_ssize_t n = PyList_GET_SIZE(words);
    if (!n)
        return PyList_New(0);
    /* per word: W, and four indices (order, line number, by line, tmp: n + 1); per line: Open */
    char *mem = PyMem_Malloc(n * (sizeof(W) + 4 * sizeof(Py_ssize_t) + sizeof(Open)) + sizeof(Py_ssize_t));
    if (!mem)
        return PyErr_NoMemory();
    W *w = (W *)mem;
    Py_ssize_t *order = (Py_ssize_t *)(w + n), *line_of = order + n, *by_line = line_of + n, *tmp = by_line + n;
    Open *open = (Open *)(tmp + n + 1);
    PyObject *out = NULL;
    if (!read_words(words, w)) {
        out = Py_NewRef(Py_None);
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        order[i] = i;
    sort_words(order, n, w, 1, tmp);
    /* runs of one (top, bottom, size), each joining one of the last three lines or opening one */
    Py_ssize_t lines = 0;
    for (Py_ssize_t s = 0, e; s < n; s = e) {
        const W *first = &w[order[s]];
        double top = first->v[TOP], bottom = first->v[BOTTOM], size = first->v[SIZE];
        for (e = s + 1; e < n && w[order[e]].v[TOP] == top && w[order[e]].v[BOTTOM] == bottom
                        && w[order[e]].v[SIZE] == size;
             e++)
            ;
        double cy = (top + bottom) / 2;
        Py_ssize_t l = lines - 1;
        for (; l >= 0 && l >= lines - 3; l--) {
            double ln_top = w[open[l].top].v[TOP], ln_bottom = w[open[l].bottom].v[BOTTOM];
            double ln_size = w[open[l].size].v[SIZE];
            if (fabs(cy - (ln_top + ln_bottom) / 2) <= 0.45 * (ln_size > size ? ln_size : size)) {
                if (bottom > ln_bottom)
                    open[l].bottom = order[s];
                if (size > ln_size)
                    open[l].size = order[s];
                open[l].joined = 1;
                break;
            }
        }
        if (l < 0 || l < lines - 3) {
            l = lines++;
            open[l] = (Open){order[s], order[s], order[s], 0};
        }
        for (Py_ssize_t i = s; i < e; i++)
            line_of[order[i]] = l;
    }
    /* each line's words in the order they joined it (sorted order): a stable counting sort */
    Py_ssize_t *start = tmp;
    memset(start, 0, (lines + 1) * sizeof(Py_ssize_t));
    for (Py_ssize_t i = 0; i < n; i++)
        start[line_of[i] + 1]++;
    for (Py_ssize_t l = 0; l < lines; l++)
        start[l + 1] += start[l];
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_ssize_t x = order[i];
        by_line[start[line_of[x]]++] = x;
    }
    /* start[l] is now line l's end */
    out = PyList_New(lines);
    for (Py_ssize_t l = 0, a = 0; out && l < lines; a = start[l++]) {
        Py_ssize_t k = start[l] - a;
        PyObject *line;
        if (open[l].joined) {
            sort_words(by_line + a, k, w, 0, order); /* order is free now */
            line = words_line(w, by_line + a, k, page);
        }
        else
            line = run_line(w, by_line + a, k, page, w[open[l].top].slot[TOP], w[open[l].bottom].slot[BOTTOM],
                            w[open[l].size].slot[SIZE]);
        if (line)
            PyList_SET_ITEM(out, l, line);
        else
            Py_CLEAR(out);
    }
done:
    PyMem_Free(mem);
    return out;
}

/* A grid's column and row borders, and its cells by row. */
typedef struct {
    double *xs, *ys;
    Py_ssize_t nx, ny;
    PyObject *owner;
} G;

/* The items of a list as doubles in out[]; 0 when one is no float. */
static int floats(PyObject *list, double *out) {
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(list); i++) {
        PyObject *x = PyList_GET_ITEM(list, i);
        if (!PyFloat_CheckExact(x))
            return 0;
        out[i] = PyFloat_AS_DOUBLE(x);
    }
    return 1;
}

/* The number of a[lo..hi) not above x: bisect_right. */
static Py_ssize_t bisect_right(const double *a, double x, Py_ssize_t lo, Py_ssize_t hi) {
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (x < a[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static PyObject *place(PyObject *self, PyObject *args) {
    PyObject *words, *grids;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &words, &PyList_Type, &grids))
        return NULL;
    if (!cell_type) {
        PyErr_SetString(PyExc_RuntimeError, "bind() first");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(words), k = PyList_GET_SIZE(grids), room = 0;
    for (Py_ssize_t g = 0; g < k; g++) {
        PyObject *t = PyList_GET_ITEM(grids, g);
        if (!PyTuple_Check(t) || PyTuple_GET_SIZE(t) != 3 || !PyList_Check(PyTuple_GET_ITEM(t, 0))
            || !PyList_Check(PyTuple_GET_ITEM(t, 1)) || !PyList_Check(PyTuple_GET_ITEM(t, 2))) {
            PyErr_SetString(PyExc_TypeError, "grids: (xs, ys, owner) lists needed");
            return NULL;
        }
        room += PyList_GET_SIZE(PyTuple_GET_ITEM(t, 0)) + PyList_GET_SIZE(PyTuple_GET_ITEM(t, 1));
    }
    char *mem = PyMem_Malloc(n * sizeof(W) + k * sizeof(G) + room * sizeof(double) + 1);
    if (!mem)
        return PyErr_NoMemory();
    W *w = (W *)mem;
    G *grid = (G *)(w + n);
    double *values = (double *)(grid + k);
    PyObject *out = NULL;
    int plain = read_words(words, w);
    for (Py_ssize_t g = 0; plain && g < k; g++) {
        PyObject *t = PyList_GET_ITEM(grids, g), *xs = PyTuple_GET_ITEM(t, 0), *ys = PyTuple_GET_ITEM(t, 1);
        grid[g] = (G){values, values + PyList_GET_SIZE(xs), PyList_GET_SIZE(xs), PyList_GET_SIZE(ys),
                      PyTuple_GET_ITEM(t, 2)};
        values += grid[g].nx + grid[g].ny;
        plain = grid[g].nx >= 2 && grid[g].ny >= 2 && PyList_GET_SIZE(grid[g].owner) == grid[g].ny - 1
                && floats(xs, grid[g].xs) && floats(ys, grid[g].ys);
    }
    if (!plain) {
        out = Py_NewRef(Py_None);
        goto done;
    }
    out = PyList_New(0);
    for (Py_ssize_t i = 0; out && i < n; i++) {
        double cx = (w[i].v[X0] + w[i].v[X1]) / 2, cy = (w[i].v[TOP] + w[i].v[BOTTOM]) / 2;
        PyObject *into = out;
        for (Py_ssize_t g = 0; g < k; g++) {
            const G *d = &grid[g];
            if (d->xs[0] <= cx && cx <= d->xs[d->nx - 1] && d->ys[0] <= cy && cy <= d->ys[d->ny - 1]) {
                /* a middle on the right or bottom border is in the last column or row */
                PyObject *row = PyList_GET_ITEM(d->owner, bisect_right(d->ys, cy, 0, d->ny - 1) - 1);
                Py_ssize_t col = bisect_right(d->xs, cx, 0, d->nx - 1) - 1;
                PyObject *cell = PyList_Check(row) && col < PyList_GET_SIZE(row) ? PyList_GET_ITEM(row, col) : NULL;
                into = cell && PyObject_TypeCheck(cell, cell_type) ? SLOT(cell, cell_words_at) : NULL;
                if (!into || !PyList_Check(into)) {
                    PyErr_SetString(PyExc_TypeError, "owner: rows of Cells with word lists needed");
                    into = NULL;
                }
                break;
            }
        }
        if (!into || PyList_Append(into, w[i].obj) < 0)
            Py_CLEAR(out);
    }
done:
    PyMem_Free(mem);
    return out;
}

static PyMethodDef methods[] = {
    {"bind", bind, METH_VARARGS, "The Word, Line and Cell classes and their slots, once."},
    {"group_lines", group_lines, METH_VARARGS, "geometry.group_lines in one call (None: take the Python code)."},
    {"place", place, METH_VARARGS, "Words into their grid cells; the words outside (None: take the Python code)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_geometry",
                                    "geometry.py's loops over words, in C (see geometry.py).", -1, methods};

PyMODINIT_FUNC PyInit__geometry(void) { return PyModule_Create(&module); }
