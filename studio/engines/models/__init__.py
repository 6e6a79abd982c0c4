"""Model-manager engines: safe conversions (pickle → safetensors, diffusers → single file) and downloads."""
