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
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

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
    Py_buffer view[8];
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

static PyMethodDef methods[] = {
    {"fill", fill, METH_VARARGS, "Per-character PDFium data of one text page in one call."},
    {"runs", runs, METH_VARARGS, "Per-text-object PDFium data of one text page in one call."},
    {"objects", objects, METH_VARARGS, "The page objects of a page or form and their types in one call."},
    {"paths", paths, METH_VARARGS, "Draw mode, matrix and segments of path objects in one call."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_chars",
                                    "Per-character PDFium calls made from C (see pdfium.py).", -1, methods};

PyMODINIT_FUNC PyInit__chars(void) { return PyModule_Create(&module); }
