#!/bin/sh
# Remove AIGC Studio's menu entry, icon and command link (added by install.sh).
# Your images, models and settings stay in ~/.local/share/aigc-studio: delete that folder to remove them too.
set -eu
data="${XDG_DATA_HOME:-$HOME/.local/share}"
rm -f "$data/applications/aigc-studio.desktop" "$data/icons/hicolor/256x256/apps/aigc-studio.png"
link="$HOME/.local/bin/aigc-studio"
[ -L "$link" ] && rm -f "$link"
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
echo "AIGC Studio's menu entry is removed. Delete this folder to remove the app itself."
