#!/usr/bin/env bash
# Re-make docs/*.png: traynotify demo on virtual desktops. The icon and a pop-up on
# trayer (pystray's GTK tray) with dunst; the menu on xfce4-panel (the StatusNotifierItem
# tray most Linux desktops get). Needs the packages in .ci/apt-packages.txt and the venv
# from the README.
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
kill $app $trayer $dunst $xvfb 2>/dev/null; kill $bus_pid 2>/dev/null; sleep 1

# The menu on xfce4-panel: its settings daemon starts with the bus and reads this home.
export DISPLAY=:94 HOME=$tmp/xfce XDG_CONFIG_HOME=$tmp/xfce/.config
unset PYSTRAY_BACKEND
mkdir -p "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml"
.venv/bin/python -c "from tests.xfce import PANEL_XML; print(PANEL_XML)" \
  >"$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml"
Xvfb "$DISPLAY" -screen 0 800x600x24 -nolisten tcp >/dev/null 2>&1 & xvfb=$!
sleep 1
read -r DBUS_SESSION_BUS_ADDRESS bus_pid < <(dbus-daemon --session --fork --print-address=1 --print-pid=1 | paste -sd' ')
export DBUS_SESSION_BUS_ADDRESS
xfce4-panel --disable-wm-check >/dev/null 2>&1 & panel=$!
dunst >/dev/null 2>&1 & dunst=$!
sleep 2
.venv/bin/traynotify demo --every 0 --interval 1 >/dev/null 2>&1 & app=$!
xfconfd() {  # started by the bus for the panel: its pid, from the bus
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.GetConnectionUnixProcessID string:org.xfce.Xfconf 2>/dev/null |
    awk '/uint32/{print $2}'
}
trap 'kill $app $panel $dunst $(xfconfd) $xvfb 2>/dev/null; kill $bus_pid 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 6
dunstctl close-all
# Untick "New org members" and pause for an hour, through the menu as a user would; the
# rows are 25 px apart (the header at y=40).
xdotool mousemove 12 12 click 3; sleep 0.8
xdotool mousemove 80 241; sleep 0.8         # Pop-ups for… ▸
xdotool mousemove 420 291 click 1; sleep 1  # New org members
xdotool mousemove 12 12 click 3; sleep 0.8
xdotool mousemove 80 216; sleep 0.8         # Pause pop-ups ▸
xdotool mousemove 420 216 click 1; sleep 2  # For 1 hour
# Now a row says until when, above the two submenus: each shot with one open.
xdotool mousemove 12 12 click 3; sleep 0.8
xdotool mousemove 80 241; sleep 1.2         # Pause pop-ups ▸
shot "(0, 0, 525, 336)" docs/menu.png
xdotool mousemove 80 191; sleep 1.2         # off the submenu first, or GTK keeps it open
xdotool mousemove 80 266; sleep 1.2         # Pop-ups for… ▸
shot "(0, 0, 558, 385)" docs/menu-mute.png
xdotool key Escape
echo "wrote docs/icon.png docs/menu.png docs/menu-mute.png docs/toast.png"
