"""Run onnxruntime-genai's model builder with config fixes for newer transformers releases.

Runs inside the build environment. transformers 5 stores Gemma 3's RoPE settings as a nested
per-layer-type dict ({"full_attention": {...}, "sliding_attention": {...}}); the genai 0.18
builder reads the older flat form (``rope_theta`` + ``rope_local_base_freq``) for Gemma 3 and
fails with KeyError('rope_type'). We normalise the loaded config in-process and hand over to the
builder's own command line, so every other model goes through the builder untouched.
"""

from __future__ import annotations

import sys


def _normalise(config):
    rope = getattr(config, "rope_parameters", None)
    if isinstance(rope, dict) and "full_attention" in rope and "rope_type" not in rope:
        full, local = rope["full_attention"], rope.get("sliding_attention", rope["full_attention"])
        config.rope_theta = full.get("rope_theta", 10000.0)
        config.rope_local_base_freq = local.get("rope_theta", config.rope_theta)
        config.rope_parameters = dict(full)
    return config


def main() -> int:
    import runpy

    import transformers

    original = transformers.AutoConfig.from_pretrained

    def patched(*args, **kwargs):
        return _normalise(original(*args, **kwargs))

    # A plain function on the class: AutoConfig.from_pretrained(name) calls patched(name).
    transformers.AutoConfig.from_pretrained = patched
    sys.argv = ["onnxruntime_genai.models.builder", *sys.argv[1:]]
    runpy.run_module("onnxruntime_genai.models.builder", run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
