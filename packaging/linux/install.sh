#!/usr/bin/env sh
# Install a built traynotify for the current user: the binary, its menu entry and icons.
#   packaging/linux/install.sh [path/to/dist/traynotify]
# Puts the binary in ~/.local/bin, the .desktop file in ~/.local/share/applications
# and the icons in ~/.local/share/icons/hicolor (XDG_DATA_HOME is honoured).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
binary=${1:-$root/dist/traynotify}
data=${XDG_DATA_HOME:-$HOME/.local/share}
bin=${TRAYNOTIFY_BIN_DIR:-$HOME/.local/bin}

[ -x "$binary" ] || { echo "install.sh: no built binary at $binary (run pyinstaller first)" >&2; exit 1; }
mkdir -p "$bin" "$data/applications"
cp "$binary" "$bin/traynotify"
sed "s|^Exec=traynotify run$|Exec=$bin/traynotify run|" "$here/traynotify.desktop" \
  > "$data/applications/traynotify.desktop"
for size in 16 22 24 32 48 64 128 256 512; do
  mkdir -p "$data/icons/hicolor/${size}x${size}/apps"
  cp "$root/assets/traynotify-$size.png" "$data/icons/hicolor/${size}x${size}/apps/traynotify.png"
done
echo "Installed $bin/traynotify; 'traynotify autostart enable' starts it at login."
