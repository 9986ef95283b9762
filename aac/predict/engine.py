"""ONNX Runtime engine for the genai-built causal LM: prefill once, reuse and fork the KV cache.

Why not the onnxruntime-genai generator: it cannot fork one KV cache into several candidate rows,
and suggestions need exactly that (5 words, 3 endings, previews, all continuing the same context).
So we drive the genai-built ``model.onnx`` with a plain ``InferenceSession``:

* the context (lead text + what the person wrote) is prefilled once; the next request shares a
  long token prefix with it (the text grows a word at a time), so only the new tokens are run;
* candidate rows fork the context KV (repeat along the batch axis) and decode in one batch.

Facts about this graph that the code relies on (checked with tests/test_predict_engine.py):
there is no ``position_ids`` input; the GroupQueryAttention op derives each row's length from the
attention mask (``seqlens_k = sum(mask) - 1``) and reads only that many past entries. So rows of
different lengths can share one batch with *right* padding: row ``b`` keeps its valid KV at the
front of the buffer, its mask has ``length_b + new`` ones followed by zeros, and whatever sits in
the padding is never read. Outputs are ordered all keys then all values, so feeds are matched by
name, never by position.

Gemma 3 (the Russian model) differs in two ways, both read from the model files, not its name:
its tokenizer puts <bos> before every text (``prompt_prefix``; without it the output is garbage),
and its sliding-window layers' attention wants a fixed-capacity KV buffer of at least the window
(512): those buffers (``fixed``) keep their size and are written in place, the mask's width is the
longest row's length, and prompts must stay below the window (``max_tokens``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

#: Raised between decode steps when the caller's request went stale.
class Cancelled(Exception):
    """The request was superseded; the work done so far is thrown away."""


CancelCheck = Callable[[], bool]


def _tame_malloc() -> None:
    """Keep glibc from hoarding freed KV buffers (measured: peak RSS 564 -> 446 MB).

    Candidate rows allocate and free tens of MB per request from two threads; glibc's dynamic
    mmap threshold then serves them from per-thread heaps that never shrink. A fixed threshold
    keeps big arrays on mmap, returned to the OS when freed. No-op off glibc.
    """
    try:
        import ctypes
        import ctypes.util

        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        M_MMAP_THRESHOLD = -3
        libc.mallopt(M_MMAP_THRESHOLD, 256 * 1024)
    except Exception:  # noqa: BLE001 - not glibc: nothing to tune
        pass


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax in float32 (logits are [B, V])."""
    m = logits.max(axis=-1, keepdims=True)
    z = logits - m
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


@dataclass
class ContextState:
    """The prefilled context: its token ids, its KV (batch 1) and the next-token log-probs."""

    ids: tuple[int, ...]
    kv: list[np.ndarray]
    logprobs: np.ndarray  # [V] log-probs of the token after ``ids``
    fixed: tuple[bool, ...] = ()  # per KV input: a fixed-capacity buffer (sliding-window layer)


class Rows:
    """A batch of candidate rows continuing a context, each with its own length (right padded)."""

    def __init__(self, kv: list[np.ndarray], lengths: np.ndarray, fixed: tuple[bool, ...] = ()) -> None:
        self.kv = kv
        self.lengths = lengths.astype(np.int64)
        self.fixed = fixed or (False,) * len(kv)

    @property
    def size(self) -> int:
        return int(self.lengths.shape[0])

    @classmethod
    def fork(cls, state: ContextState, k: int) -> "Rows":
        """K copies of the context KV (the fork the genai generator cannot do)."""
        kv = [np.repeat(a, k, axis=0) for a in state.kv]
        return cls(kv, np.full(k, len(state.ids), dtype=np.int64), state.fixed)

    def select(self, idx: list[int] | np.ndarray) -> "Rows":
        """Keep (or duplicate) rows by index, e.g. to prune or branch candidates."""
        idx = np.asarray(idx, dtype=np.int64)
        width = int(self.lengths[idx].max()) if len(idx) else 0
        kv = [np.ascontiguousarray(a[idx] if fx else a[idx, :, :width]) for a, fx in zip(self.kv, self.fixed)]
        return Rows(kv, self.lengths[idx], self.fixed)

    def width(self) -> int:
        """The attention mask's past width: the growing buffers' length (= the longest row)."""
        for a, fx in zip(self.kv, self.fixed):
            if not fx:
                return int(a.shape[2])
        return int(self.lengths.max()) if self.size else 0


class Engine:
    """One ONNX session plus the tokenizer; remembers the last prefilled context for reuse.

    Not thread-safe: the prediction service runs all model calls on its own worker thread.
    """

    def __init__(self, model_dir: Path | str, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        _tame_malloc()

        self.model_dir = Path(model_dir)
        onnx_path = self.model_dir / "model.onnx"
        tok_path = self.model_dir / "tokenizer.json"
        for p in (onnx_path, tok_path):
            if not p.exists():
                raise FileNotFoundError(f"model file missing: {p} (run `aac model build`)")
        cfg_path = self.model_dir / "genai_config.json"
        self.config = json.loads(cfg_path.read_text()) if cfg_path.exists() else {}
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = int(threads or os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # Shapes change every call (batch, KV length), so the arena and memory patterns only
        # grow the footprint (measured: -40 MB peak without them, same speed). No spinning: the
        # UI and gaze threads share these cores, and idle spinning threads would steal from them.
        opts.enable_cpu_mem_arena = False
        opts.enable_mem_pattern = False
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(onnx_path), opts, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tok_path))
        outs = [o.name for o in self.session.get_outputs()]
        self.present_names = [n for n in outs if n.startswith("present.")]
        self.past_names = [n.replace("present.", "past_key_values.") for n in self.present_names]
        inputs = {i.name: i for i in self.session.get_inputs()}
        missing = [n for n in ["input_ids", "attention_mask", *self.past_names] if n not in inputs]
        if missing:
            raise ValueError(f"unexpected model graph in {onnx_path}: missing inputs {missing[:3]}")
        self.has_position_ids = "position_ids" in inputs
        shape = inputs[self.past_names[0]].shape
        dec = self.config.get("model", {}).get("decoder", {})
        self.kv_heads = int(dec.get("num_key_value_heads") or shape[1])
        self.head_size = int(dec.get("head_size") or shape[3])
        model_cfg = self.config.get("model", {})
        eos = model_cfg.get("eos_token_id", 0)
        self.eos_ids = set(eos if isinstance(eos, list) else [eos])
        self.vocab_size = int(model_cfg.get("vocab_size") or self.tokenizer.get_vocab_size())
        self.prompt_prefix = self._special_prefix()
        # sliding-window layers (Gemma 3): the graph keeps the whole KV, attention looks back at
        # most this far; prompts here stay well below it (lead text + max_context_chars)
        self.sliding_window = int((dec.get("sliding_window") or {}).get("window_size") or 0)
        # Those layers' GroupQueryAttention wants a KV buffer of at least the window (it writes
        # the new entries in place and reads the row's length from the mask), so their past is a
        # fixed-capacity buffer; the other layers' past grows by concatenation as before.
        self.fixed = tuple("sliding" in str(inputs[n].shape[2]) for n in self.past_names)
        self.capacity = self.sliding_window if any(self.fixed) else 0
        #: longest prompt + decode the fixed buffers hold (callers keep prompts well below it)
        self.max_tokens = self.capacity or int(model_cfg.get("context_length") or 1 << 30)
        self._state: ContextState | None = None
        self.calls = 0  # model runs, for tests/benchmarks ("a ready preview costs no call")

    # --- tokens -------------------------------------------------------------------------
    def encode(self, text: str) -> list[int]:
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def _special_prefix(self) -> tuple[int, ...]:
        """Ids the tokenizer puts before every text (Gemma's <bos>; none for SmolLM2).

        Read from the tokenizer's own post-processor, not from the model name: a model that was
        trained with a BOS produces garbage without it, one trained without must not get it.
        """
        probe = "a"
        plain = self.tokenizer.encode(probe, add_special_tokens=False).ids
        full = self.tokenizer.encode(probe, add_special_tokens=True).ids
        if len(full) > len(plain) and full[len(full) - len(plain):] == plain:
            return tuple(full[: len(full) - len(plain)])
        return ()

    def encode_prompt(self, text: str) -> list[int]:
        """The token ids of a whole prompt: the model's start tokens (if any) + the text."""
        return [*self.prompt_prefix, *self.encode(text)]

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=False)

    # --- raw model call ------------------------------------------------------------------
    def _run(self, input_ids: np.ndarray, kv: list[np.ndarray], mask: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        feeds: dict[str, np.ndarray] = {"input_ids": input_ids, "attention_mask": mask}
        feeds.update(zip(self.past_names, kv))
        if self.has_position_ids:  # other builders: positions follow each row's own length
            pos = np.cumsum(mask, axis=1) - 1
            feeds["position_ids"] = pos[:, -input_ids.shape[1]:].astype(np.int64)
        out = self.session.run(None, feeds)
        self.calls += 1
        names = [o.name for o in self.session.get_outputs()]
        logits = out[names.index("logits")]
        present = [out[names.index(n)] for n in self.present_names]
        return logits, present

    def _empty_kv(self, batch: int = 1) -> list[np.ndarray]:
        return [np.zeros((batch, self.kv_heads, self.capacity if fx else 0, self.head_size), np.float32) for fx in self.fixed]

    # --- context prefill with reuse -------------------------------------------------------
    def prefill(self, ids: list[int], cancel: CancelCheck | None = None, chunk: int = 64) -> ContextState:
        """The state after ``ids``, reusing the longest common prefix with the last context.

        Cancellation is checked between chunks of ``chunk`` tokens so a stale long prefill stops.
        """
        if not ids:
            raise ValueError("prefill needs at least one token")
        ids_t = tuple(ids)
        if len(ids_t) + 64 > self.max_tokens:
            raise ValueError(f"prompt of {len(ids_t)} tokens is too long for this model's KV buffer ({self.max_tokens})")
        prev = self._state
        if prev is not None and prev.ids == ids_t:
            return prev
        keep = 0
        if prev is not None:
            n = min(len(prev.ids), len(ids_t))
            while keep < n and prev.ids[keep] == ids_t[keep]:
                keep += 1
            keep = min(keep, len(ids_t) - 1)  # always run >= 1 token to get its logits
        if keep > 0 and prev is not None:
            kv = [a.copy() if fx else np.ascontiguousarray(a[:, :, :keep]) for a, fx in zip(prev.kv, self.fixed)]
        else:
            kv, keep = self._empty_kv(1), 0
        pos = keep
        logits = None
        while pos < len(ids_t):
            if cancel is not None and cancel():
                raise Cancelled()
            step = ids_t[pos : pos + chunk]
            x = np.array([step], dtype=np.int64)
            mask = np.ones((1, pos + len(step)), dtype=np.int64)
            logits, kv = self._run(x, kv, mask)
            pos += len(step)
        assert logits is not None
        state = ContextState(ids_t, kv, log_softmax(logits[:, -1, :])[0], self.fixed)
        self._state = state
        return state

    # --- batched decode -------------------------------------------------------------------
    def step(self, rows: Rows, tokens: np.ndarray) -> np.ndarray:
        """Feed one token per row; returns log-probs [B, V] and grows every row by one."""
        b = rows.size
        width = rows.width()
        mask = np.zeros((b, width + 1), dtype=np.int64)
        for i, n in enumerate(rows.lengths):
            mask[i, : int(n) + 1] = 1
        logits, present = self._run(np.asarray(tokens, dtype=np.int64).reshape(b, 1), rows.kv, mask)
        rows.kv = present
        rows.lengths = rows.lengths + 1
        return log_softmax(logits[:, -1, :])
