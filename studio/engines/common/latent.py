"""Latent models by name: a studio GAN's generator or a studio VAE's decoder (both map latent_dim → image).

The GAN engine, CLIP guidance and dataset export sample them alike. Each family loads its own kind through
the loader named in :data:`DECODERS` (imported on first use, as :mod:`studio.host.dispatch` finds engines),
so no family imports another to sample its models.
"""
from __future__ import annotations

import importlib
from typing import Callable

from studio.core.errors import ModelError
from studio.core.i18n import _
from studio.core.models.registry import ModelEntry
from studio.core.paths import StudioPaths
from studio.engines.common.sampling import Generator
from studio.engines.context import EngineContext

DECODERS: dict[str, str] = {
    "gan": "studio.engines.gan.faces:load_gan",
    "studio_vae": "studio.engines.vae.model:load_vae_decoder",  # a VAE decoder samples the prior like a generator
}
"""Model type -> ``module:function(entry, paths)`` returning its latent model on the CPU, in eval mode."""


def _loader(kind: str) -> Callable[[ModelEntry, StudioPaths], Generator]:
    module, _sep, name = DECODERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


def load_generator(ctx: EngineContext, name: str) -> tuple[Generator, str]:
    """The latent model called ``name`` (a GAN or a studio VAE), cached on the context's device; and its name."""
    entry = ctx.registry.resolve(name, task="image")
    if entry.type not in DECODERS:
        raise ModelError(_("Model {model!r} is a {type} model, not a GAN.").format(model=entry.name, type=entry.type))
    load = _loader(entry.type)
    where = f"{entry.path}/{entry.name}" if entry.type == "gan" else entry.path  # a built-in GAN has no own path
    gen = ctx.cache.get_or_load((entry.type, where, ctx.device), lambda: load(entry, ctx.paths).to(ctx.device))
    return gen, entry.name
