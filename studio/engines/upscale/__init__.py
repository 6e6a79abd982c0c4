"""Super-resolution: RRDBNet / SRVGGNetCompact, the ncnn weight reader and tiled upscaling."""
