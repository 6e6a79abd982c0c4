"""Pieces several engine families share (no family imports another: see pyproject's contracts).

``sampling``: latents per seed, latent walks, image grids; ``latent``: a GAN's generator or a studio VAE's
decoder by name; ``metrics``: FID/KID and friends on feature tensors.
"""
