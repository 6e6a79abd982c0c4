"""Convolutional VAEs trained by the studio (family "vae"), sampled through the GAN engine."""
