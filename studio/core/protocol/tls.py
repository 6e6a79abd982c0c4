"""TLS for a remote engine: a self-signed certificate made once, and its SHA-256 fingerprint pinned by the client.

``main.py engine serve --tls`` makes a key and a certificate (the ``cryptography`` package) in its studio
home's ``engine-tls`` folder on first use, keeps them, and prints the certificate's fingerprint. A studio
that has that fingerprint in Settings → Engine (``engine_tls_fingerprint``) speaks TLS to the engine and
refuses any certificate whose fingerprint differs, before it sends its token: no certificate authority is
involved, the pin is the trust.
"""
from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import re
import ssl
from pathlib import Path
from typing import Iterable

from studio.core.atomic import atomic_write_bytes
from studio.core.i18n import _
from studio.core.paths import StudioPaths
from studio.core.protocol.remote import RemoteEngineError

TLS_DIR = "engine-tls"
CERT_FILE, KEY_FILE = "cert.pem", "key.pem"
CERT_DAYS = 3650
_HEX64 = re.compile(r"[0-9A-F]{64}")


def fingerprint_of(der: bytes) -> str:
    """The SHA-256 fingerprint of a DER certificate, as ``AB:CD:...`` (what browsers and openssl show)."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, 64, 2))


def normalise_fingerprint(text: str) -> str:
    """``text`` (colons, spaces or none; any case; an ``sha256`` prefix) as ``AB:CD:...``; "" when it is not one."""
    digits = re.sub(r"[\s:]", "", (text or "").upper())
    digits = digits.removeprefix("SHA256=").removeprefix("SHA256")
    return fingerprint_of_hex(digits) if _HEX64.fullmatch(digits) else ""


def fingerprint_of_hex(digits: str) -> str:
    return ":".join(digits[i:i + 2] for i in range(0, 64, 2))


def fingerprint_problem(value: object) -> str | None:
    """Why ``value`` is not a certificate fingerprint (None when it is, or is empty: no TLS)."""
    if not isinstance(value, str):
        return _("Expected the engine's SHA-256 fingerprint (text).")
    if value.strip() and not normalise_fingerprint(value):
        return _("A SHA-256 fingerprint has 64 hexadecimal digits (e.g. AB:CD:…, as `engine serve --tls` "
                 "prints it).")
    return None


def tls_files(paths: StudioPaths) -> tuple[Path, Path]:
    folder = paths.root / TLS_DIR
    return folder / CERT_FILE, folder / KEY_FILE


def ensure_certificate(paths: StudioPaths, hosts: Iterable[str] = ()) -> tuple[Path, Path, str]:
    """This engine's certificate and key (made on first use, then kept) and the certificate's fingerprint.

    RemoteEngineError (one line) when the files cannot be read or made.
    """
    cert, key = tls_files(paths)
    if not (cert.is_file() and key.is_file()):
        _make_certificate(cert, key, hosts)
    try:
        der = ssl.PEM_cert_to_DER_cert(cert.read_text(encoding="ascii"))
        server_context(cert, key)  # a damaged key or certificate shows now, not at the first client
    except (OSError, ValueError, ssl.SSLError) as exc:
        raise RemoteEngineError(_("The engine's TLS certificate in {folder} cannot be used ({reason}); remove "
                                  "the folder to make a new one (clients then need the new fingerprint).").format(
            folder=cert.parent, reason=getattr(exc, "reason", None) or exc)) from None
    return cert, key, fingerprint_of(der)


def _make_certificate(cert: Path, key: Path, hosts: Iterable[str]) -> None:
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError:
        raise RemoteEngineError(_("TLS needs the cryptography package (pip install -r requirements/app.txt).")) \
            from None
    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AIGC Studio engine")])
    alt: list[x509.GeneralName] = [x509.DNSName("localhost")]
    for host in {"127.0.0.1", "::1", *hosts}:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            if host and host not in ("localhost", "0.0.0.0", "::"):
                alt.append(x509.DNSName(host))
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(private.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
                   .add_extension(x509.SubjectAlternativeName(alt), critical=False)
                   .sign(private, hashes.SHA256()))
    cert.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(cert.parent, 0o700)
    atomic_write_bytes(key, private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                  serialization.NoEncryption()))
    os.chmod(key, 0o600)
    atomic_write_bytes(cert, certificate.public_bytes(serialization.Encoding.PEM))


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert), str(key))
    return context


def client_context() -> ssl.SSLContext:
    """TLS without a certificate authority: the caller checks the pinned fingerprint (:func:`check_pin`)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def check_pin(sock: ssl.SSLSocket, pinned: str, address: str) -> None:
    """RemoteEngineError unless the peer's certificate has the ``pinned`` fingerprint."""
    der = sock.getpeercert(binary_form=True) or b""
    got = fingerprint_of(der) if der else _("none")
    if got != normalise_fingerprint(pinned):
        raise RemoteEngineError(_("The engine at {address} showed a certificate with fingerprint {got}, not the "
                                  "pinned {pinned}: refused, the token was not sent. If the engine made a new "
                                  "certificate, copy its fingerprint into Settings → Engine.").format(
            address=address, got=got, pinned=normalise_fingerprint(pinned) or pinned))
