#!/usr/bin/env bash
# Build "AIGC Studio.app" and a .dmg on macOS 12+ (Apple silicon or Intel), from the repository root:
#   bash packaging/macos/build_macos.sh
# Optional: CODESIGN_IDENTITY="Developer ID Application: ..." signs the app (else an ad-hoc signature),
# NOTARY_PROFILE=<keychain profile of `xcrun notarytool store-credentials`> notarizes and staples the dmg.
# It cannot run on the Linux build machine; packaging/README.md says what each step does.
set -euo pipefail
cd "$(dirname "$0")/../.."

# 1. The venv with the pinned requirements (the macOS torch wheel on PyPI has the Metal/MPS back-end).
python3 dev.py setup
.venv/bin/python -m pip install -r requirements/package.txt

# 2. The bundle: the spec makes build/package/dist/AIGC Studio.app on macOS (Info.plist from packaging/macos).
.venv/bin/python -m PyInstaller packaging/aigc_studio.spec --noconfirm \
    --distpath build/package/dist --workpath build/package/work
app="build/package/dist/AIGC Studio.app"
chmod -R a+rX "$app"  # every user of the Mac may read it once it is in /Applications

# 3. The bundle's own offline self-test.
AIGC_STUDIO_BLOCK_NETWORK=1 "$app/Contents/MacOS/AIGC-Studio" self-test

# 4. Sign (hardened runtime, needed for notarization; ad-hoc "-" when no identity is given).
identity="${CODESIGN_IDENTITY:--}"
codesign --force --deep --options runtime --timestamp=none -s "$identity" "$app"
codesign --verify --deep --strict "$app"

# 5. The disk image: the app beside a link to /Applications, compressed (UDZO).
version=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' studio/__init__.py)
dmg="build/package/AIGC-Studio-$version-macos-$(uname -m).dmg"
staging=$(mktemp -d)
cp -R "$app" "$staging/"
ln -s /Applications "$staging/Applications"
rm -f "$dmg"
hdiutil create -volname "AIGC Studio" -srcfolder "$staging" -ov -format UDZO "$dmg"
rm -rf "$staging"

# 6. Notarize (optional, needs an Apple developer account).
if [ -n "${NOTARY_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
    xcrun stapler staple "$dmg"
fi
echo "disk image: $dmg"
