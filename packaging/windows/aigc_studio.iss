; Inno Setup script of AIGC Studio for Windows (Inno Setup 6). Cannot be compiled on the Linux build machine:
; run packaging\windows\build_windows.ps1 on Windows, which builds the PyInstaller bundle first and then calls
;   iscc /DAppVersion=0.1.0 /DFlavor=cpu packaging\windows\aigc_studio.iss
; Result: build\package\AIGC-Studio-<version>-win64-<flavor>-setup.exe with a Start-menu entry, an optional
; desktop icon and an uninstaller. User data (%LOCALAPPDATA%\aigc-studio) is never touched by the uninstaller
; unless the user ticks the box it shows.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
; cpu: torch CPU wheel (runs everywhere). cuda: the bundle was built with a CUDA torch wheel (see packaging\README.md).
#ifndef Flavor
  #define Flavor "cpu"
#endif
#define AppName "AIGC Studio"
#define ExeName "AIGC-Studio.exe"
#define CliExeName "AIGC-Studio-cli.exe"
#define BundleDir "..\..\build\package\dist\AIGC-Studio"

[Setup]
AppId={{6F1D2C7A-3B8E-4E55-9A41-2C7B9E0D5A13}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion} ({#Flavor})
AppPublisher=AIGC Studio
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install by default (no admin prompt); the user may choose "all users" in the dialog.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\build\package
OutputBaseFilename=AIGC-Studio-{#AppVersion}-win64-{#Flavor}-setup
SetupIconFile=..\..\build\package\work\aigc_studio\icons\aigc-studio.ico
UninstallDisplayIcon={app}\{#ExeName}
UninstallDisplayName={#AppName} {#AppVersion}
; torch and the built-in models are large: LZMA2 with a solid archive keeps the installer small.
Compression=lzma2/max
SolidCompression=yes
LZMAUseSeparateProcess=yes
DiskSpanning=no
WizardStyle=modern
MinVersion=10.0

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#ExeName}"; Comment: "Create images and text offline"
Name: "{group}\{#AppName} self-test"; Filename: "{cmd}"; Parameters: "/k ""{app}\{#CliExeName}"" self-test"; WorkingDir: "{app}"; Comment: "Check the installation offline"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#ExeName}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#ExeName}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; The app never writes inside {app}; this only removes what a crash handler might have left.
Type: filesandordirs; Name: "{app}\_internal\__pycache__"

[Code]
function HasNvidiaGpu(): Boolean;
begin
  // The NVIDIA driver installs nvcuda.dll; its presence is enough to recommend the CUDA build.
  Result := FileExists(ExpandConstant('{sys}\nvcuda.dll'));
end;

function InitializeSetup(): Boolean;
begin
  Result := True;
  if ('{#Flavor}' = 'cpu') and HasNvidiaGpu() and not WizardSilent() then
    if MsgBox('An NVIDIA graphics card was found. The CUDA edition of AIGC Studio '
      + '(AIGC-Studio-{#AppVersion}-win64-cuda-setup.exe) generates images many times faster on it.'
      + #13#10#13#10 + 'Install this CPU edition anyway?', mbConfirmation, MB_YESNO) = IDNO then
      Result := False;
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
var
  DataDir: String;
begin
  if CurUninstallStep = usPostUninstall then
  begin
    DataDir := ExpandConstant('{localappdata}\aigc-studio');
    if DirExists(DataDir) and not UninstallSilent() then
      if MsgBox('Also delete your images, models and settings in ' + DataDir + '?',
        mbConfirmation, MB_YESNO or MB_DEFBUTTON2) = IDYES then
        DelTree(DataDir, True, True, True);
  end;
end;
