"""`demo`: what `dev.py run` does without a display — an image and a short text from the default models."""
from __future__ import annotations

import sys
from pathlib import Path

from studio.core.atomic import atomic_write_text
from studio.core.errors import StudioError, user_message
from studio.core.i18n import _, current_language
from studio.core.models.recommended import recommended_image_spec
from studio.core.specs.text import TextSpec

DEMO_IMAGE_PROMPT = "a red sneaker"
DEMO_TEXT_PROMPT = "Write one sentence describing a red sneaker for an online shop."
DEMO_PROMPTS = {"en": (DEMO_IMAGE_PROMPT, DEMO_TEXT_PROMPT),
                "zh_CN": ("一只红色的运动鞋", "用一句话为网店描述一双红色的运动鞋。")}
"""(image prompt, text prompt) per language: prompts are content, written in the language (the Chinese image
prompt uses Studio Fashion's Chinese words, see studio.core.models.vocabulary), not catalogue entries."""


DEMO_TEXT_SEED = 6
"""The demo's answer is sampled (the studio's defaults: temperature, top-p/k, repetition penalty, the
repetition guard) through the chat template; greedy decoding loops on the built-in model ("A classic red
sneaker, a classic red sneaker, …"). This seed gives a sentence about the sneaker with the built-in SmolLM2 both in an engine host (`main.py
demo`) and in one process (the tests), whose thread counts differ and so sample differently."""


def demo_text_spec(model: str, prompt: str, max_new_tokens: int = 48) -> TextSpec:
    """The demo's (and a first-time user's) text job: a chat message, sampled with a fixed seed."""
    return TextSpec(prompt=prompt, model=model, chat=True, messages=(("user", prompt),),
                    max_new_tokens=max_new_tokens, seed=DEMO_TEXT_SEED)


def demo_prompts(language: str | None = None) -> tuple[str, str]:
    """The demo's prompts in ``language`` (default: the language the CLI speaks)."""
    return DEMO_PROMPTS.get(language or current_language(), DEMO_PROMPTS["en"])


def register(sub) -> None:
    p = sub.add_parser("demo", help=_("headless demo: one image and one short text from the default models"))
    p.add_argument("--steps", type=int, default=None, help=_("default: what the model recommends"))
    p.add_argument("--max-new-tokens", type=int, default=48)
    p.set_defaults(func=run_demo)


def run_demo(args) -> int:
    from studio.cli.submit import job_context, run_job
    from studio.cli.gen_text import TextConsoleReporter, say_if_english_only

    with job_context() as ctx:
        failures = 0
        image_prompt, text_prompt = demo_prompts()
        image_model = ctx.registry.default("image")
        if image_model is None:
            print(_("demo: no image model installed (see `python main.py models list`)"), file=sys.stderr)
            failures += 1
        else:
            print(_("Generating an image with {name!r}: {prompt!r}").format(
                name=image_model.name, prompt=image_prompt), file=sys.stderr)
            try:
                res = run_job(recommended_image_spec(image_model, image_prompt, seed=1, steps=args.steps), ctx)
                for path in res.outputs:
                    print(_("image written: {path}").format(path=path))
            except StudioError as exc:
                print(_("demo: image failed: {reason}").format(reason=user_message(exc)), file=sys.stderr)
                failures += 1
        text_model = ctx.registry.default("text")
        if text_model is None:
            print(_("demo: no text model installed"), file=sys.stderr)
            return 1
        print("\n" + _("Generating text with {name!r}: {prompt!r}").format(name=text_model.name, prompt=text_prompt),
              file=sys.stderr)
        try:
            reporter = TextConsoleReporter()  # the text alone on stdout, progress on stderr
            spec = demo_text_spec(text_model.name, text_prompt, args.max_new_tokens)
            say_if_english_only(ctx, spec)  # the Chinese demo prompt to the built-in model: one line says so
            res = run_job(spec, ctx, reporter=reporter)
            reporter.end_text()
            out = Path(ctx.paths.outputs) / "demo-text.txt"
            atomic_write_text(out, res.text)
            print("\n" + _("text written: {out}").format(out=out))
        except StudioError as exc:
            print(_("demo: text failed: {reason}").format(reason=user_message(exc)), file=sys.stderr)
            failures += 1
    return 1 if failures else 0
