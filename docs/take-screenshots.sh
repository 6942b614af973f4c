#!/usr/bin/env bash
# Re-make docs/*.png: traynotify demo on a virtual desktop (Xvfb, trayer, dunst).
# Needs the packages in .ci/apt-packages.txt and the venv from the README.
set -euo pipefail
cd "$(dirname "$0")/.."
export DISPLAY=:93 NO_AT_BRIDGE=1 PYSTRAY_BACKEND=gtk
tmp=$(mktemp -d)
Xvfb "$DISPLAY" -screen 0 800x600x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
sleep 1
read -r DBUS_SESSION_BUS_ADDRESS bus_pid < <(dbus-daemon --session --fork --print-address=1 --print-pid=1 | paste -sd' ')
export DBUS_SESSION_BUS_ADDRESS XDG_STATE_HOME=$tmp
dunst >/dev/null 2>&1 & dunst=$!
trayer --edge top --align right --widthtype request --height 32 --SetDockType true \
  --transparent false --tint 0x333333 >/dev/null 2>&1 & trayer=$!
sleep 1.5
.venv/bin/traynotify demo --every 3 --interval 1 >/dev/null 2>&1 & app=$!
trap 'kill $app $trayer $dunst $xvfb 2>/dev/null; kill $bus_pid 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 8
shot() { .venv/bin/python -c "from PIL import ImageGrab; ImageGrab.grab(xdisplay='$DISPLAY').crop($1).save('$2')"; }
shot "(440, 0, 800, 260)" docs/toast.png
dunstctl close-all
dunstctl set-paused true
sleep 0.5
shot "(720, 0, 800, 34)" docs/icon.png
read -r x y < <(xdotool search --name '^traynotify:' getwindowgeometry --shell | awk -F= '/^X=/{x=$2}/^Y=/{y=$2}END{print x+16, y+16}')
xdotool mousemove "$x" "$y" click 3
sleep 1
shot "(440, 0, 800, 330)" docs/menu.png
xdotool key Escape
echo "wrote docs/icon.png docs/menu.png docs/toast.png"
