"""The studio's own diffusers pipeline classes (pixel-space models trained by the studio)."""
