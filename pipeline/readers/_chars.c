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

static int writable(PyObject *obj, Py_buffer *view, Py_ssize_t need, const char *name) {
    if (PyObject_GetBuffer(obj, view, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    if (view->len < need) {
        PyErr_Format(PyExc_ValueError, "%s: %zd bytes, %zd needed", name, view->len, need);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
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
    Py_buffer blank, objs, made, origin, boxes;
    if (PyObject_GetBuffer(blank_o, &blank, PyBUF_C_CONTIGUOUS) < 0)
        return NULL;
    Py_ssize_t n = blank.len;
    if (n > INT32_MAX) {
        PyBuffer_Release(&blank);
        PyErr_SetString(PyExc_ValueError, "too many characters");
        return NULL;
    }
    if (writable(objs_o, &objs, 8 * n, "objs") < 0) goto fail_blank;
    if (writable(made_o, &made, n, "made") < 0) goto fail_objs;
    if (writable(origin_o, &origin, 16 * n, "origin") < 0) goto fail_made;
    if (writable(boxes_o, &boxes, 16 * n, "boxes") < 0) goto fail_origin;

    get_object_fn get_object = (get_object_fn)(uintptr_t)f_obj;
    is_generated_fn is_generated = (is_generated_fn)(uintptr_t)f_gen;
    char_origin_fn char_origin = (char_origin_fn)(uintptr_t)f_origin;
    loose_box_fn loose_box = (loose_box_fn)(uintptr_t)f_box;
    void *tp = (void *)(uintptr_t)page;
    const unsigned char *is_blank = blank.buf;
    uint64_t *obj_out = objs.buf;
    unsigned char *made_out = made.buf;
    double *origin_out = origin.buf;
    float *box_out = boxes.buf;
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

    PyBuffer_Release(&boxes);
    PyBuffer_Release(&origin);
    PyBuffer_Release(&made);
    PyBuffer_Release(&objs);
    PyBuffer_Release(&blank);
    Py_RETURN_NONE;

fail_origin:
    PyBuffer_Release(&origin);
fail_made:
    PyBuffer_Release(&made);
fail_objs:
    PyBuffer_Release(&objs);
fail_blank:
    PyBuffer_Release(&blank);
    return NULL;
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
    Py_buffer first, objs, matrices, sizes, fonts;
    if (PyObject_GetBuffer(first_o, &first, PyBUF_C_CONTIGUOUS) < 0)
        return NULL;
    Py_ssize_t k = first.len / 8;
    if (PyObject_GetBuffer(objs_o, &objs, PyBUF_C_CONTIGUOUS) < 0) goto fail_first;
    if (objs.len < 8 * k) {
        PyErr_SetString(PyExc_ValueError, "objs: too short");
        goto fail_objs;
    }
    if (writable(matrices_o, &matrices, 24 * k, "matrices") < 0) goto fail_objs;
    if (writable(sizes_o, &sizes, 8 * k, "sizes") < 0) goto fail_matrices;
    if (writable(fonts_o, &fonts, 8 * k, "fonts") < 0) goto fail_sizes;

    char_matrix_fn char_matrix = (char_matrix_fn)(uintptr_t)f_matrix;
    font_size_fn font_size = (font_size_fn)(uintptr_t)f_size;
    obj_font_fn obj_font = (obj_font_fn)(uintptr_t)f_font;
    void *tp = (void *)(uintptr_t)page;
    const int64_t *at = first.buf;
    const uint64_t *obj = objs.buf;
    float *matrix_out = matrices.buf;
    double *size_out = sizes.buf;
    uint64_t *font_out = fonts.buf;
    for (Py_ssize_t r = 0; r < k; r++) {
        char_matrix(tp, (int)at[r], matrix_out + 6 * r);
        size_out[r] = font_size(tp, (int)at[r]);
        font_out[r] = (uint64_t)(uintptr_t)obj_font((void *)(uintptr_t)obj[r]);
    }

    PyBuffer_Release(&fonts);
    PyBuffer_Release(&sizes);
    PyBuffer_Release(&matrices);
    PyBuffer_Release(&objs);
    PyBuffer_Release(&first);
    Py_RETURN_NONE;

fail_sizes:
    PyBuffer_Release(&sizes);
fail_matrices:
    PyBuffer_Release(&matrices);
fail_objs:
    PyBuffer_Release(&objs);
fail_first:
    PyBuffer_Release(&first);
    return NULL;
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
    Py_buffer objs, types;
    if (PyObject_GetBuffer(objs_o, &objs, PyBUF_WRITABLE | PyBUF_C_CONTIGUOUS) < 0)
        return NULL;
    Py_ssize_t k = objs.len / 8;
    if (writable(types_o, &types, 4 * k, "types") < 0) {
        PyBuffer_Release(&objs);
        return NULL;
    }
    object_type_fn object_type = (object_type_fn)(uintptr_t)f_type;
    void *owner = (void *)(uintptr_t)parent;
    uint64_t *obj_out = objs.buf;
    int32_t *type_out = types.buf;
    for (Py_ssize_t i = 0; i < k; i++) {
        void *o = form ? ((form_object_fn)(uintptr_t)f_get)(owner, (unsigned long)i)
                       : ((page_object_fn)(uintptr_t)f_get)(owner, (int)i);
        obj_out[i] = (uint64_t)(uintptr_t)o;
        type_out[i] = o ? object_type(o) : 0;
    }
    PyBuffer_Release(&types);
    PyBuffer_Release(&objs);
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
    Py_buffer objs, modes, matrices, counts, points, kinds, closes;
    if (PyObject_GetBuffer(objs_o, &objs, PyBUF_C_CONTIGUOUS) < 0)
        return NULL;
    Py_ssize_t k = objs.len / 8;
    if (writable(modes_o, &modes, 8 * k, "modes") < 0) goto fail_objs;
    if (writable(matrices_o, &matrices, 24 * k, "matrices") < 0) goto fail_modes;
    if (writable(counts_o, &counts, 4 * k, "counts") < 0) goto fail_matrices;
    if (writable(points_o, &points, 0, "points") < 0) goto fail_counts;
    Py_ssize_t cap = points.len / 8;
    if (writable(kinds_o, &kinds, 4 * cap, "kinds") < 0) goto fail_points;
    if (writable(closes_o, &closes, cap, "closes") < 0) goto fail_kinds;

    draw_mode_fn draw_mode = (draw_mode_fn)(uintptr_t)f[0];
    object_matrix_fn object_matrix = (object_matrix_fn)(uintptr_t)f[1];
    count_segments_fn count_segments = (count_segments_fn)(uintptr_t)f[2];
    get_segment_fn get_segment = (get_segment_fn)(uintptr_t)f[3];
    segment_point_fn segment_point = (segment_point_fn)(uintptr_t)f[4];
    segment_int_fn segment_type = (segment_int_fn)(uintptr_t)f[5];
    segment_int_fn segment_close = (segment_int_fn)(uintptr_t)f[6];
    const uint64_t *obj = objs.buf;
    int32_t *mode_out = modes.buf;
    float *matrix_out = matrices.buf;
    int32_t *count_out = counts.buf;
    float *point_out = points.buf;
    int32_t *kind_out = kinds.buf;
    unsigned char *close_out = closes.buf;
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
    PyBuffer_Release(&closes);
    PyBuffer_Release(&kinds);
    PyBuffer_Release(&points);
    PyBuffer_Release(&counts);
    PyBuffer_Release(&matrices);
    PyBuffer_Release(&modes);
    PyBuffer_Release(&objs);
    return PyLong_FromSsize_t(total);

fail_kinds:
    PyBuffer_Release(&kinds);
fail_points:
    PyBuffer_Release(&points);
fail_counts:
    PyBuffer_Release(&counts);
fail_matrices:
    PyBuffer_Release(&matrices);
fail_modes:
    PyBuffer_Release(&modes);
fail_objs:
    PyBuffer_Release(&objs);
    return NULL;
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
