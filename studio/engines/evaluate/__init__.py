"""The evaluate engine: CLIP score, diversity, FID/KID in CLIP space, text perplexity."""
