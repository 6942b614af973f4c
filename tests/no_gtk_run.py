"""Run ``traynotify`` as its console script does, but refuse ``gi`` and ``dbus``.

Every attempt to import them is written to the file named by
``TRAYNOTIFY_IMPORT_LOG`` (and fails, as on an install without them), so a test
can show that the plain Linux install never reaches for GTK or dbus-python.
"""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Sequence
from types import ModuleType

BLOCKED = ("gi", "dbus")


class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> None:
        if fullname.split(".")[0] in BLOCKED:
            with open(os.environ["TRAYNOTIFY_IMPORT_LOG"], "a", encoding="utf-8") as log:
                log.write(fullname + "\n")
            raise ModuleNotFoundError(f"No module named {fullname!r} (refused by the test)")
        return None


if __name__ == "__main__":
    sys.meta_path.insert(0, Refuse())
    from traynotify.cli import main

    sys.exit(main(sys.argv[1:]))
