"""Heavy libraries loaded when first used, not when a web worker starts.

openpyxl, ReportLab, icalendar and qrcode take ~30 MiB together, and a worker needs them only
for an export, a PDF, a calendar feed or a QR code. A module that uses one names it at its
top, `openpyxl = lazy_module("openpyxl")`, and writes `openpyxl.Workbook(...)`: the import
runs on the first attribute read (under the import lock, so threads are safe), and every read
after that is a dictionary look-up.
"""

import importlib


class LazyModule:
    """A stand-in for the module `name`, imported on its first attribute read."""

    __slots__ = ("_name",)

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        module = importlib.import_module(self._name)  # a look-up in sys.modules once loaded
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy_module(name: str) -> LazyModule:
    """The module `name`, imported when first used (see the module's docstring)."""
    return LazyModule(name)
