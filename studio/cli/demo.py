"""`demo`: what `dev.py run` does without a display — an image and a short text from the default models."""
from __future__ import annotations

import sys
from pathlib import Path

from studio.core.atomic import atomic_write_text
from studio.core.errors import StudioError, user_message
from studio.core.i18n import _
from studio.core.recommended import recommended_image_spec
from studio.core.specs import TextSpec

DEMO_IMAGE_PROMPT = "a red sneaker"
DEMO_TEXT_PROMPT = "Write one sentence describing a red sneaker for an online shop."


def register(sub) -> None:
    p = sub.add_parser("demo", help="headless demo: one image and one short text from the default models")
    p.add_argument("--steps", type=int, default=None, help="default: what the model recommends")
    p.add_argument("--max-new-tokens", type=int, default=48)
    p.set_defaults(func=run_demo)


def run_demo(args) -> int:
    from studio.cli.common import engine_context, run_in_process
    from studio.cli.gen_text import TextConsoleReporter

    ctx = engine_context()
    failures = 0
    image_model = ctx.registry.default("image")
    if image_model is None:
        print(_("demo: no image model installed (see `python main.py models list`)"), file=sys.stderr)
        failures += 1
    else:
        print(_("Generating an image with {name!r}: {prompt!r}").format(
            name=image_model.name, prompt=DEMO_IMAGE_PROMPT), file=sys.stderr)
        try:
            res = run_in_process(recommended_image_spec(image_model, DEMO_IMAGE_PROMPT, seed=1, steps=args.steps),
                                 ctx)
            for path in res.outputs:
                print(_("image written: {path}").format(path=path))
        except StudioError as exc:
            print(_("demo: image failed: {reason}").format(reason=user_message(exc)), file=sys.stderr)
            failures += 1
    text_model = ctx.registry.default("text")
    if text_model is None:
        print(_("demo: no text model installed"), file=sys.stderr)
        return 1
    print("\n" + _("Generating text with {name!r}: {prompt!r}").format(name=text_model.name, prompt=DEMO_TEXT_PROMPT),
          file=sys.stderr)
    try:
        res = run_in_process(TextSpec(prompt=DEMO_TEXT_PROMPT, model=text_model.name, chat=True,
                                      messages=(("user", DEMO_TEXT_PROMPT),), max_new_tokens=args.max_new_tokens,
                                      temperature=0.0, seed=1), ctx,
                             reporter=TextConsoleReporter())  # the text alone on stdout, progress on stderr
        out = Path(ctx.paths.outputs) / "demo-text.txt"
        atomic_write_text(out, res.text)
        print("\n" + _("text written: {out}").format(out=out))
    except StudioError as exc:
        print(_("demo: text failed: {reason}").format(reason=user_message(exc)), file=sys.stderr)
        failures += 1
    return 1 if failures else 0
