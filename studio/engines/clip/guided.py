"""CLIP-guided generation: optimise the latent of a GAN or VAE so CLIP finds the image matches the prompt.

The loss is the negative cosine similarity between CLIP's embedding of the prompt and of the decoded
image (averaged over a few randomly shifted views, so the optimiser cannot win with a pixel-exact
adversarial pattern), plus a prior term that keeps the latent's mean square near 1, the value a
Gaussian latent has, so the generator stays in the range it was trained on. Adam on the latent only;
the model's weights never change. Every step streams a preview; the final image is saved with its
parameters, its CLIP score and the score the unguided start had.
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
from studio.core.registry import TYPE_LABELS, ModelEntry
from studio.core.results import GuidedResult
from studio.core.specs import GuidedSpec
from studio.engines.clip.model import Clip, load_clip
from studio.engines.context import EngineContext
from studio.engines.gan.sampling import enlarge, latent_for_seed, to_images
from studio.engines.output_files import output_path, safe_stem, save_png

VIEWS = 4  # shifted copies of the image per step
SHIFT = 2  # pixels (at 32 px; scaled with the image)
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
        from studio.engines.gan.run import load_generator

        gen, name = load_generator(ctx, entry.path)
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


def shifted_views(image: torch.Tensor, generator: torch.Generator, views: int = VIEWS) -> torch.Tensor:
    """``views`` copies of a (1, C, H, W) image, the first as is, the others shifted by up to SHIFT px."""
    shift = max(1, round(SHIFT * image.shape[-1] / 32))
    padded = F.pad(image, (shift,) * 4, mode="replicate")
    h, w = image.shape[-2:]
    offs = [[shift, shift]] + torch.randint(0, 2 * shift + 1, (views - 1, 2), generator=generator).tolist()
    return torch.cat([padded[..., dy:dy + h, dx:dx + w] for dy, dx in offs])


def guide(latent: Latent, clip: Clip, spec: GuidedSpec, reporter: Reporter,
          cancel: CancelToken) -> torch.Tensor | None:
    """The best latent seen (by the unshifted image's similarity; None when cancelled).

    Keeping the best rather than the last makes a step that overshoots harmless."""
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
            loss = -sim + spec.prior_weight * prior
            opt.zero_grad(set_to_none=True)
            loss.backward()
        if float(sims[0].detach()) > best_sim:  # z before this step's update: the latent of ``image``
            best, best_sim = z.detach().clone(), float(sims[0].detach())
        opt.step()
        sim_f, prior_f = float(sim.detach()), float(prior.detach())
        reporter.progress(step + 1, spec.steps, _("CLIP similarity {sim:.3f}").format(sim=sim_f))
        reporter.metrics(step + 1, {"similarity": sim_f, "prior": prior_f})
        if reporter.wants_preview():
            reporter.preview(enlarge(to_images(image)[0], spec.scale))
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
              f"Learning rate: {spec.lr:g}, Prior weight: {spec.prior_weight:g}, {SCORE_FIELD}: {final_score:.2f}, "
              f"{SCORE_CLIP_FIELD}: {clip.name}, Start CLIP score: {start_score:.2f}")
    path = save_png(image, output_path(ctx.outputs, f"guided-{safe_stem(spec.prompt, 24)}-{spec.seed}", ".png"),
                    spec, params)
    reporter.log(_("CLIP score {start:.1f} → {final:.1f}").format(start=start_score, final=final_score))
    return GuidedResult(outputs=(str(Path(path)),), model=latent.name, seed=spec.seed, clip=clip.name,
                        clip_score=float(final_score), start_score=float(start_score), steps=spec.steps,
                        seconds=round(time.perf_counter() - t0, 3))
