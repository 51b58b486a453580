/* One call per page for what the PDFium reader needs of every character (pipeline/readers/pdfium.py).
 *
 * Why: pypdfium2 reaches PDFium through ctypes, and ctypes' own cost per call (~0.3 us) times about
 * three calls per character was a third of the reader's time. This loop makes the same PDFium calls
 * from C, through the function addresses pypdfium2 already loaded, so the library, its version and
 * its results are exactly those of the ctypes path (pdfium.py keeps that path for installs built
 * without a C compiler; tests/test_readers.py checks both give the same arrays).
 *
 * fill(functions, textpage, blank, objs, made, origin, boxes):
 *   functions  (FPDFText_GetTextObject, FPDFText_IsGenerated, FPDFText_GetCharOrigin,
 *               FPDFText_GetLooseCharBox) as integer addresses
 *   textpage   FPDF_TEXTPAGE as an integer address
 *   blank      n bytes, 1 where the character is white space (read)
 *   objs       n uint64: the character's text object, 0 for one PDFium made up (written)
 *   made       n bytes: for blank characters of a text object, whether PDFium generated it (written)
 *   origin     n x 2 float64: origin x, y of each real character not generated (written)
 *   boxes      n x 4 float32: FS_RECTF loose box of each real non-blank character (written)
 * Entries not described as written are left as they were.
 *
 * runs(functions, textpage, first, objs, matrices, sizes, fonts): per text object (run of chars)
 *   functions  (FPDFText_GetMatrix, FPDFText_GetFontSize, FPDFTextObj_GetFont) as integer addresses
 *   first      k int64: the index of the run's first character (read)
 *   objs       k uint64: the run's text object (read)
 *   matrices   k x 6 float32: FS_MATRIX of the first character (written)
 *   sizes      k float64: its font size (written)
 *   fonts      k uint64: the text object's font (written)
 *
 * objects(functions, parent, form, objs, types): the page objects of a page (form 0) or form object
 *   functions  (FPDFPage_GetObject or FPDFFormObj_GetObject, FPDFPageObj_GetType)
 *   objs       k uint64, types k int32 (written; k = the parent's object count)
 *
 * paths(functions, objs, modes, matrices, counts, points, kinds, closes) -> segments needed
 *   functions  (FPDFPath_GetDrawMode, FPDFPageObj_GetMatrix, FPDFPath_CountSegments,
 *               FPDFPath_GetPathSegment, FPDFPathSegment_GetPoint, FPDFPathSegment_GetType,
 *               FPDFPathSegment_GetClose)
 *   objs       k uint64 path objects (read)
 *   modes      k x 2 int32: fill mode, stroke (written); matrices k x 6 float32 (written)
 *   counts     k int32: segments per path (written)
 *   points     cap x 2 float32, kinds cap int32, closes cap bytes: the segments of all paths in order
 *              (written while they fit; the caller calls again with cap = the returned total)
 *
 * shapes(modes, matrices, counts, points, kinds, closes, start, stop, parent, height, tol, (moveto, bezierto),
 *        lines, rects)
 *   pdfium.py's _path_shapes and _classify (the rule and the fallback) for paths start..stop of
 *   paths' arrays: parent None or the enclosing forms' matrix (6 floats), tol axis_quad's; appends
 *   (x0, x1, top, bottom) to lines and (x0, x1, top, bottom, stroked) to rects as they do.
 *
 * words(text, blank, x0, x1, top, size, key, bold, word, slots, ligatures, rule) -> list of Word, or None
 *   readers/words.py's build_words in one pass (its numpy path is the rule and the fallback):
 *   text       m uint32 code points, or a list of m str
 *   blank, bold m bytes (bool); x0, x1, top, size m float64; key m int64
 *   word       the Word class; slots its 7 member descriptors in field order; ligatures the table
 *   rule       words.py's (X_TOL, Y_TOL, SPACE_SHARE, SPACED)
 *   None when a coordinate is not finite, or a word's least or greatest value is 0 and both 0.0 and
 *   -0.0 are among its values: numpy's min/max choose between those by SIMD lane, which no plain loop
 *   reproduces, so those pages take the numpy path.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef void *(*get_object_fn)(void *, int);
typedef int (*is_generated_fn)(void *, int);
typedef int (*char_origin_fn)(void *, int, double *, double *);
typedef int (*loose_box_fn)(void *, int, float *);
typedef int (*char_matrix_fn)(void *, int, float *);
typedef double (*font_size_fn)(void *, int);
typedef void *(*obj_font_fn)(void *);
typedef void *(*page_object_fn)(void *, int);
typedef void *(*form_object_fn)(void *, unsigned long);
typedef int (*object_type_fn)(void *);
typedef int (*draw_mode_fn)(void *, int *, int *);
typedef int (*object_matrix_fn)(void *, float *);
typedef int (*count_segments_fn)(void *);
typedef void *(*get_segment_fn)(void *, int);
typedef int (*segment_point_fn)(void *, float *, float *);
typedef int (*segment_int_fn)(void *);

/* The buffers one call holds, released together whatever happens. */
typedef struct {
    Py_buffer view[18];
    int n;
} Views;

/* The buffer of `obj` (C-contiguous; writable if asked) of at least `need` bytes, held in `v`;
 * NULL with an exception set otherwise. Its length is v->view[v->n - 1].len. */
static void *take(Views *v, PyObject *obj, Py_ssize_t need, int write, const char *name) {
    Py_buffer *view = &v->view[v->n];
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | (write ? PyBUF_WRITABLE : 0)) < 0)
        return NULL;
    v->n++;
    if (view->len < need) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, %zd needed", name, view->len, need);
        return NULL;
    }
    return view->buf;
}

static void release(Views *v) {
    while (v->n > 0)
        PyBuffer_Release(&v->view[--v->n]);
}

static PyObject *fill(PyObject *self, PyObject *args) {
    unsigned long long f_obj, f_gen, f_origin, f_box, page;
    PyObject *blank_o, *objs_o, *made_o, *origin_o, *boxes_o;
    if (!PyArg_ParseTuple(args, "(KKKK)KOOOOO", &f_obj, &f_gen, &f_origin, &f_box, &page,
                          &blank_o, &objs_o, &made_o, &origin_o, &boxes_o))
        return NULL;
    if (!f_obj || !f_gen || !f_origin || !f_box || !page) {
        PyErr_SetString(PyExc_ValueError, "null function or text page");
        return NULL;
    }
    Views v = {.n = 0};
    const unsigned char *is_blank = take(&v, blank_o, 0, 0, "blank");
    Py_ssize_t n = is_blank ? v.view[0].len : 0;
    if (n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many characters");
        is_blank = NULL;
    }
    uint64_t *obj_out = is_blank ? take(&v, objs_o, 8 * n, 1, "objs") : NULL;
    unsigned char *made_out = obj_out ? take(&v, made_o, n, 1, "made") : NULL;
    double *origin_out = made_out ? take(&v, origin_o, 16 * n, 1, "origin") : NULL;
    float *box_out = origin_out ? take(&v, boxes_o, 16 * n, 1, "boxes") : NULL;
    if (!box_out) {
        release(&v);
        return NULL;
    }
    get_object_fn get_object = (get_object_fn)(uintptr_t)f_obj;
    is_generated_fn is_generated = (is_generated_fn)(uintptr_t)f_gen;
    char_origin_fn char_origin = (char_origin_fn)(uintptr_t)f_origin;
    loose_box_fn loose_box = (loose_box_fn)(uintptr_t)f_box;
    void *tp = (void *)(uintptr_t)page;
    for (int i = 0; i < (int)n; i++) {
        void *o = get_object(tp, i);
        obj_out[i] = (uint64_t)(uintptr_t)o;
        if (!o)
            continue;
        if (is_blank[i]) {
            made_out[i] = is_generated(tp, i) ? 1 : 0;
            if (made_out[i])
                continue;
        }
        char_origin(tp, i, origin_out + 2 * (Py_ssize_t)i, origin_out + 2 * (Py_ssize_t)i + 1);
        if (!is_blank[i])
            loose_box(tp, i, box_out + 4 * (Py_ssize_t)i);
    }
    release(&v);
    Py_RETURN_NONE;
}

static PyObject *runs(PyObject *self, PyObject *args) {
    unsigned long long f_matrix, f_size, f_font, page;
    PyObject *first_o, *objs_o, *matrices_o, *sizes_o, *fonts_o;
    if (!PyArg_ParseTuple(args, "(KKK)KOOOOO", &f_matrix, &f_size, &f_font, &page, &first_o, &objs_o,
                          &matrices_o, &sizes_o, &fonts_o))
        return NULL;
    if (!f_matrix || !f_size || !f_font || !page) {
        PyErr_SetString(PyExc_ValueError, "null function or text page");
        return NULL;
    }
    Views v = {.n = 0};
    const int64_t *at = take(&v, first_o, 0, 0, "first");
    Py_ssize_t k = at ? v.view[0].len / 8 : 0;
    const uint64_t *obj = at ? take(&v, objs_o, 8 * k, 0, "objs") : NULL;
    float *matrix_out = obj ? take(&v, matrices_o, 24 * k, 1, "matrices") : NULL;
    double *size_out = matrix_out ? take(&v, sizes_o, 8 * k, 1, "sizes") : NULL;
    uint64_t *font_out = size_out ? take(&v, fonts_o, 8 * k, 1, "fonts") : NULL;
    if (!font_out) {
        release(&v);
        return NULL;
    }
    char_matrix_fn char_matrix = (char_matrix_fn)(uintptr_t)f_matrix;
    font_size_fn font_size = (font_size_fn)(uintptr_t)f_size;
    obj_font_fn obj_font = (obj_font_fn)(uintptr_t)f_font;
    void *tp = (void *)(uintptr_t)page;
    for (Py_ssize_t r = 0; r < k; r++) {
        char_matrix(tp, (int)at[r], matrix_out + 6 * r);
        size_out[r] = font_size(tp, (int)at[r]);
        font_out[r] = (uint64_t)(uintptr_t)obj_font((void *)(uintptr_t)obj[r]);
    }
    release(&v);
    Py_RETURN_NONE;
}

static PyObject *objects(PyObject *self, PyObject *args) {
    unsigned long long f_get, f_type, parent;
    int form;
    PyObject *objs_o, *types_o;
    if (!PyArg_ParseTuple(args, "(KK)KpOO", &f_get, &f_type, &parent, &form, &objs_o, &types_o))
        return NULL;
    if (!f_get || !f_type || !parent) {
        PyErr_SetString(PyExc_ValueError, "null function or parent");
        return NULL;
    }
    Views v = {.n = 0};
    uint64_t *obj_out = take(&v, objs_o, 0, 1, "objs");
    Py_ssize_t k = obj_out ? v.view[0].len / 8 : 0;
    int32_t *type_out = obj_out ? take(&v, types_o, 4 * k, 1, "types") : NULL;
    if (!type_out) {
        release(&v);
        return NULL;
    }
    object_type_fn object_type = (object_type_fn)(uintptr_t)f_type;
    void *owner = (void *)(uintptr_t)parent;
    for (Py_ssize_t i = 0; i < k; i++) {
        void *o = form ? ((form_object_fn)(uintptr_t)f_get)(owner, (unsigned long)i)
                       : ((page_object_fn)(uintptr_t)f_get)(owner, (int)i);
        obj_out[i] = (uint64_t)(uintptr_t)o;
        type_out[i] = o ? object_type(o) : 0;
    }
    release(&v);
    Py_RETURN_NONE;
}

static PyObject *paths(PyObject *self, PyObject *args) {
    unsigned long long f[7];
    PyObject *objs_o, *modes_o, *matrices_o, *counts_o, *points_o, *kinds_o, *closes_o;
    if (!PyArg_ParseTuple(args, "(KKKKKKK)OOOOOOO", &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &objs_o,
                          &modes_o, &matrices_o, &counts_o, &points_o, &kinds_o, &closes_o))
        return NULL;
    for (int j = 0; j < 7; j++)
        if (!f[j]) {
            PyErr_SetString(PyExc_ValueError, "null function");
            return NULL;
        }
    Views v = {.n = 0};
    const uint64_t *obj = take(&v, objs_o, 0, 0, "objs");
    Py_ssize_t k = obj ? v.view[0].len / 8 : 0;
    int32_t *mode_out = obj ? take(&v, modes_o, 8 * k, 1, "modes") : NULL;
    float *matrix_out = mode_out ? take(&v, matrices_o, 24 * k, 1, "matrices") : NULL;
    int32_t *count_out = matrix_out ? take(&v, counts_o, 4 * k, 1, "counts") : NULL;
    float *point_out = count_out ? take(&v, points_o, 0, 1, "points") : NULL;
    Py_ssize_t cap = point_out ? v.view[v.n - 1].len / 8 : 0;
    int32_t *kind_out = point_out ? take(&v, kinds_o, 4 * cap, 1, "kinds") : NULL;
    unsigned char *close_out = kind_out ? take(&v, closes_o, cap, 1, "closes") : NULL;
    if (!close_out) {
        release(&v);
        return NULL;
    }
    draw_mode_fn draw_mode = (draw_mode_fn)(uintptr_t)f[0];
    object_matrix_fn object_matrix = (object_matrix_fn)(uintptr_t)f[1];
    count_segments_fn count_segments = (count_segments_fn)(uintptr_t)f[2];
    get_segment_fn get_segment = (get_segment_fn)(uintptr_t)f[3];
    segment_point_fn segment_point = (segment_point_fn)(uintptr_t)f[4];
    segment_int_fn segment_type = (segment_int_fn)(uintptr_t)f[5];
    segment_int_fn segment_close = (segment_int_fn)(uintptr_t)f[6];
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < k; i++) {
        void *o = (void *)(uintptr_t)obj[i];
        draw_mode(o, mode_out + 2 * i, mode_out + 2 * i + 1);
        object_matrix(o, matrix_out + 6 * i);
        int n = count_segments(o);
        if (n < 0)
            n = 0;
        count_out[i] = n;
        for (int s = 0; s < n; s++, total++) {
            if (total >= cap)
                continue;
            void *seg = get_segment(o, s);
            segment_point(seg, point_out + 2 * total, point_out + 2 * total + 1);
            kind_out[total] = segment_type(seg);
            close_out[total] = segment_close(seg) ? 1 : 0;
        }
    }
    release(&v);
    return PyLong_FromSsize_t(total);
}

/* --- words ------------------------------------------------------------------------------------ */

/* The buffer of an array of n items of one of the format characters `kinds` and `size` bytes each,
 * held in `v`; NULL with an exception set otherwise. */
static void *take_array(Views *v, PyObject *obj, Py_ssize_t n, const char *kinds, Py_ssize_t size,
                        const char *name) {
    Py_buffer *view = &v->view[v->n];
    if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0)
        return NULL;
    v->n++;
    const char *f = view->format ? view->format : "B";
    if (*f == '<' || *f == '=' || *f == '@')
        f++;
    if (view->itemsize != size || !*f || f[1] || !strchr(kinds, *f) || view->len != n * size) {
        PyErr_Format(PyExc_ValueError, "%s: %zd items of '%s' (%zd bytes), %zd of %zd bytes needed", name,
                     view->itemsize ? view->len / view->itemsize : 0, view->format ? view->format : "B",
                     view->itemsize, n, size);
        return NULL;
    }
    return view->buf;
}

/* Sorts idx[0..n) stably by key[idx] (tmp: room for n/2 + 1). Text is mostly drawn in order: a
 * sorted stretch costs one pass. */
static void sort_by(Py_ssize_t *idx, Py_ssize_t n, const double *key, Py_ssize_t *tmp) {
    Py_ssize_t i = 1;
    while (i < n && !(key[idx[i]] < key[idx[i - 1]]))
        i++;
    if (i >= n)
        return;
    if (n <= 16) {
        for (; i < n; i++) {
            Py_ssize_t x = idx[i], j = i;
            for (; j > 0 && key[x] < key[idx[j - 1]]; j--)
                idx[j] = idx[j - 1];
            idx[j] = x;
        }
        return;
    }
    Py_ssize_t h = n / 2, a = 0, b = h, k = 0;
    sort_by(idx, h, key, tmp);
    sort_by(idx + h, n - h, key, tmp);
    memcpy(tmp, idx, h * sizeof(Py_ssize_t));
    while (a < h && b < n)
        idx[k++] = key[idx[b]] < key[tmp[a]] ? idx[b++] : tmp[a++];
    while (a < h)
        idx[k++] = tmp[a++];
}

/* The k-th smallest of a[0..n) (no NaN), reordering a: Hoare's selection. Equal values may come
 * from either place: only 0.0 and -0.0 differ, and a median of those is within the rule's spaced either way. */
static double kth(double *a, Py_ssize_t n, Py_ssize_t k) {
    Py_ssize_t lo = 0, hi = n - 1;
    while (lo < hi) {
        double pivot = a[lo + (hi - lo) / 2];
        Py_ssize_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                double t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return a[k]; /* between the two parts: equal to the pivot */
    }
    return a[k];
}

/* No infinity or NaN among a[0..n): no exponent of all ones (one branchless pass). */
static int all_finite(const double *a, Py_ssize_t n) {
    const uint64_t ones = 0x7ff0000000000000ULL;
    uint64_t bits, odd = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        memcpy(&bits, a + i, 8);
        odd |= (bits & ones) == ones;
    }
    return !odd;
}

/* Whether both 0.0 and -0.0 are among the values of the chars at[0..n) (a[c], or a[c] + b[c]). */
static int both_zeros(const double *a, const double *b, const Py_ssize_t *at, Py_ssize_t n) {
    int seen = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        double x = b ? a[at[i]] + b[at[i]] : a[at[i]];
        if (x == 0)
            seen |= signbit(x) ? 2 : 1;
    }
    return seen == 3;
}

/* The offsets of a class's 7 object slots from their member descriptors (what their __set__ writes,
 * written directly: a fresh object's slots are empty); -1 with an exception set if one is not. */
static int slot_offsets(PyTypeObject *type, PyObject *slots, Py_ssize_t *offsets) {
    if (PyTuple_GET_SIZE(slots) != 7) {
        PyErr_SetString(PyExc_ValueError, "slots: 7 member descriptors needed");
        return -1;
    }
    for (int s = 0; s < 7; s++) {
        PyObject *d = PyTuple_GET_ITEM(slots, s);
        if (!Py_IS_TYPE(d, &PyMemberDescr_Type) || ((PyMemberDescrObject *)d)->d_member->type != T_OBJECT_EX
            || ((PyMemberDescrObject *)d)->d_member->flags & READONLY || !PyType_IsSubtype(type, PyDescr_TYPE(d))) {
            PyErr_SetString(PyExc_TypeError, "slots: the class's own writable object slots needed");
            return -1;
        }
        offsets[s] = ((PyMemberDescrObject *)d)->d_member->offset;
    }
    return 0;
}

#define SLOT(obj, offset) (*(PyObject **)((char *)(obj) + (offset)))

/* A Word from its text (stolen) and values; NULL with an exception set. It holds only a str, floats
 * and a bool, so it can be in no reference cycle: left out of the cycle collector, as CPython leaves
 * out such tuples (collections with the bench corpus's pages held: 0.25 -> 0.13 CPU ms per page). */
static PyObject *make_word(PyTypeObject *type, const Py_ssize_t *offsets, PyObject *text, double x0, double x1,
                           double top, double bottom, double size, int bold) {
    PyObject *w = text ? type->tp_alloc(type, 0) : NULL;
    PyObject *values[7] = {text, PyFloat_FromDouble(x0), PyFloat_FromDouble(x1), PyFloat_FromDouble(top),
                           PyFloat_FromDouble(bottom), PyFloat_FromDouble(size), PyBool_FromLong(bold)};
    for (int s = 0; s < 7; s++) {
        if (w && values[s])
            SLOT(w, offsets[s]) = values[s];
        else {
            Py_CLEAR(w);
            Py_XDECREF(values[s]);
        }
    }
    if (w && PyObject_IS_GC(w))
        PyObject_GC_UnTrack(w);
    return w;
}

static PyObject *words(PyObject *self, PyObject *args) {
    PyObject *text_o, *blank_o, *x0_o, *x1_o, *top_o, *size_o, *key_o, *bold_o, *type_o, *slots_o, *ligatures;
    struct {
        double x_tol, y_tol, space_share, spaced;
    } rule;
    if (!PyArg_ParseTuple(args, "OOOOOOOOO!O!O!(dddd)", &text_o, &blank_o, &x0_o, &x1_o, &top_o, &size_o, &key_o,
                          &bold_o, &PyType_Type, &type_o, &PyTuple_Type, &slots_o, &PyDict_Type, &ligatures,
                          &rule.x_tol, &rule.y_tol, &rule.space_share, &rule.spaced))
        return NULL;
    PyTypeObject *type = (PyTypeObject *)type_o;
    Py_ssize_t offsets[7];
    if (slot_offsets(type, slots_o, offsets) < 0)
        return NULL;
    int listed = PyList_Check(text_o);
    Views v = {.n = 0};
    Py_ssize_t m = PyObject_Length(blank_o);
    if (m >= 0 && listed && PyList_GET_SIZE(text_o) != m) {
        PyErr_SetString(PyExc_ValueError, "text: one item per character needed");
        m = -1;
    }
    const double *x0 = NULL, *x1 = NULL, *top = NULL, *size = NULL;
    const int64_t *key = NULL;
    const unsigned char *blank = NULL, *bold = NULL;
    const uint32_t *codes = NULL;
    if (m >= 0 && (listed || (codes = take_array(&v, text_o, m, "I", 4, "text")))
        && (blank = take_array(&v, blank_o, m, "?", 1, "blank")) && (x0 = take_array(&v, x0_o, m, "d", 8, "x0"))
        && (x1 = take_array(&v, x1_o, m, "d", 8, "x1")) && (top = take_array(&v, top_o, m, "d", 8, "top"))
        && (size = take_array(&v, size_o, m, "d", 8, "size")) && (key = take_array(&v, key_o, m, "lq", 8, "key")))
        bold = take_array(&v, bold_o, m, "?", 1, "bold");
    if (!bold) {
        release(&v);
        return NULL;
    }
    if (!all_finite(x0, m) || !all_finite(x1, m) || !all_finite(top, m) || !all_finite(size, m)) {
        release(&v);
        Py_RETURN_NONE;
    }
    PyObject *out = NULL, *joined = NULL, *empty = NULL;
    /* index arrays: by_top, line (per char), order, kept, nblank, tmp; per kept char: brk, gaps */
    Py_ssize_t *mem = PyMem_Malloc(6 * (m + 1) * sizeof(Py_ssize_t) + (m + 1) * (sizeof(double) + 2));
    if (!mem) {
        release(&v);
        return PyErr_NoMemory();
    }
    Py_ssize_t *by_top = mem, *line = mem + (m + 1), *order = mem + 2 * (m + 1), *kept = mem + 3 * (m + 1);
    Py_ssize_t *nblank = mem + 4 * (m + 1), *tmp = mem + 5 * (m + 1);
    double *gaps = (double *)(mem + 6 * (m + 1));
    unsigned char *brk = (unsigned char *)(gaps + (m + 1)), *spaced = brk + (m + 1);
    /* lines: each group (run of one key) sorted by top, a line starts with its group or after a step
     * of more than y_tol; numbered 0.. in that order, so line numbers grow with the group */
    Py_ssize_t lines = 0;
    for (Py_ssize_t s = 0, e; s < m; s = e) {
        for (e = s + 1; e < m && key[e] == key[s]; e++)
            ;
        for (Py_ssize_t i = s; i < e; i++)
            by_top[i] = i;
        sort_by(by_top + s, e - s, top, tmp);
        for (Py_ssize_t i = s; i < e; i++) {
            if (i == s || top[by_top[i]] - top[by_top[i - 1]] > rule.y_tol)
                lines++;
            line[by_top[i]] = lines - 1;
        }
    }
    /* reading order: by line (stable: a counting sort), then x0 within each line, ties in stream order */
    Py_ssize_t *first = tmp; /* line starts, then the lines' fill positions; tmp is free again after */
    memset(first, 0, (lines + 1) * sizeof(Py_ssize_t));
    for (Py_ssize_t i = 0; i < m; i++)
        first[line[i] + 1]++;
    for (Py_ssize_t l = 0; l < lines; l++)
        first[l + 1] += first[l];
    for (Py_ssize_t i = 0; i < m; i++)
        order[first[line[i]]++] = i;
    for (Py_ssize_t s = 0, e; s < m; s = e) {
        for (e = s + 1; e < m && line[order[e]] == line[order[s]]; e++)
            ;
        sort_by(order + s, e - s, x0, tmp);
    }
    /* the non-blank chars in reading order, each with the count of blanks before it */
    Py_ssize_t k = 0, nb = 0;
    for (Py_ssize_t j = 0; j < m; j++) {
        if (blank[order[j]])
            nb++;
        else {
            kept[k] = order[j];
            nblank[k++] = nb;
        }
    }
    if (!k) {
        out = PyList_New(0);
        goto done;
    }
    /* breaks: the gap rule of pdfplumber (wider than x_tol), measured from a letter-spaced line's
     * usual gap (the median of its gaps between touching glyphs) where that is beyond spaced */
    brk[0] = 1;
    for (Py_ssize_t i = 0; i + 1 < k; i++) {
        Py_ssize_t p = kept[i], q = kept[i + 1];
        double gap = x0[q] - x1[p];
        int same_line = line[p] == line[q] && nblank[i] == nblank[i + 1];
        brk[i + 1] = !same_line || x0[q] < x0[p] || fabs(top[q] - top[p]) > rule.y_tol || gap > rule.x_tol;
        spaced[i] = same_line && fabs(gap) < size[p] / 3 && fabs(gap) > rule.spaced;
    }
    for (Py_ssize_t s = 0, e; s + 1 < k; s = e) { /* the gaps of one line: their left chars' line */
        int loose = 0;
        for (e = s; e + 1 < k && line[kept[e]] == line[kept[s]]; e++)
            loose |= spaced[e];
        if (!loose)
            continue;
        Py_ssize_t c = 0;
        for (Py_ssize_t i = s; i < e; i++) {
            Py_ssize_t p = kept[i], q = kept[i + 1];
            double gap = x0[q] - x1[p];
            if (line[p] == line[q] && nblank[i] == nblank[i + 1] && fabs(gap) < size[p] / 3)
                gaps[c++] = gap;
        }
        double usual = (kth(gaps, c, (c - 1) / 2) + kth(gaps, c, c / 2)) / 2;
        if (!(fabs(usual) > rule.spaced))
            continue;
        for (Py_ssize_t i = s; i < e; i++) {
            Py_ssize_t p = kept[i], q = kept[i + 1];
            double share = rule.space_share * size[p];
            int same_line = line[p] == line[q] && nblank[i] == nblank[i + 1];
            brk[i + 1] = !same_line || x0[q] < x0[p] || fabs(top[q] - top[p]) > rule.y_tol
                         || x0[q] - x1[p] > usual + (share > rule.x_tol ? share : rule.x_tol);
        }
    }
    Py_ssize_t n_words = 0;
    for (Py_ssize_t i = 0; i < k; i++)
        n_words += brk[i];
    if (!listed) { /* the kept code points decoded as one string (as numpy's path does), then sliced */
        uint32_t *buf = (uint32_t *)tmp;
        for (Py_ssize_t i = 0; i < k; i++)
            buf[i] = codes[kept[i]];
        int order_le = -1;
        joined = PyUnicode_DecodeUTF32((const char *)buf, 4 * k, NULL, &order_le);
        if (!joined)
            goto done;
    }
    else if (!(empty = PyUnicode_FromStringAndSize("", 0)))
        goto done;
    int ascii = joined ? PyUnicode_IS_ASCII(joined) : 1;
    out = PyList_New(n_words);
    for (Py_ssize_t a = 0, b, w = 0; out && a < k; a = b, w++) {
        for (b = a + 1; b < k && !brk[b]; b++)
            ;
        PyObject *t;
        if (joined)
            t = PyUnicode_Substring(joined, a, b);
        else {
            PyObject *part = PyList_New(b - a);
            for (Py_ssize_t i = a; part && i < b; i++) {
                PyObject *c = PyList_GET_ITEM(text_o, kept[i]);
                Py_INCREF(c);
                PyList_SET_ITEM(part, i - a, c);
            }
            t = part ? PyUnicode_Join(empty, part) : NULL;
            Py_XDECREF(part);
            ascii &= t && PyUnicode_IS_ASCII(t);
        }
        double lo = x0[kept[a]], hi = x1[kept[a]], up = top[kept[a]], down = top[kept[a]] + size[kept[a]];
        for (Py_ssize_t i = a + 1; i < b; i++) {
            Py_ssize_t p = kept[i];
            double bottom = top[p] + size[p];
            lo = x0[p] < lo ? x0[p] : lo;
            hi = x1[p] > hi ? x1[p] : hi;
            up = top[p] < up ? top[p] : up;
            down = bottom > down ? bottom : down;
        }
        if ((lo == 0 && both_zeros(x0, NULL, kept + a, b - a)) || (hi == 0 && both_zeros(x1, NULL, kept + a, b - a))
            || (up == 0 && both_zeros(top, NULL, kept + a, b - a))
            || (down == 0 && both_zeros(top, size, kept + a, b - a))) {
            Py_XDECREF(t);
            Py_CLEAR(out);
            out = Py_None;
            Py_INCREF(out);
            goto done;
        }
        PyObject *word = make_word(type, offsets, t, lo, hi, up, down, size[kept[a]], bold[kept[a]]);
        if (!word)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, w, word);
    }
    if (out && !ascii) /* ligatures (never ASCII) expanded as pdfplumber does */
        for (Py_ssize_t w = 0; w < n_words; w++) {
            PyObject **text = &SLOT(PyList_GET_ITEM(out, w), offsets[0]);
            PyObject *u = PyObject_CallMethod(*text, "translate", "O", ligatures);
            if (!u) {
                Py_CLEAR(out);
                break;
            }
            Py_SETREF(*text, u);
        }
done:
    Py_XDECREF(joined);
    Py_XDECREF(empty);
    PyMem_Free(mem);
    release(&v);
    return out;
}

/* --- ruling lines ----------------------------------------------------------------------------- */

/* Python's min and max of two floats: the first unless the second is less (greater). */
static double least(double a, double b) { return b < a ? b : a; }
static double most(double a, double b) { return b > a ? b : a; }

/* pdfium.py's _classify for one subpath (shape[0..n), its points x[i], y[i] in page space): a line
 * or a rectangle appended to `lines` or `rects` as that function appends it; -1 with an exception. */
static int classify(char *shape, double *x, double *y, Py_ssize_t n, int stroke, double height, double tol,
                    PyObject *lines, PyObject *rects) {
    if (shape[0] != 'm')
        return 0;
    if (n > 3 && shape[n - 2] == 'l' && shape[n - 1] == 'h' && x[n - 2] == x[0] && y[n - 2] == y[0]) {
        shape[n - 2] = 'h'; /* the closing line drawn back to the start is the close itself */
        x[n - 2] = x[n - 1];
        y[n - 2] = y[n - 1];
        n--;
    }
    PyObject *item = NULL, *to = lines;
    if ((n == 3 && !memcmp(shape, "mlh", 3)) || (n == 2 && !memcmp(shape, "ml", 2)))
        item = Py_BuildValue("(dddd)", least(x[0], x[1]), most(x[0], x[1]), height - most(y[0], y[1]),
                             height - least(y[0], y[1]));
    else if (n == 5 && (!memcmp(shape, "mlllh", 5) || !memcmp(shape, "mllll", 5))) {
#define NEAR(a, b) (fabs((a) - (b)) <= tol)
        if (!(NEAR(x[0], x[4]) && NEAR(y[0], y[4])
              && ((NEAR(x[0], x[1]) && NEAR(y[1], y[2]) && NEAR(x[2], x[3]) && NEAR(y[3], y[0]))
                  || (NEAR(y[0], y[1]) && NEAR(x[1], x[2]) && NEAR(y[2], y[3]) && NEAR(x[3], x[0])))))
            return 0;
#undef NEAR
        item = Py_BuildValue("(ddddN)", least(x[0], x[2]), most(x[0], x[2]), height - most(y[0], y[2]),
                             height - least(y[0], y[2]), PyBool_FromLong(stroke));
        to = rects;
    }
    else
        return 0;
    int failed = !item || PyList_Append(to, item) < 0;
    Py_XDECREF(item);
    return failed ? -1 : 0;
}

static PyObject *shapes(PyObject *self, PyObject *args) {
    PyObject *modes_o, *matrices_o, *counts_o, *points_o, *kinds_o, *closes_o, *parent_o, *lines, *rects;
    Py_ssize_t start, stop;
    double height, tol, parent[6];
    int moveto, bezierto;
    if (!PyArg_ParseTuple(args, "OOOOOOnnOdd(ii)O!O!", &modes_o, &matrices_o, &counts_o, &points_o, &kinds_o,
                          &closes_o, &start, &stop, &parent_o, &height, &tol, &moveto, &bezierto, &PyList_Type,
                          &lines, &PyList_Type, &rects))
        return NULL;
    int nested = parent_o != Py_None;
    if (nested && !PyArg_ParseTuple(parent_o, "dddddd;parent: a matrix of 6 floats or None", &parent[0], &parent[1],
                                    &parent[2], &parent[3], &parent[4], &parent[5]))
        return NULL;
    Views v = {.n = 0};
    const int32_t *counts = take(&v, counts_o, 0, 0, "counts");
    Py_ssize_t k = counts ? v.view[0].len / 4 : 0, total = 0;
    for (Py_ssize_t j = 0; j < k; j++)
        total += counts[j] > 0 ? counts[j] : 0;
    const int32_t *modes = counts ? take(&v, modes_o, 8 * k, 0, "modes") : NULL;
    const float *matrices = modes ? take(&v, matrices_o, 24 * k, 0, "matrices") : NULL;
    const float *points = matrices ? take(&v, points_o, 8 * total, 0, "points") : NULL;
    const int32_t *kinds = points ? take(&v, kinds_o, 4 * total, 0, "kinds") : NULL;
    const unsigned char *closes = kinds ? take(&v, closes_o, total, 0, "closes") : NULL;
    if (closes && (start < 0 || stop > k || start > stop)) {
        PyErr_SetString(PyExc_ValueError, "start, stop: a range of the paths needed");
        closes = NULL;
    }
    /* a subpath's shape and points: at most two per segment (its own and a close) */
    char *shape = closes ? PyMem_Malloc(2 * total + 1) : NULL;
    double *x = shape ? PyMem_Malloc((4 * total + 2) * sizeof(double)) : NULL;
    if (!x) {
        if (closes)
            PyErr_NoMemory();
        PyMem_Free(shape);
        release(&v);
        return NULL;
    }
    double *y = x + 2 * total + 1;
    int failed = 0;
    Py_ssize_t s = 0;
    for (Py_ssize_t j = 0; j < start; j++)
        s += counts[j] > 0 ? counts[j] : 0;
    for (Py_ssize_t j = start; j < stop && !failed; j++) {
        Py_ssize_t end = s + (counts[j] > 0 ? counts[j] : 0);
        int mode = modes[2 * j], stroke = modes[2 * j + 1] != 0;
        if (mode == 0 && !stroke) { /* not painted */
            s = end;
            continue;
        }
        /* the path's matrix, then the parent's (_mul); evaluated as Python does, term by term */
        const float *f = matrices + 6 * j;
        double a = f[0], b = f[1], c = f[2], d = f[3], e = f[4], g = f[5];
        if (nested) {
            const double *p = parent;
            double m[6] = {a * p[0] + b * p[2], a * p[1] + b * p[3], c * p[0] + d * p[2],
                           c * p[1] + d * p[3], e * p[0] + g * p[2] + p[4], e * p[1] + g * p[3] + p[5]};
            a = m[0], b = m[1], c = m[2], d = m[3], e = m[4], g = m[5];
        }
        /* _path_shapes: subpaths start at a move; a close adds the start's point ("h") */
        Py_ssize_t n = 0;
        double start_x = 0, start_y = 0;
        int started = 0;
        for (; s < end && !failed; s++) {
            double px = points[2 * s], py = points[2 * s + 1];
            double tx = a * px + c * py + e, ty = b * px + d * py + g;
            if (kinds[s] == moveto) {
                if (n)
                    failed = classify(shape, x, y, n, stroke, height, tol, lines, rects) < 0;
                n = 0;
                start_x = tx, start_y = ty, started = 1;
                shape[n] = 'm';
            }
            else
                shape[n] = kinds[s] == bezierto ? 'b' : 'l';
            x[n] = tx, y[n++] = ty;
            if (closes[s] && started) {
                shape[n] = 'h';
                x[n] = start_x, y[n++] = start_y;
            }
        }
        if (n && !failed)
            failed = classify(shape, x, y, n, stroke, height, tol, lines, rects) < 0;
        s = end;
    }
    PyMem_Free(shape);
    PyMem_Free(x);
    release(&v);
    if (failed)
        return NULL;
    Py_RETURN_NONE;
}

/* --- characters upright ----------------------------------------------------------------------- */

/* np.maximum of two doubles where it is defined by value alone; 0 (the caller declines) for a NaN,
 * or 0.0 against -0.0, which numpy picks by SIMD lane. */
static int greatest(double a, double b, double *out) {
    if (isnan(a) || isnan(b) || (a == b && signbit(a) != signbit(b)))
        return 0;
    *out = b > a ? b : a;
    return 1;
}

/* x of a point (x, y up) of a page height high after `turns` (words.turn_points on (x, height - y)). */
static double turned_x(int turns, double width, double height, double x, double y) {
    switch (turns) {
    case 1: return height - (height - y);
    case 2: return width - x;
    case 3: return height - y;
    default: return x;
    }
}

static PyObject *upright(PyObject *self, PyObject *args) {
    int turns;
    double width, height, word_gap, y_tol;
    PyObject *in_o[10], *out_o[8];
    if (!PyArg_ParseTuple(args, "idddd(OOOOOOOOOO)(OOOOOOOO)", &turns, &width, &height, &word_gap, &y_tol,
                          &in_o[0], &in_o[1], &in_o[2], &in_o[3], &in_o[4], &in_o[5], &in_o[6], &in_o[7], &in_o[8],
                          &in_o[9], &out_o[0], &out_o[1], &out_o[2], &out_o[3], &out_o[4], &out_o[5], &out_o[6],
                          &out_o[7]))
        return NULL;
    turns = ((turns % 4) + 4) % 4;
    Views v = {.n = 0};
    const uint64_t *objs = take_array(&v, in_o[0], PyObject_Length(in_o[0]), "LQ", 8, "objs");
    Py_ssize_t m = objs ? v.view[0].len / 8 : 0;
    Py_ssize_t s = objs ? PyObject_Length(in_o[4]) : 0, a = objs ? PyObject_Length(in_o[6]) : 0;
    Py_ssize_t k = objs ? PyObject_Length(in_o[7]) : 0;
    const uint32_t *codes = objs ? take_array(&v, in_o[1], m, "I", 4, "codes") : NULL;
    const unsigned char *blank = codes ? take_array(&v, in_o[2], m, "?", 1, "blank") : NULL;
    const double *origin = blank ? take_array(&v, in_o[3], 2 * m, "d", 8, "origin") : NULL;
    const int64_t *solid = origin ? take_array(&v, in_o[4], s, "lq", 8, "solid") : NULL;
    const double *boxes = solid ? take_array(&v, in_o[5], 4 * s, "d", 8, "boxes") : NULL;
    const int64_t *after = boxes ? take_array(&v, in_o[6], a, "lq", 8, "after") : NULL;
    const double *run_size = after ? take_array(&v, in_o[7], k, "d", 8, "sizes") : NULL;
    const int64_t *run_key = run_size ? take_array(&v, in_o[8], k, "lq", 8, "keys") : NULL;
    const unsigned char *run_bold = run_key ? take_array(&v, in_o[9], k, "?", 1, "bold") : NULL;
    Py_ssize_t cap = m + a;
    uint32_t *codes_out = run_bold ? take_array(&v, out_o[0], cap, "I", 4, "codes out") : NULL;
    unsigned char *blank_out = codes_out ? take_array(&v, out_o[1], cap, "?", 1, "blank out") : NULL;
    double *x0_out = blank_out ? take_array(&v, out_o[2], cap, "d", 8, "x0 out") : NULL;
    double *x1_out = x0_out ? take_array(&v, out_o[3], cap, "d", 8, "x1 out") : NULL;
    double *top_out = x1_out ? take_array(&v, out_o[4], cap, "d", 8, "top out") : NULL;
    double *size_out = top_out ? take_array(&v, out_o[5], cap, "d", 8, "size out") : NULL;
    int64_t *key_out = size_out ? take_array(&v, out_o[6], cap, "lq", 8, "key out") : NULL;
    unsigned char *bold_out = key_out ? take_array(&v, out_o[7], cap, "?", 1, "bold out") : NULL;
    if (!bold_out) {
        release(&v);
        return NULL;
    }
    for (int j = 0; j < 8; j++)
        if (v.view[10 + j].readonly) {
            PyErr_SetString(PyExc_ValueError, "out: writable arrays needed");
            release(&v);
            return NULL;
        }
    /* per char: x0, x1, top and the run (text object) of each, before the made-up spaces */
    double *x0 = PyMem_Malloc(3 * (m + 1) * sizeof(double)), *x1 = x0 ? x0 + (m + 1) : NULL, *top = x1 + (m + 1);
    Py_ssize_t *run = x0 ? PyMem_Malloc((m + 1) * sizeof(Py_ssize_t)) : NULL;
    if (!run) {
        PyMem_Free(x0);
        release(&v);
        return PyErr_NoMemory();
    }
    int exact = 1;
    Py_ssize_t written = 0;
    for (Py_ssize_t i = 0, r = -1; i < m && exact; i++) {
        r += i == 0 || objs[i] != objs[i - 1];
        if (r >= k) {
            PyErr_SetString(PyExc_ValueError, "sizes: one per text object needed");
            goto fail;
        }
        run[i] = r;
        double ox = origin[2 * i], oy = origin[2 * i + 1];
        x0[i] = x1[i] = turned_x(turns, width, height, ox, oy);
        double base = turns == 1 ? ox : turns == 2 ? height - (height - oy) : turns == 3 ? width - ox : height - oy;
        top[i] = base - run_size[r];
    }
    for (Py_ssize_t j = 0; j < s && exact; j++) { /* the box's right edge: one of its corners' */
        Py_ssize_t i = solid[j];
        if (i < 0 || i >= m) {
            PyErr_SetString(PyExc_ValueError, "solid: indices of chars needed");
            goto fail;
        }
        const double *b = boxes + 4 * j;
        double edge;
        exact = greatest(turned_x(turns, width, height, b[0], b[1]), turned_x(turns, width, height, b[2], b[3]), &edge)
                && greatest(edge, x0[i], &x1[i]);
    }
    Py_ssize_t next = 0; /* the next made-up space to weigh */
    for (Py_ssize_t i = 0; i < m && exact; i++) {
        Py_ssize_t r = run[i];
        codes_out[written] = codes[i], blank_out[written] = blank[i], x0_out[written] = x0[i];
        x1_out[written] = x1[i], top_out[written] = top[i], size_out[written] = run_size[r];
        key_out[written] = run_key[r], bold_out[written++] = run_bold[r];
        for (; next < a && after[next] <= i; next++) {
            Py_ssize_t p = after[next], q = p + 1;
            if (p < i || q >= m || (next && after[next - 1] >= p)) {
                PyErr_SetString(PyExc_ValueError, "after: growing indices of chars before a char needed");
                goto fail;
            }
            /* a word space: at least word_gap em apart, going right, on one line */
            if (x0[q] - x1[p] >= word_gap * run_size[r] && x0[q] > x0[p] && fabs(top[q] - top[p]) <= y_tol) {
                codes_out[written] = 0x20, blank_out[written] = 1, x0_out[written] = x1[p];
                x1_out[written] = x1[p], top_out[written] = top[p], size_out[written] = run_size[r];
                key_out[written] = run_key[r], bold_out[written++] = run_bold[r];
            }
        }
    }
    PyMem_Free(x0);
    PyMem_Free(run);
    release(&v);
    if (!exact)
        Py_RETURN_NONE;
    return PyLong_FromSsize_t(written);
fail:
    PyMem_Free(x0);
    PyMem_Free(run);
    release(&v);
    return NULL;
}

static PyMethodDef methods[] = {
    {"fill", fill, METH_VARARGS, "Per-character PDFium data of one text page in one call."},
    {"runs", runs, METH_VARARGS, "Per-text-object PDFium data of one text page in one call."},
    {"objects", objects, METH_VARARGS, "The page objects of a page or form and their types in one call."},
    {"paths", paths, METH_VARARGS, "Draw mode, matrix and segments of path objects in one call."},
    {"shapes", shapes, METH_VARARGS, "The lines and rectangles painted paths make (pdfium.py's _classify)."},
    {"upright", upright, METH_VARARGS, "A page's characters turned upright, with the word spaces PDFium dropped."},
    {"words", words, METH_VARARGS, "The words of a page's characters (readers/words.py's rule) in one call."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_chars",
                                    "Per-character PDFium calls made from C (see pdfium.py).", -1, methods};

PyMODINIT_FUNC PyInit__chars(void) { return PyModule_Create(&module); }
