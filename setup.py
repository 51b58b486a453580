"""Only the compiled part of the package; everything else is in pyproject.toml.

The PDFium reader's per-character loop (pipeline/readers/_chars.c) is optional: where no C compiler
is at hand the install still succeeds and the reader makes the same calls through ctypes, slower."""
from setuptools import Extension, setup

setup(ext_modules=[Extension("pipeline.readers._chars", ["pipeline/readers/_chars.c"], optional=True)])
