"""CLIP-guided generation: optimise the latent of a GAN or VAE so CLIP finds the image matches the prompt.

Plain CLIP guidance finds adversarial latents: images the guiding CLIP scores highly that an independent
judge does not see as the garment asked for. Against that, what the CLIP-guidance literature (VQGAN+CLIP
practice) does:

- **A natural start**: ``candidates`` latents drawn from the seed are decoded and the CLIP ranks them; the
  best starts the optimisation (CLIP reranking, as DALL·E ranked its samples), so the run begins from an
  image the model really draws and only has to refine it, instead of pulling a random image a long way.
- **Augmented views**: each step CLIP scores VIEWS random views of the decoded image — a random crop
  (70–100 % of the side, resized back), a cutout (a grey rectangle) on half of them, and Gaussian pixel
  noise — and the loss is their mean similarity, so no pixel-exact pattern can win.
- **A stronger latent prior**: after every Adam step the latent is put back on the shell a Gaussian sample
  lives on (norm √d), and values beyond ±2.5 are penalised (``prior_weight``), so the generator stays in
  the range it was trained on.
- **Early stopping on held-out views**: HELD_OUT views with augmentations drawn once (never optimised on)
  measure each step's image; the latent they like best is kept, and the run stops when they have not
  improved for PATIENCE steps.

Adam on the latent only; the model's weights never change. Every step streams a preview; the final image is
saved with its parameters, its CLIP score and the score the unguided start had.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.pngmeta import SCORE_CLIP_FIELD, SCORE_FIELD
from studio.core.progress import CancelToken, Reporter
from studio.core.models.registry import TYPE_LABELS, ModelEntry
from studio.core.results import GuidedResult
from studio.core.specs.image import GuidedSpec
from studio.engines.common.clip_model import Clip, load_clip
from studio.engines.context import EngineContext
from studio.engines.common.sampling import enlarge, latent_for_seed, to_images
from studio.engines.output_files import output_path, safe_stem, save_png

VIEWS = 8
"""Augmented views CLIP scores per step (their mean similarity is the objective)."""
HELD_OUT = 4
"""Views with fixed augmentations that only measure (early stopping, the kept latent)."""
PATIENCE = 20
"""Steps without a better held-out similarity before the run stops."""
CROP_MIN = 0.7
CUTOUT_P, CUTOUT_MAX = 0.5, 0.3
NOISE_MAX = 0.1
TAIL = 2.5
"""Latent values beyond ±TAIL are penalised (a standard normal has 1.2 % of them)."""
SEARCH_BATCH = 128
"""Candidate latents decoded and scored at once while choosing the start."""
SHIFT = 2  # pixels (at 32 px; scaled with the image): the plain guidance's shifted views
GUIDABLE = ("gan", "studio_vae", "vae")


@dataclass
class Latent:
    """A decoder from latent to image in [-1, 1] and the seed's starting latent."""

    decode: Callable[[torch.Tensor], torch.Tensor]
    start: torch.Tensor
    name: str
    entry: ModelEntry


def latent_model(ctx: EngineContext, spec: GuidedSpec) -> Latent:
    """The GAN / studio VAE / diffusers VAE named by the spec, with the seed's starting latent."""
    entry = ctx.registry.resolve(spec.model) if spec.model else ctx.registry.default("image")
    if entry is None:
        raise ModelError(_("Choose a GAN or VAE to guide."))
    if entry.type not in GUIDABLE:
        raise ModelError(_("{name} is a {kind} model: CLIP guidance optimises the latent of a GAN or a VAE "
                           "(a studio GAN or VAE, or a diffusers VAE).").format(
            name=entry.name, kind=TYPE_LABELS.get(entry.type, entry.type)))
    if entry.type in ("gan", "studio_vae"):
        from studio.engines.common.latent import load_generator

        gen, name = load_generator(ctx, entry.name)  # by name: a built-in GAN's path is its package file
        gen.eval().requires_grad_(False)
        start = latent_for_seed(spec.seed, gen.config.latent_dim)[None].to(ctx.device)
        return Latent(decode=gen, start=start, name=entry.title, entry=entry)
    from diffusers import AutoencoderKL

    def load():
        try:
            return AutoencoderKL.from_pretrained(entry.path, local_files_only=True).to(ctx.device).eval()
        except (OSError, ValueError) as exc:
            raise ModelError(_("The VAE {name} cannot be loaded: {error}").format(name=entry.name, error=exc)) from exc

    vae = ctx.cache.get_or_load(("vae", entry.path, ctx.device), load).requires_grad_(False)
    factor = 2 ** (len(vae.config.block_out_channels) - 1)
    g = torch.Generator().manual_seed(spec.seed)
    start = torch.randn(1, vae.config.latent_channels, spec.size // factor, spec.size // factor, generator=g)
    scaling = float(getattr(vae.config, "scaling_factor", 1.0) or 1.0)
    return Latent(decode=lambda z: vae.decode(z / scaling).sample.clamp(-1, 1), start=start.to(ctx.device),
                  name=entry.title, entry=entry)


def shifted_views(image: torch.Tensor, generator: torch.Generator, views: int = 4) -> torch.Tensor:
    """``views`` copies of a (1, C, H, W) image, the first as is, the others shifted by up to SHIFT px
    (the plain guidance's views; ``augmented_views`` is what guidance uses)."""
    shift = max(1, round(SHIFT * image.shape[-1] / 32))
    padded = F.pad(image, (shift,) * 4, mode="replicate")
    h, w = image.shape[-2:]
    offs = [[shift, shift]] + torch.randint(0, 2 * shift + 1, (views - 1, 2), generator=generator).tolist()
    return torch.cat([padded[..., dy:dy + h, dx:dx + w] for dy, dx in offs])


def augmented_views(image: torch.Tensor, generator: torch.Generator, views: int = VIEWS) -> torch.Tensor:
    """``views`` random views of a (1, C, H, W) image in [-1, 1]: a crop resized back, a cutout on some,
    Gaussian noise on all (differentiable with respect to the image)."""
    h, w = image.shape[-2:]
    out = []
    for _ in range(views):
        r = torch.rand(6, generator=generator).tolist()
        side = CROP_MIN + (1 - CROP_MIN) * r[0]
        ch, cw = max(2, round(h * side)), max(2, round(w * side))
        top, left = round((h - ch) * r[1]), round((w - cw) * r[2])
        view = F.interpolate(image[..., top:top + ch, left:left + cw], size=(h, w), mode="bilinear",
                             align_corners=False)
        if r[3] < CUTOUT_P:
            ph, pw = max(1, round(h * CUTOUT_MAX * r[4])), max(1, round(w * CUTOUT_MAX * r[5]))
            y0, x0 = torch.randint(0, h - ph + 1, (1,), generator=generator), torch.randint(0, w - pw + 1, (1,),
                                                                                             generator=generator)
            mask = torch.ones_like(view)
            mask[..., int(y0):int(y0) + ph, int(x0):int(x0) + pw] = 0
            view = view * mask  # grey (0 in [-1, 1]) where cut out
        sigma = NOISE_MAX * float(torch.rand(1, generator=generator))
        noise = torch.randn(view.shape, generator=generator).to(view.device) * sigma
        out.append(view + noise)
    return torch.cat(out)


def project(z: torch.Tensor) -> torch.Tensor:
    """``z`` on the shell a standard Gaussian sample of its size lives on (norm √d)."""
    return z * (z[0].numel() ** 0.5 / z.flatten(1).norm(dim=1).clamp(min=1e-8)).view(-1, *([1] * (z.dim() - 1)))


def tail_prior(z: torch.Tensor) -> torch.Tensor:
    return F.relu(z.abs() - TAIL).pow(2).mean()


def candidate_latents(latent: Latent, seed: int, count: int) -> torch.Tensor:
    """``count`` latents for a seed, the seed's own start first (the same on every machine)."""
    if count <= 1:
        return latent.start
    g = torch.Generator().manual_seed(seed + 104729)
    rest = torch.randn((count - 1, *latent.start.shape[1:]), generator=g).to(latent.start.device)
    return torch.cat([latent.start, rest])


def choose_start(latent: Latent, clip: Clip, text: torch.Tensor, spec: GuidedSpec, reporter: Reporter,
                 cancel: CancelToken) -> torch.Tensor | None:
    """The candidate latent whose image the CLIP ranks best for the prompt (None when cancelled)."""
    zs = candidate_latents(latent, spec.seed, spec.candidates)
    if len(zs) == 1:
        return zs
    scores = []
    with torch.no_grad():
        for i in range(0, len(zs), SEARCH_BATCH):
            if cancel.cancelled:
                return None
            scores.append((clip.image_features(latent.decode(zs[i:i + SEARCH_BATCH])) @ text.T).flatten())
            done = min(len(zs), i + SEARCH_BATCH)
            reporter.progress(done, len(zs), _("Choosing a start: {done} of {total} images ranked").format(
                done=done, total=len(zs)))
    best = int(torch.cat(scores).argmax())
    reporter.log(_("Start: image {n} of {total} drawn from the seed (the one CLIP ranks best)").format(
        n=best + 1, total=len(zs)))
    return zs[best:best + 1]


def guide(latent: Latent, clip: Clip, spec: GuidedSpec, reporter: Reporter,
          cancel: CancelToken, augmented: bool = True) -> torch.Tensor | None:
    """The best latent seen by the held-out views (None when cancelled).

    ``augmented=False`` is the former plain guidance (the seed's latent, shifted views, a weak prior, no
    early stopping), kept as the reference ``benchmarks/guided_quality.py`` measures against."""
    if not augmented:
        return _plain_guide(latent, clip, spec, reporter, cancel)
    with torch.no_grad():
        text = clip.encode_texts([spec.prompt])
    start = choose_start(latent, clip, text, spec, reporter, cancel)
    if start is None:
        return None
    z = project(start.clone()).requires_grad_(True)
    opt = torch.optim.Adam([z], lr=spec.lr)
    g = torch.Generator().manual_seed(spec.seed)
    best, best_sim, since = z.detach().clone(), -2.0, 0
    for step in range(spec.steps):
        if cancel.cancelled:
            return None
        with torch.enable_grad():
            image = latent.decode(z)
            sims = clip.image_features(augmented_views(image, g)) @ text.T
            sim = sims.mean()
            prior = tail_prior(z)
            loss = -sim + spec.prior_weight * prior
            opt.zero_grad(set_to_none=True)
            loss.backward()
        held = held_out_similarity(clip, image.detach(), text, spec.seed)
        if held > best_sim + 1e-4:  # z before this step's update: the latent of ``image``
            best, best_sim, since = z.detach().clone(), held, 0
        else:
            since += 1
        opt.step()
        with torch.no_grad():
            z.copy_(project(z))
        sim_f, prior_f = float(sim.detach()), float(prior.detach())
        reporter.metrics(step + 1, {"similarity": sim_f, "held_out": held, "prior": prior_f})
        if reporter.wants_preview():
            reporter.preview(enlarge(to_images(image)[0], spec.scale))
        if since >= PATIENCE:
            reporter.progress(spec.steps, spec.steps, _("Stopped at step {step}: the held-out views stopped "
                                                        "improving").format(step=step + 1))
            reporter.log(_("Stopped early at step {step} of {steps} (held-out CLIP views: no gain in {n} steps)")
                         .format(step=step + 1, steps=spec.steps, n=PATIENCE))
            break
        reporter.progress(step + 1, spec.steps, _("CLIP similarity {sim:.3f}").format(sim=sim_f))
    else:
        with torch.no_grad():
            if held_out_similarity(clip, latent.decode(z), text, spec.seed) > best_sim:
                return z.detach()
    return best


def held_out_similarity(clip: Clip, image: torch.Tensor, text: torch.Tensor, seed: int) -> float:
    """Mean similarity of HELD_OUT views whose augmentations are the same at every step (never optimised on)."""
    with torch.no_grad():
        g = torch.Generator().manual_seed(seed + 7919)
        return float((clip.image_features(augmented_views(image, g, HELD_OUT)) @ text.T).mean())


def _plain_guide(latent: Latent, clip: Clip, spec: GuidedSpec, reporter: Reporter,
                 cancel: CancelToken) -> torch.Tensor | None:
    with torch.no_grad():
        text = clip.encode_texts([spec.prompt])
    z = latent.start.clone().requires_grad_(True)
    opt = torch.optim.Adam([z], lr=spec.lr)
    g = torch.Generator().manual_seed(spec.seed)
    best, best_sim = z.detach().clone(), -2.0
    for step in range(spec.steps):
        if cancel.cancelled:
            return None
        with torch.enable_grad():
            image = latent.decode(z)
            sims = clip.image_features(shifted_views(image, g)) @ text.T
            sim = sims.mean()
            prior = (z.pow(2).mean() - 1.0).pow(2)
            loss = -sim + 0.1 * prior
            opt.zero_grad(set_to_none=True)
            loss.backward()
        if float(sims[0].detach()) > best_sim:
            best, best_sim = z.detach().clone(), float(sims[0].detach())
        opt.step()
        reporter.progress(step + 1, spec.steps, _("CLIP similarity {sim:.3f}").format(sim=float(sim.detach())))
    with torch.no_grad():
        last = float(clip.image_features(latent.decode(z)) @ text.T)
    return z.detach() if last > best_sim else best


def run(spec: GuidedSpec, reporter: Reporter, cancel: CancelToken, ctx: EngineContext) -> GuidedResult:
    """Optimise the latent for the prompt; save the final image (enlarged ×scale) with its parameters."""
    t0 = time.perf_counter()
    spec.validate()
    latent = latent_model(ctx, spec)
    clip = load_clip(ctx, spec.clip or str(latent.entry.details.get("clip") or ""))
    z = guide(latent, clip, spec, reporter, cancel)
    if z is None:
        return GuidedResult(cancelled=True, model=latent.name, seed=spec.seed, clip=clip.name)
    with torch.no_grad():
        start_img, final_img = to_images(torch.cat([latent.decode(latent.start), latent.decode(z)]))
    start_score, final_score = clip.score([start_img, final_img], [spec.prompt] * 2)
    image = enlarge(final_img, spec.scale)
    params = (f"{spec.prompt}\nSteps: {spec.steps}, Seed: {spec.seed}, Model: {latent.name}, Guidance: CLIP, "
              f"Learning rate: {spec.lr:g}, Prior weight: {spec.prior_weight:g}, Starts searched: {spec.candidates}, "
              f"{SCORE_FIELD}: {final_score:.2f}, "
              f"{SCORE_CLIP_FIELD}: {clip.name}, Start CLIP score: {start_score:.2f}")
    path = save_png(image, output_path(ctx.outputs, f"guided-{safe_stem(spec.prompt, 24)}-{spec.seed}", ".png"),
                    spec, params)
    reporter.log(_("CLIP score {start:.1f} → {final:.1f}").format(start=start_score, final=final_score))
    return GuidedResult(outputs=(str(Path(path)),), model=latent.name, seed=spec.seed, clip=clip.name,
                        clip_score=float(final_score), start_score=float(start_score), steps=spec.steps,
                        seconds=round(time.perf_counter() - t0, 3))
