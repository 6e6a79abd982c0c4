"""PyInstaller runtime hook of the AIGC Studio bundle: runs before the studio's own code.

- Hub libraries never phone home from the installed app (telemetry off; the app is offline-first).
- With ``AIGC_STUDIO_BLOCK_NETWORK=1`` every internet connection fails at once with a clear
  error, and each attempt is reported on stderr. ``dev.py package`` sets it for the bundle's
  self-test (besides a network namespace where it can make one), to prove the bundle works offline.
  Local sockets (AF_UNIX: X11, D-Bus) keep working.
"""


def _aigc_studio_runtime_hook() -> None:
    import os
    import socket
    import sys

    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    if os.environ.get("AIGC_STUDIO_BLOCK_NETWORK") != "1":
        return

    internet = {socket.AF_INET, getattr(socket, "AF_INET6", socket.AF_INET)}

    def refuse(what: str, target) -> OSError:
        print(f"[aigc-studio] network blocked: {what} {target!r}", file=sys.stderr, flush=True)
        return OSError(101, f"Network is disabled for this process ({what} {target!r})")

    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def connect(self, address):
        if self.family in internet:
            raise refuse("connect", address)
        return original_connect(self, address)

    def connect_ex(self, address):
        if self.family in internet:
            raise refuse("connect", address)
        return original_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        raise refuse("getaddrinfo", host)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo


_aigc_studio_runtime_hook()
del _aigc_studio_runtime_hook
