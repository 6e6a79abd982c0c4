"""DCGAN generator/discriminator, the built-in "Faces (DCGAN)" model, seed grids and latent walks."""
