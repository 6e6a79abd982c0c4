# Build the Windows installer of AIGC Studio (run on Windows 10/11 x64 in PowerShell, from the repository root):
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build_windows.ps1 [-Flavor cpu|cuda]
# Needs: Python 3.11 x64 on PATH, Inno Setup 6 (iscc.exe on PATH or in its default folder).
# It cannot run on the Linux build machine; packaging\README.md says what each step does.
param([ValidateSet("cpu", "cuda")][string]$Flavor = "cpu")
$ErrorActionPreference = "Stop"
Set-Location (Split-Path -Parent (Split-Path -Parent $PSScriptRoot))

# 1. The venv with the pinned requirements (dev.py installs torch first, alone).
python dev.py setup
if ($Flavor -eq "cuda") {
    # Replace the CPU wheel by the CUDA one of the same torch version (see packaging\README.md).
    .venv\Scripts\python -m pip install --force-reinstall --no-deps torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128
}
.venv\Scripts\python -m pip install -r requirements\package.txt

# 2. The onedir bundle: build\package\dist\AIGC-Studio\AIGC-Studio.exe (+ AIGC-Studio-cli.exe, _internal\).
.venv\Scripts\python -m PyInstaller packaging\aigc_studio.spec --noconfirm --distpath build\package\dist --workpath build\package\work
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

# 3. The bundle's own offline self-test (console twin: the windowed exe has no stdout).
$env:AIGC_STUDIO_BLOCK_NETWORK = "1"
build\package\dist\AIGC-Studio\AIGC-Studio-cli.exe self-test
if ($LASTEXITCODE -ne 0) { throw "the bundle's self-test failed" }
Remove-Item Env:AIGC_STUDIO_BLOCK_NETWORK

# 4. The installer.
$version = (Select-String -Path studio\__init__.py -Pattern '__version__ = "(.+)"').Matches[0].Groups[1].Value
$iscc = (Get-Command iscc.exe -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" "/DFlavor=$Flavor" packaging\windows\aigc_studio.iss
if ($LASTEXITCODE -ne 0) { throw "Inno Setup failed" }
Write-Host "installer: build\package\AIGC-Studio-$version-win64-$Flavor-setup.exe"
