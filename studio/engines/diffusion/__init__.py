"""Text-to-image with diffusers pipelines: loading, schedulers, step previews, weighted prompts."""
