"""The ``evaluate`` job: figures for a set of images or texts (see ``studio.core.evaluation``).

Images: each is embedded once with CLIP; its score is against ``spec.prompt``, else the prompt in
its own studio/A1111 metadata; diversity and FID/KID come from the same embeddings. Texts: the
model-free metrics, and perplexity under the reference LM. The report is the job's info, and a
JSON file among its outputs (so the history keeps it).
"""
from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path
from typing import Callable

import torch

from studio.core.atomic import atomic_write_text
from studio.core.models.builtin_text import SMOLLM2_NAME
from studio.core.errors import JobCancelled, ModelError, SpecError, StudioError
from studio.core.evaluation import (MAX_TEXT_BYTES, EvaluationError, EvaluationReport, Inputs, collect_inputs,
                                    nothing_readable, skipped_note, text_figures)
from studio.core.i18n import _
from studio.core.image_io import open_rgb
from studio.core.pngmeta import read_png_parameters
from studio.core.progress import CancelToken, Reporter
from studio.core.specs.prompt_weights import strip_weights
from studio.core.results import EvaluateResult, GridCell
from studio.core.specs.training import EvaluateSpec
from studio.core.specs.image import ImageSpec
from studio.core.specs.serial import spec_to_dict
from studio.core.models.vocabulary import model_prompt, vocabulary_of
from studio.engines.common.clip_model import Clip, load_clip
from studio.engines.context import EngineContext
from studio.engines.common import metrics
from studio.engines.launch import Launch, LaunchLost, kept_in, merge_indexed
from studio.engines.output_files import output_path

MAX_REFERENCE = 2000
NO_LM = "none"


def _own_prompt(path: Path, ctx: EngineContext) -> str:
    """The prompt a PNG's metadata carries ("" when none), in the words its model learnt: a Chinese
    prompt for Studio Fashion is scored as the English one it drew (as the score made at generation)."""
    if path.suffix.lower() != ".png":
        return ""
    try:
        spec = read_png_parameters(path)
    except (SpecError, OSError):
        return ""
    if not isinstance(spec, ImageSpec) or not spec.model:
        return spec.prompt
    try:
        entry = ctx.registry.resolve(spec.model, task="image")
    except ModelError:  # a model not installed here: its prompt as written
        return spec.prompt
    return model_prompt(vocabulary_of(entry), spec.prompt)


Skipped = list[dict[str, str]]


def embed_files(clip: Callable[[], Clip], files: list[Path], reporter: Reporter, cancel: CancelToken,
                label: str) -> tuple[torch.Tensor | None, list[tuple[int, int]], list[Path], Skipped]:
    """CLIP embeddings (N, D) of the readable image files, their sizes, those files, and the unreadable ones
    with their reason; progress per image. The embeddings are None when none is readable (``clip`` gives the
    CLIP; it is called at the first readable image, so a folder of damaged files loads no model)."""
    feats, sizes, kept, skipped = [], [], [], []
    for i, f in enumerate(files):
        cancel.raise_if_cancelled()
        try:
            image = open_rgb(f)
        except StudioError as exc:
            skipped.append({"path": str(f), "reason": str(exc)})
        else:
            sizes.append(image.size)
            feats.append(clip().encode_images([image]))
            kept.append(f)
        reporter.progress(i + 1, len(files), label)
    return (torch.cat(feats) if feats else None), sizes, kept, skipped


def _reference_source(ctx: EngineContext, reference: str) -> tuple[str, int]:
    """(folder or bundled dataset name, image size) for ``reference``: as given, or a studio model's data."""
    from studio.engines.datasets.base import BUNDLED

    if Path(reference).expanduser().is_dir() or reference.strip().lower() in BUNDLED + ("fashion", "mnist"):
        return reference, 32
    entry = ctx.registry.resolve(reference)
    card_path = Path(entry.path) / "studio_model.json"
    try:
        card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else {}
    except (OSError, ValueError):
        card = {}
    data = str(card.get("dataset") or "") if isinstance(card, dict) else ""
    if not data:
        raise EvaluationError(_("{name} was not trained by the studio, so it has no training data to compare with; "
                                "give a folder of reference images instead.").format(name=entry.name))
    size = card.get("size") if isinstance(card.get("size"), int) else 32
    return data, int(size)


def reference_features(ctx: EngineContext, clip: Clip, reference: str, reporter: Reporter,
                       cancel: CancelToken) -> tuple[torch.Tensor, str]:
    """CLIP embeddings of the reference images (at most MAX_REFERENCE) and what they are."""
    from studio.engines.datasets.base import load_dataset

    source, size = _reference_source(ctx, reference)
    folder = Path(source).expanduser()
    if folder.is_dir():
        inputs = collect_inputs([folder])
        if inputs.media != "image":
            raise EvaluationError(_("{folder} holds no images to compare with.").format(folder=folder))
        feats, _sizes, _kept, skipped = embed_files(lambda: clip, list(inputs.files[:MAX_REFERENCE]), reporter, cancel,
                                                     _("embedding reference images"))
        if feats is None:
            raise nothing_readable(skipped)
        return feats, str(folder)
    ds = load_dataset(source, size=size, limit=MAX_REFERENCE)
    n = min(len(ds), MAX_REFERENCE)
    g = torch.Generator().manual_seed(0)
    feats = []
    with torch.no_grad():
        for start in range(0, n, 64):
            cancel.raise_if_cancelled()
            x, _caps = ds.batch(torch.arange(start, min(n, start + 64)), g)
            feats.append(clip.image_features(x))
            reporter.progress(min(n, start + 64), n, _("embedding reference images"))
    return torch.cat(feats), source


def evaluate_images(spec: EvaluateSpec, inputs: Inputs, reporter: Reporter, cancel: CancelToken,
                    ctx: EngineContext) -> EvaluationReport:
    loaded: list[Clip] = []

    def get_clip() -> Clip:
        if not loaded:
            loaded.append(load_clip(ctx, spec.clip))
        return loaded[0]

    feats, sizes, files, skipped = embed_files(get_clip, list(inputs.files), reporter, cancel, _("embedding images"))
    if feats is None:
        raise nothing_readable(skipped)
    clip = get_clip()
    notes = [skipped_note(skipped, len(inputs.files))] if skipped else []
    if len(set(sizes)) > 1:
        notes.append(_("The images have {n} different sizes: each was resized and centre-cropped to CLIP's {size} px "
                       "square.").format(n=len(set(sizes)), size=clip.size))
    prompts = [strip_weights(spec.prompt) if spec.prompt else strip_weights(_own_prompt(f, ctx)) for f in files]
    scores: list[float | None] = [None] * len(files)
    wanted = sorted({p for p in prompts if p.strip()})
    if wanted:
        text_feats = dict(zip(wanted, clip.encode_texts(wanted)))
        for i, p in enumerate(prompts):
            if p.strip():
                scores[i] = round(100.0 * max(float(feats[i] @ text_feats[p]), 0.0), 3)
    unscored = sum(s is None for s in scores)
    if unscored:
        notes.append(_("{n} of {total} images have no prompt to score against (give one with --prompt).").format(
            n=unscored, total=len(files)))
    valid = [s for s in scores if s is not None]
    diversity = None
    if len(files) >= 2:
        diversity = metrics.diversity(feats)
    else:
        notes.append(_("Diversity needs at least two images (got one)."))
    fid = kid = None
    ref_name, ref_count = "", 0
    if spec.reference:
        ref, ref_name = reference_features(ctx, clip, spec.reference, reporter, cancel)
        ref_count = int(ref.shape[0])
        if len(files) < 2 or ref_count < 2:
            raise EvaluationError(_("FID and KID need at least two images on each side (got {n} and {m}).").format(
                n=len(files), m=ref_count))
        fid, kid = metrics.fid(feats, ref), metrics.kid(feats, ref)
    items = tuple({"path": str(f), "prompt": p, "clip_score": s, "width": w, "height": h}
                  for f, p, s, (w, h) in zip(files, prompts, scores, sizes))
    return EvaluationReport(media="image", count=len(files), clip_score=sum(valid) / len(valid) if valid else None,
                            diversity=diversity, fid=fid, kid=kid, clip=clip.name, reference=ref_name,
                            reference_count=ref_count, notes=tuple(notes), items=items, skipped=tuple(skipped))


def _read_text(path: Path) -> str:
    """The text of ``path``; EvaluationError (its reason) when unreadable or larger than MAX_TEXT_BYTES."""
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise EvaluationError(_("{name} is {mb:.0f} MB; texts up to {limit} MB are evaluated.").format(
                name=path.name, mb=size / 2**20, limit=MAX_TEXT_BYTES >> 20))
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise EvaluationError(_("{path} cannot be read ({reason}).").format(path=path, reason=exc.strerror)) from exc


def perplexities(ctx: EngineContext, name: str, texts: list[str], reporter: Reporter,
                 cancel: CancelToken) -> tuple[list[float | None], float | None, str]:
    """Per-text perplexity, the set's (token-weighted) perplexity, and the LM's name."""
    from studio.engines.text.loader import get_text_model

    entry = ctx.registry.resolve(name or SMOLLM2_NAME, task="text")
    lm = get_text_model(entry, ctx, reporter, cancel)
    per: list[float | None] = []
    total_nll, total_tokens = 0.0, 0
    for i, text in enumerate(texts):
        cancel.raise_if_cancelled()
        ids = lm.tokenizer(text, return_tensors="pt", truncation=True, max_length=lm.context_length).input_ids
        if lm.tokenizer.bos_token_id is not None and (ids.shape[1] == 0 or ids[0, 0] != lm.tokenizer.bos_token_id):
            ids = torch.cat([torch.tensor([[lm.tokenizer.bos_token_id]]), ids], 1)  # the first word is scored too
        n = ids.shape[1] - 1
        if n < 1:
            per.append(None)
        else:
            with torch.inference_mode():
                loss = float(lm.model(input_ids=ids.to(lm.model.device), labels=ids.to(lm.model.device)).loss)
            per.append(math.exp(loss))
            total_nll, total_tokens = total_nll + loss * n, total_tokens + n
        reporter.progress(i + 1, len(texts), _("perplexity under {name}").format(name=lm.name))
    return per, (math.exp(total_nll / total_tokens) if total_tokens else None), lm.name


def evaluate_texts(spec: EvaluateSpec, inputs: Inputs, reporter: Reporter, cancel: CancelToken,
                   ctx: EngineContext) -> EvaluationReport:
    from studio.core.evaluation import words

    files, texts, skipped = [], [], []
    for f in inputs.files:
        try:
            texts.append(_read_text(f))
            files.append(f)
        except EvaluationError as exc:
            skipped.append({"path": str(f), "reason": str(exc)})
    if not files:
        raise nothing_readable(skipped)
    figures = text_figures(texts)
    notes = [skipped_note(skipped, len(inputs.files))] if skipped else []
    per: list[float | None] = [None] * len(texts)
    ppl, lm_name = None, ""
    if spec.language_model.strip().lower() != NO_LM:
        per, ppl, lm_name = perplexities(ctx, spec.language_model, texts, reporter, cancel)
    if not any(t.strip() for t in texts):
        notes.append(_("Every text is empty."))
    items = tuple({"path": str(f), "perplexity": p, "length": len(words(t))} for f, p, t in zip(files, per, texts))
    return EvaluationReport(media="text", count=len(files), perplexity=ppl, language_model=lm_name,
                            notes=tuple(notes), items=items, skipped=tuple(skipped), **figures)


def generate_images(spec: EvaluateSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext,
                    made: list[tuple[int, GridCell]], launch: Launch | None = None) -> None:
    """``spec.per_prompt`` images per prompt from ``spec.model``, each an ordinary image job of the image engine
    (saved with its parameters) at the model's recommended settings, without its viewing upscale: each appended
    to ``made`` with its index as it is drawn (so a cancel keeps the finished ones). Under a launch, this
    process's share of them."""
    from studio.core.models.recommended import recommended_image_spec
    from studio.core.specs.base import MAX_SEED
    from studio.engines.diffusion.generate import run as generate
    from studio.engines.grid import CellReporter

    from studio.core.models.caps import DIFFUSION_TYPES

    entry = ctx.registry.resolve(spec.model, task="image")
    if entry.type not in DIFFUSION_TYPES:
        raise SpecError(_("{model} does not draw from a prompt: evaluate its images from a folder instead.").format(
            model=entry.title))
    jobs = [recommended_image_spec(entry, prompt, (spec.seed + k) % (MAX_SEED + 1), upscale="")
            for prompt in spec.prompts for k in range(spec.per_prompt)]
    mine = (launch or Launch()).share(len(jobs))
    for j, i in enumerate(mine):
        cancel.raise_if_cancelled()
        label = _("generating image {i} of {n}").format(i=j + 1, n=len(mine))
        result = generate(jobs[i], CellReporter(reporter, j, len(mine), label), cancel, ctx)
        if result.cancelled or not result.outputs:
            raise JobCancelled()
        made.append((i, GridCell(spec=spec_to_dict(jobs[i]), output=result.outputs[0], clip_score=result.clip_score,
                                 seconds=result.seconds, model=result.model, clip=result.clip)))
        if launch is not None:
            launch.maybe_die(len(made))


def generate_shared(spec: EvaluateSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext,
                    launch: Launch) -> tuple[list[GridCell], bool]:
    """Every process's generated images in order (this process's share made here), and whether any stopped."""
    mine: list[tuple[int, GridCell]] = []
    stopped = False
    try:
        generate_images(spec, reporter, cancel, ctx, mine, launch)
    except JobCancelled:
        stopped = True
    try:
        shares = launch.gather((mine, stopped))  # also the barrier: every image is saved
    except LaunchLost as exc:
        raise kept_in(exc, ctx.outputs) from exc
    return merge_indexed([part for part, _s in shares]), any(s for _part, s in shares)


def _scored(spec: EvaluateSpec, made: list[GridCell], report: EvaluationReport) -> tuple[GridCell, ...]:
    """The generated images with the evaluation's CLIP scores (the figures the report shows) when those are
    against each image's own prompt; against a shared ``--prompt``, the image engine's own scores stay."""
    if spec.prompt:
        return tuple(made)
    scores = {str(Path(str(item.get("path")))): item.get("clip_score") for item in report.items}
    return tuple(dataclasses.replace(c, clip_score=float(score), clip=report.clip)
                 if isinstance(score := scores.get(str(Path(c.output))), (int, float)) else c for c in made)


def run(spec: EvaluateSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> EvaluateResult:
    """Score the inputs, or generate the images first (under a launch each process its share; the main
    process scores them all and writes the report)."""
    t0 = time.perf_counter()
    spec.validate()
    made: list[GridCell] = []
    try:
        if spec.generates():
            launch = Launch.start(ctx)
            made, stopped = generate_shared(spec, reporter, cancel, ctx, launch)
            if not launch.is_main:
                return EvaluateResult(cancelled=stopped)
            if stopped:
                raise JobCancelled()
        inputs = collect_inputs([c.output for c in made] or spec.inputs)
        evaluate = evaluate_images if inputs.media == "image" else evaluate_texts
        report = evaluate(spec, inputs, reporter, cancel, ctx)
    except JobCancelled:
        return EvaluateResult(cancelled=True, outputs=tuple(c.output for c in made), generated=tuple(made))
    report = EvaluationReport.from_dict({**report.to_dict(), "seconds": round(time.perf_counter() - t0, 3)})
    for note in report.notes:
        reporter.log(note)
    out = output_path(ctx.outputs, "evaluation", ".json")
    atomic_write_text(out, json.dumps(report.to_dict(), ensure_ascii=False, indent=1) + "\n")
    # The generated images are outputs too: the history lists them, each with its own parameters (``generated``).
    generated = _scored(spec, made, report)
    return EvaluateResult(outputs=(str(out), *(c.output for c in generated)), report=report.to_dict(),
                          model=spec.model, generated=generated)
