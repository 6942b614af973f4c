"""Render the app icon files in this folder from traynotify/icons.py (the artwork's source).

    python assets/build_icons.py

Writes traynotify-<size>.png (16 to 512), traynotify.ico (Windows) and
traynotify.icns (macOS): the plain bell, no badge, as launchers and installers show it.
"""

from __future__ import annotations

from pathlib import Path

from traynotify.core.badge import Look
from traynotify.desktop.icons import render_icon

HERE = Path(__file__).resolve().parent
PNG_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def main() -> None:
    images = {size: render_icon(Look.NONE, 0, size) for size in PNG_SIZES}
    for size, image in images.items():
        image.save(HERE / f"traynotify-{size}.png", optimize=True)
    images[256].save(
        HERE / "traynotify.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]
    )
    images[512].save(HERE / "traynotify.icns")
    print(f"wrote {len(PNG_SIZES)} PNGs, traynotify.ico and traynotify.icns to {HERE}")


if __name__ == "__main__":
    main()
