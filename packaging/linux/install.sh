#!/bin/sh
# Add AIGC Studio to this user's application menu (no root needed; nothing is copied out of this folder).
# Run it from the unpacked folder:  ./install.sh      Undo with:  ./uninstall.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exe="$here/AIGC-Studio"
[ -x "$exe" ] || { echo "AIGC-Studio not found beside this script ($here)" >&2; exit 1; }
data="${XDG_DATA_HOME:-$HOME/.local/share}"
apps="$data/applications"
icons="$data/icons/hicolor/256x256/apps"
bin="$HOME/.local/bin"
mkdir -p "$apps" "$icons" "$bin"
cp "$here/aigc-studio.png" "$icons/aigc-studio.png"
# The menu entry points at this folder: quote the path, it may contain spaces.
sed -e "s|^Exec=.*|Exec=\"$exe\"|" -e "s|^Icon=.*|Icon=aigc-studio|" \
    -e "s|^TryExec=.*||" "$here/aigc-studio.desktop" > "$apps/aigc-studio.desktop"
echo "TryExec=$exe" >> "$apps/aigc-studio.desktop"
chmod 644 "$apps/aigc-studio.desktop"
ln -sf "$exe" "$bin/aigc-studio"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$data/icons/hicolor" || true
echo "AIGC Studio is in your application menu; from a terminal: aigc-studio (in $bin)."
echo "Check the install offline at any time:  aigc-studio self-test"
