"""`generate text`: complete a prompt or answer a chat message with a local LLM, streamed to stdout."""
from __future__ import annotations

import argparse
import sys

from studio.core.i18n import _
from studio.core.progress import ConsoleReporter
from studio.core.results import TextResult
from studio.core.specs.base import SAMPLING_REPETITION_PENALTY, random_seed
from studio.core.specs.text import TextSpec


class TextConsoleReporter(ConsoleReporter):
    """Shows the loading/conversion bar, then only the streamed text (a bar would garble it)."""

    def __init__(self) -> None:
        super().__init__()
        self.streaming = False
        self._bar_shown = False
        self._mid_line = False  # streamed text not ended by a newline yet

    def progress(self, done: int, total: int, message: str = "") -> None:
        if message == "generating":  # the engine's signal that loading is over
            self.streaming = True
        if not self.streaming:
            self._bar_shown = not (total > 0 and done >= total)  # a finished bar has ended its line itself
            super().progress(done, total, message)

    def text(self, chunk: str) -> None:
        if self._bar_shown and self._tty:
            print(file=self._stream, flush=True)  # leave the bar's line before the text starts
        self._bar_shown = False
        super().text(chunk)
        self._mid_line = not chunk.endswith("\n")

    def end_text(self) -> None:
        """End the streamed text's line (before a note, and at the end)."""
        if self._mid_line:
            print(file=self._text_stream, flush=True)
            self._mid_line = False

    def log(self, message: str) -> None:
        self.end_text()
        super().log(message)


def register(kinds) -> None:
    p = kinds.add_parser("text", help=_("generate text with a local language model (streams to stdout)"),
                         description=_("Continue --prompt (completion) or answer it as a chat message (--chat). "
                                     "Without --model the built-in SmolLM2-135M-Instruct is used."))
    p.add_argument("--prompt", default=None, help=_("the text to continue, or the chat message with --chat"))
    p.add_argument("--template", metavar="NAME", help=_("a content template (poem, story, marketing_copy, … as in the "
                   "Text workspace's Templates…, in the studio's language) asked in chat; fill it with --field"))
    p.add_argument("--field", action="append", default=[], metavar="NAME=VALUE",
                   help=_("a template field, e.g. --field topic='autumn rain' (repeatable)"))
    p.add_argument("--model", default="", help=_("model name (see `models list`), folder or .gguf file"))
    p.add_argument("--system", default="", help=_("system prompt (chat mode)"))
    p.add_argument("--chat", action="store_true", help=_("use the model's chat template (instruction models)"))
    p.add_argument("--max-new-tokens", type=int, default=None, metavar="N",
                   help=_("most tokens to generate (256, or the template's)"))
    p.add_argument("--temperature", type=float, default=None, metavar="F",
                   help=_("0 = greedy, deterministic (0.7, or the template's)"))
    p.add_argument("--top-p", type=float, default=0.95, metavar="F", help=_("nucleus sampling (0.95)"))
    p.add_argument("--top-k", type=int, default=50, metavar="N", help=_("sample among the N likeliest tokens; 0 = all (50)"))
    p.add_argument("--min-p", type=float, default=0.0, metavar="F", help=_("drop tokens below F × the top probability (0)"))
    p.add_argument("--repetition-penalty", type=float, default=None, metavar="F",
                   help=_("1 = none (default: {penalty} when sampling, none when greedy)").format(
                       penalty=f"{SAMPLING_REPETITION_PENALTY:g}"))
    p.add_argument("--seed", type=int, default=None, metavar="N",
                   help=_("random seed (default: random, printed; greedy decoding at temperature 0 needs none)"))
    p.add_argument("--stop", action="append", default=[], metavar="TEXT", help=_("stop at this text (repeatable)"))
    p.set_defaults(func=run_command)


def template_prompt(args: argparse.Namespace) -> tuple[str, str, float, int]:
    """(prompt, system, temperature, max new tokens) of ``--template`` filled with ``--field``s; SpecError or
    StudioError (one line) for an unknown template or field, or a required field left out."""
    from studio.core.errors import SpecError
    from studio.core.paths import StudioPaths
    from studio.core.text_templates import TemplateStore, render

    store = TemplateStore.for_paths(StudioPaths.from_env())
    names = [t.name for t in store.all()]
    if args.template not in names:
        raise SpecError(_("No text template named {name!r}; the templates are: {names}.").format(
            name=args.template, names=", ".join(names)))
    template = store.get(args.template)
    values: dict[str, str] = {}
    for item in args.field:
        name, sep, value = item.partition("=")
        if not sep or name.strip() not in template.field_names():
            raise SpecError(_("A field is NAME=VALUE with NAME one of {names} (got {item!r}).").format(
                names=", ".join(template.field_names()), item=item))
        values[name.strip()] = value
    return render(template, values), template.system, template.temperature, template.max_new_tokens


def spec_from_args(args: argparse.Namespace) -> TextSpec:
    from studio.core.errors import SpecError

    prompt, system, temperature, max_new = args.prompt, args.system, 0.7, 256
    chat = bool(args.chat or args.system)
    if args.template:
        prompt, template_system, temperature, max_new = template_prompt(args)
        system, chat = args.system or template_system, True
        print(_("template {name}: {prompt}").format(name=args.template, prompt=prompt), file=sys.stderr)
    elif prompt is None:
        raise SpecError(_("Give --prompt (or --template with its --field values)."))
    temperature = temperature if args.temperature is None else args.temperature
    max_new = max_new if args.max_new_tokens is None else args.max_new_tokens
    greedy = temperature <= 0
    seed = (0 if greedy else random_seed()) if args.seed is None else args.seed
    return TextSpec(prompt=prompt, model=args.model, system=system, chat=chat,
                    max_new_tokens=max_new, temperature=temperature, top_p=args.top_p,
                    top_k=args.top_k, min_p=args.min_p, repetition_penalty=args.repetition_penalty, seed=seed,
                    stop=tuple(args.stop))


def say_if_english_only(ctx, spec: TextSpec) -> None:
    """One line on stderr when the prompt is Chinese and the model reads English only (and where to get one
    that reads Chinese)."""
    from studio.core.errors import StudioError
    from studio.core.language import mostly_chinese, reads_only_english

    prompt = " ".join([spec.prompt, *(c for r, c in spec.messages if r == "user")])
    if not mostly_chinese(prompt):
        return
    try:
        entry = ctx.registry.resolve(spec.model, task="text")
    except StudioError:
        return  # the job says what is wrong with the model
    if reads_only_english((entry.details or {}).get("languages")):
        print(_("note: the prompt is Chinese but {model} reads English only; models that read Chinese: "
                "`python main.py models recommended --language zh`").format(model=entry.name), file=sys.stderr)


def chinese_model_for_template(ctx, spec: TextSpec, args: argparse.Namespace) -> TextSpec:
    """A template asked in Chinese without --model goes to an installed model that reads Chinese."""
    from studio.core.language import mostly_chinese
    from studio.core.models.recommended import chinese_text_model

    if not args.template or args.model or not mostly_chinese(spec.prompt):
        return spec
    entry = chinese_text_model(ctx.registry.scan())
    if entry is None:
        return spec
    print(_("template {name}: asked in Chinese, so {model} (which reads Chinese) answers").format(
        name=args.template, model=entry.name), file=sys.stderr)
    return spec.replace(model=entry.name)


def run_command(args: argparse.Namespace) -> int:
    from studio.cli.submit import job_context, run_job

    spec = spec_from_args(args)
    spec.validate()
    with job_context() as ctx:
        spec = chinese_model_for_template(ctx, spec, args)
        say_if_english_only(ctx, spec)
        reporter = TextConsoleReporter()
        result = run_job(spec, ctx, reporter=reporter, allow_flagged=args.allow_flagged)
    reporter.end_text()  # the streamed text has no final newline
    if result.cancelled or not isinstance(result, TextResult):
        print(_("cancelled"), file=sys.stderr)
        return 130
    # greedy text does not depend on a seed
    how = _("greedy") if spec.greedy else _("seed {seed}").format(seed=spec.seed)
    print(_("{model}: {new_tokens} tokens, {tokens_per_s} tokens/s, {tokens_used}/{context_length} context, "
            "{how}").format(
        model=f"{result.model} ({result.precision})" if result.precision else result.model,
        new_tokens=result.new_tokens, tokens_per_s=result.tokens_per_s,
        tokens_used=result.tokens_used, context_length=result.context_length, how=how), file=sys.stderr)
    return 0
