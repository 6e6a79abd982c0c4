"""The text engine: local causal LMs (transformers folders and GGUF files) with streamed generation."""
