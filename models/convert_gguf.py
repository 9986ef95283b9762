"""Turn a GGUF checkpoint into a plain float Hugging Face model directory.

Runs inside the throw-away build environment (torch + transformers + gguf), never in the app.
transformers dequantizes GGUF on load but keeps a GGUF quantization config on the model, which
the onnxruntime-genai builder rejects; so we rebuild the model from its config without that
entry, copy the weights over, and save a clean float32 checkpoint plus the tokenizer.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gguf", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    a = ap.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, name = str(a.gguf.parent), a.gguf.name
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    clean = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    result = clean.load_state_dict(loaded.state_dict(), strict=False)
    if result.missing_keys:
        # Tied embeddings are legitimately absent; anything else means a broken conversion.
        missing = [k for k in result.missing_keys if k != "lm_head.weight"]
        if missing:
            print(f"convert: weights missing after conversion: {missing[:5]}", file=sys.stderr)
            return 1
    clean.save_pretrained(a.out)
    tokenizer.save_pretrained(a.out)
    print(f"convert: wrote {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
