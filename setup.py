"""Only the compiled part of the package; everything else is in pyproject.toml.

Two loops are also written in C, both optional: where no C compiler is at hand the install still
succeeds and the same work is done slower, by ctypes calls (the PDFium reader's per-character loop,
pipeline/readers/_chars.c) or in Python (the parse's words to lines and cells, pipeline/parse/_geometry.c)."""
from setuptools import Extension, setup

setup(ext_modules=[Extension("pipeline.readers._chars", ["pipeline/readers/_chars.c"], optional=True),
                   Extension("pipeline.parse._geometry", ["pipeline/parse/_geometry.c"], optional=True)])
