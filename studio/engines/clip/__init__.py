"""CLIP in the studio: load any transformers CLIP, encode images and texts, score prompt adherence.

The CLIP model itself and prompt-adherence scores are shared by every family (``studio.engines.common.clip_model``,
``studio.engines.common.clip_scoring``); this package holds CLIP's own jobs: guided generation, describing an
image, and ``zero_shot``, which measures a CLIP on held-out colourised Fashion images.
"""
