"""CLIP in the studio: load any transformers CLIP, encode images and texts, score prompt adherence.

``studio.engines.clip.model`` is the API the rest of the studio uses (scores, guided generation,
evaluation); ``studio.engines.clip.zero_shot`` measures a CLIP on held-out colourised Fashion images.
"""
