"""`self-test`: offline end-to-end checks of an install (source checkout or the bundled app).

Each check runs one real job through ``studio.host.dispatch.run_spec`` with the registry's
default model for its task (or, ``scan``, the model manager's scan), in a temporary studio home that
is deleted afterwards, and prints one PASS/FAIL line. Everything runs under the network guard in its
strict mode (:mod:`studio.core.netguard`), and a last ``network`` line fails when anything tried to
connect during the checks (the attempts are in the audit log, ``main.py network log``). Engines
plugged in through ``AIGC_STUDIO_ENGINES`` are checked like the built-in ones. The exit code is
non-zero when any check fails (a missing default model is a failure: the installed app is meant to
work on first launch with its built-in models).
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from studio.core import netguard
from studio.core.about import format_version_info, version_info
from studio.core.errors import StudioError, user_message
from studio.core.i18n import _
from studio.core.paths import HOME_ENV
from studio.core.progress import CancelToken, NullReporter
from studio.core.models.recommended import recommended_image_spec
from studio.core.results import JobResult
from studio.core.specs.image import GanSpec, UpscaleSpec
from studio.core.specs.base import Spec
from studio.core.specs.text import TextSpec

if TYPE_CHECKING:
    from studio.core.models.registry import ModelEntry
    from studio.engines.context import EngineContext

log = logging.getLogger(__name__)

IMAGE_PROMPT = "a red sneaker"
TEXT_PROMPT = "Say hello in one short sentence."
UPSCALE_INPUT_SIDE = 32
CHECKS = ("image", "text", "upscale", "scan")
# Hub libraries must not even try the network; the self-test proves the app works without it.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}


class CheckFailed(StudioError):
    """A check ran but its result is wrong (message says what a user would see)."""


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    seconds: float

    def line(self) -> str:
        return f"{'PASS' if self.ok else 'FAIL'} {self.name:<8} {self.seconds:6.1f} s  {self.detail}"


def register(sub) -> None:
    p = sub.add_parser("self-test", help=_("offline end-to-end checks: image, text, upscale and a model scan with the "
                                           "built-in models, under the network guard"),
                       description=_("`self-test`: offline end-to-end checks of an install (source checkout or the bundled app)."))
    p.add_argument("--steps", type=int, default=4, help=_("diffusion steps for the image check (default 4)"))
    p.add_argument("--max-new-tokens", type=int, default=8, help=_("tokens for the text check (default 8)"))
    p.add_argument("--device", default="", help=_("cpu, cuda or mps (default: the best available)"))
    p.add_argument("--only", default="", metavar="CHECKS",
                   help=_("comma-separated subset of the checks to run ({checks}; default: all)").format(checks=", ".join(CHECKS)))
    p.add_argument("--keep", action="store_true", help=_("keep the temporary studio home and print where it is"))
    p.set_defaults(func=run_selftest)


def run_selftest(args) -> int:
    wanted = [c.strip() for c in args.only.split(",") if c.strip()] or list(CHECKS)
    unknown = sorted(set(wanted) - set(CHECKS))
    if unknown:
        raise StudioError(_("Unknown check {unknown}; choose from {choices}.").format(
            unknown=', '.join(unknown), choices=', '.join(CHECKS)))
    info = version_info()
    print(format_version_info(info), flush=True)
    started = time.monotonic()
    if not netguard.installed():  # (main.py installed it; a direct call guards here)
        from studio.core.paths import StudioPaths

        netguard.install(StudioPaths.from_env(), "self-test")
    before = len(netguard.session_records())
    with _temporary_home(keep=args.keep) as home, netguard.strict():
        print(_("temporary studio home: {home}").format(home=home) + "\n", flush=True)
        ctx = _engine_context(home, args.device)
        from studio.host.process import _apply_engine_overrides

        _apply_engine_overrides()  # plug-ins are part of what is checked
        checks: dict[str, Callable[[], str]] = {
            "image": lambda: check_image(ctx, home, args.steps),
            "text": lambda: check_text(ctx, args.max_new_tokens),
            "upscale": lambda: check_upscale(ctx, home),
            "scan": lambda: check_scan(ctx),
        }
        results = [_run_check(name, checks[name]) for name in CHECKS if name in wanted]
        results.append(_run_check("network", lambda: check_network(before)))
    failed = [r for r in results if not r.ok]
    total = time.monotonic() - started
    print("\n" + _("self-test: {passed} passed, {failed} failed on {device} in {total:.1f} s").format(
        passed=len(results) - len(failed), failed=len(failed), device=ctx.device, total=total), flush=True)
    return 1 if failed else 0


@contextmanager
def _temporary_home(keep: bool) -> Iterator[Path]:
    """A fresh studio home (and offline hub settings) for the duration of the checks."""
    root = Path(tempfile.mkdtemp(prefix="aigc-selftest-"))
    home = root / "home"
    home.mkdir()
    # Only the built-in models count: the user's hub cache is hidden along with their studio home.
    overrides = {HOME_ENV: str(home), "HF_HOME": str(root / "hf-home"), "HF_HUB_CACHE": str(root / "hf-home" / "hub"),
                 **OFFLINE_ENV}
    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    try:
        yield home
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        if keep:
            print(_("kept: {root}").format(root=root))
        else:
            shutil.rmtree(root, ignore_errors=True)


def _engine_context(home: Path, device: str) -> "EngineContext":
    from studio.core.paths import StudioPaths
    from studio.core.settings import Settings
    from studio.engines.context import EngineContext

    return EngineContext.create(StudioPaths(home), Settings(), device=device or None)


def _run_check(name: str, fn: Callable[[], str]) -> CheckResult:
    t0 = time.monotonic()
    try:
        ok, detail = True, fn()
    except StudioError as exc:  # CheckFailed included
        ok, detail = False, user_message(exc)
    except Exception as exc:  # any crash is a failed check, not a crashed self-test
        log.exception("self-test check %s crashed", name)
        ok, detail = False, user_message(exc)
    result = CheckResult(name, ok, detail, time.monotonic() - t0)
    print(result.line(), flush=True)
    return result


def _default_model(ctx: "EngineContext", task: str) -> "ModelEntry":
    entry = ctx.registry.default(task)
    if entry is None:
        raise CheckFailed(_("no default {task} model installed (`models list` shows what the registry finds)").format(
            task=task))
    return entry


def _run(ctx: "EngineContext", spec: Spec) -> JobResult:
    from studio.host.dispatch import run_spec

    result = run_spec(spec, NullReporter(), CancelToken(), ctx)
    if result.cancelled:
        raise CheckFailed(_("the job stopped as cancelled although nobody cancelled it"))
    return result


def _output_image(result: JobResult, home: Path):
    """The job's first output, checked to be a readable image written under the studio home."""
    from PIL import Image

    if not result.outputs:
        raise CheckFailed(_("the job finished without writing an image"))
    path = Path(result.outputs[0])
    if not path.is_file():
        raise CheckFailed(_("the reported output {path} does not exist").format(path=path))
    if home.resolve() not in path.resolve().parents:
        raise CheckFailed(_("the output {path} was written outside the studio home {home}").format(
            path=path, home=home))
    with Image.open(path) as im:
        im.load()
        return path, im.copy()


def _is_blank(image) -> bool:
    """True for a single-colour image (what NaNs or a broken decoder produce)."""
    extrema = image.convert("RGB").getextrema()
    return all(lo == hi for lo, hi in extrema)


def check_image(ctx: "EngineContext", home: Path, steps: int) -> str:
    entry = _default_model(ctx, "image")
    if entry.type == "gan":  # unconditional: a seed instead of a prompt, on its own engine
        spec: Spec = GanSpec(model=entry.name, seeds=(1,))
    else:
        spec = recommended_image_spec(entry, IMAGE_PROMPT, seed=1, steps=steps)
    result = _run(ctx, spec)
    path, image = _output_image(result, home)
    if _is_blank(image):
        raise CheckFailed(_("{name}: the image is a single flat colour").format(name=entry.name))
    return f"{entry.name}: {image.width}x{image.height} image -> {path.name}"


def check_text(ctx: "EngineContext", max_new_tokens: int) -> str:
    entry = _default_model(ctx, "text")
    result = _run(ctx, TextSpec(prompt=TEXT_PROMPT, model=entry.name, chat=True,
                                messages=(("user", TEXT_PROMPT),), max_new_tokens=max_new_tokens,
                                temperature=0.0, seed=1))
    text = result.text.strip()
    if not text:
        raise CheckFailed(_("{name}: no text was generated").format(name=entry.name))
    runner = getattr(result, "runner", "")
    if entry.type == "gguf" and runner != "llama.cpp":
        raise CheckFailed(_("{name}: the GGUF did not run with llama.cpp").format(name=entry.name))
    shown = text.replace("\n", " ")
    return f"{entry.name} ({runner}): {shown[:60]!r}"


def check_upscale(ctx: "EngineContext", home: Path) -> str:
    from PIL import Image, ImageDraw

    entry = _default_model(ctx, "upscale")
    side = UPSCALE_INPUT_SIDE
    source = home / "selftest-input.png"
    im = Image.linear_gradient("L").resize((side, side)).convert("RGB")
    ImageDraw.Draw(im).ellipse((6, 6, side - 6, side - 6), outline=(220, 40, 40), width=3)
    im.save(source)
    result = _run(ctx, UpscaleSpec(image=str(source), model=entry.name))
    path, image = _output_image(result, home)
    scale = int(entry.details.get("scale", 0)) if entry.details else 0
    if scale and image.size != (side * scale, side * scale):
        raise CheckFailed(_("{name}: expected {side}x{side}, got {width}x{height}").format(
            name=entry.name, side=side * scale, width=image.width, height=image.height))
    if image.width <= side:
        raise CheckFailed(_("{name}: the output ({width}x{height}) is not larger than the input").format(
            name=entry.name, width=image.width, height=image.height))
    if _is_blank(image):
        raise CheckFailed(_("{name}: the upscaled image is a single flat colour").format(name=entry.name))
    return f"{entry.name}: {side}x{side} -> {image.width}x{image.height} -> {path.name}"


def check_scan(ctx: "EngineContext") -> str:
    """The model manager's scan of the home and the built-in models (it reads files, it never connects)."""
    entries = ctx.registry.scan()
    if not entries:
        raise CheckFailed(_("the model scan found no model, not even the built-in ones"))
    return _("{count} models found").format(count=len(entries))


def check_network(before: int) -> str:
    """Fails when anything tried to connect during the checks (refused by the guard, or let through)."""
    attempts = netguard.session_records()[before:]
    if attempts:
        first = attempts[0]
        raise CheckFailed(_("{count} connection attempt(s) during the self-test, the first to {target} by {by} "
                            "({event}; `main.py network log` lists them)").format(
            count=len(attempts), target=first.get("target"), by=first.get("by"), event=first.get("event")))
    return _("no connection attempted (network guard on)")
