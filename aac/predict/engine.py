"""ONNX Runtime engine for the genai-built causal LM: prefill once, reuse and fork the KV cache.

Why not the onnxruntime-genai generator: it cannot fork one KV cache into several candidate rows,
and suggestions need exactly that (5 words, 3 endings, previews, all continuing the same context).
So we drive the genai-built ``model.onnx`` with a plain ``InferenceSession``:

* the context (lead text + what the person wrote) is prefilled once; the next request shares a
  long token prefix with it (the text grows a word at a time), so only the new tokens are run;
* candidate rows fork the context KV (repeat along the batch axis) and decode in one batch;
* each layer's past and present are bound (IOBinding) to one preallocated buffer, so the model
  appends the new entries in place instead of copying the whole cache every step.

Facts about this graph that the code relies on (checked with tests/test_predict_engine.py):
there is no ``position_ids`` input; the GroupQueryAttention op derives each row's length from the
attention mask (``seqlens_k = sum(mask) - 1``) and reads only that many past entries. So rows of
different lengths can share one batch with *right* padding: row ``b`` keeps its valid KV at the
front of the buffer, its mask has ``length_b + new`` ones followed by zeros, and whatever sits in
the padding is never read. Outputs are ordered all keys then all values, so feeds are matched by
name, never by position.

Every KV buffer has a capacity beyond the row's length (``Engine.HEADROOM``, grown on demand);
the mask's width is the longest row's length plus the new tokens, never the capacity.

Gemma 3 (the Russian model) differs in two ways, both read from the model files, not its name:
its tokenizer puts <bos> before every text (``prompt_prefix``; without it the output is garbage),
and its sliding-window layers' attention wants a KV buffer of at least the window (512): those
buffers (``fixed``) keep that capacity, and prompts must stay below the window (``max_tokens``).
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

#: Raised between decode steps when the caller's request went stale.
class Cancelled(Exception):
    """The request was superseded; the work done so far is thrown away."""


CancelCheck = Callable[[], bool]

#: How long an idle intra-op thread spins before it sleeps (ONNX Runtime's
#: ``session.intra_op.spin_duration_us``). ONNX Runtime's default spins far longer; on this
#: shared 2-core machine, when other processes (or the board's own UI thread, speech) want the
#: cores, the spinning thread takes a core from the thread doing the work, and every kernel
#: waits for it. `aac bench ks` requests on dev lines 1-8 with learning, two interleaved
#: rounds at load 6.5-7.2: p50 329 / 241 ms with the default spin, 227 / 153 with 100 us,
#: 135 / 143 with 20 us, 147 / 116 without spinning, 125 / 111 with one thread (p95 742 / 457,
#: 549 / 320, 253 / 239, 249 / 216, 227 / 220). 20 us is meant to still bridge the
#: microsecond gaps between the kernels of one step (where spinning paid off on a quiet
#: machine, see Engine.__init__) and give the core back when the wait is longer; the machine
#: was never quiet during this change, so the quiet-machine cost of the bound is not measured.
SPIN_DURATION_US = 20

#: glibc's mmap threshold for this process (see _tame_malloc)
MMAP_THRESHOLD = 1 << 20
#: Resident size above which the heap's free pages are given back after a request (MB).
#: 400 held the model alone at 456 MB peak, but with learning on (the board's default)
#: scikit-learn adds ~80 MB, so every request trimmed and then page-faulted ~85 MB back in:
#: warm p95 79 -> 111 ms. At 480: model alone p95 70 ms / peak 490 MB, with the learner 86 ms
#: / 529 MB (`aac bench latency [--no-learn] --requests 200`). Issue 15 replaced scikit-learn by
#: a numpy SGD (aac.predict.learn.reranker.LogisticSGD): with the learner 520 -> 492 MB peak in
#: one run each at load ~14. With the person's last messages in the prompt (longer KV rows,
#: aac.predict.prompt.HISTORY_LINES) 480 peaked at 486-514 MB (over the budget in 2 of 6 runs,
#: warm p95 81.5-105.6 ms); 450 at 478-490 MB, warm p95 88.6-122.4 ms (4 runs, interleaved).
TRIM_ABOVE_MB = 450
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
#: glibc, once _tame_malloc found it (None elsewhere: nothing to tune or trim)
_libc = None


def _resident_mb() -> float:
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def release_freed_memory(above_mb: float = TRIM_ABOVE_MB) -> bool:
    """Give the heap's free pages back to the OS (glibc ``malloc_trim``) when resident memory
    is above ``above_mb``; returns whether it trimmed. No-op off glibc.

    A request frees tens of MB of KV rows in blocks under the mmap threshold; the heap keeps
    them, fragmented, and later peaks stack on top (peak RSS 516 MB in `aac bench latency`).
    Trimming after every request held the peak at 403 MB but doubled the latency (every new
    buffer page-faults again), so it only happens above the budget.
    """
    if _libc is None or _resident_mb() <= above_mb:
        return False
    try:
        _libc.malloc_trim(0)
    except Exception:  # noqa: BLE001 - best effort
        return False
    return True


def _tame_malloc() -> None:
    """Keep glibc from hoarding freed KV buffers while keeping allocation cheap.

    Candidate rows allocate and free several MB per request. With glibc's dynamic mmap
    threshold the freed blocks stay in per-thread heaps that never shrink (peak RSS 564 MB);
    with every block over 256 KB on mmap, each new buffer page-faults on first touch (a 10-row
    fork cost 11 ms instead of 2). A fixed 1 MB threshold measured best of both: the per-layer
    KV buffers of a batch come from the heap and are reused, the big ones go back to the OS
    (the heap itself is trimmed above a budget, see release_freed_memory). No-op off glibc.
    """
    try:
        import ctypes
        import ctypes.util

        global _libc
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        M_MMAP_THRESHOLD = -3
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        _libc = libc
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
    #: first tokens already decoded after this context (see Engine.first_step): token ->
    #: (log-probs of the token after it [V], its KV entry in every layer [layers, heads, head_size])
    first: "OrderedDict[int, tuple[np.ndarray, np.ndarray]]" = field(default_factory=OrderedDict)


class Rows:
    """A batch of candidate rows continuing a context, each with its own length (right padded).

    Every KV buffer is ``[B, heads, capacity, head_size]`` and the model writes the new entries
    into it in place (see ``Engine._run``), so a decode step costs the model's arithmetic and
    never a copy of the whole cache. ``fixed`` marks buffers whose capacity is pinned (Gemma's
    sliding-window layers want at least the window); the others are sized to the rows' length
    plus ``Engine.HEADROOM`` and grown when a row reaches the end.
    """

    def __init__(self, kv: list[np.ndarray], lengths: np.ndarray, fixed: tuple[bool, ...] = ()) -> None:
        self.kv = kv
        self.lengths = lengths.astype(np.int64)
        self.fixed = fixed or (False,) * len(kv)

    @property
    def size(self) -> int:
        return int(self.lengths.shape[0])

    @classmethod
    def fork(cls, state: ContextState, k: int, headroom: int = 0) -> "Rows":
        """K copies of the context KV (the fork the genai generator cannot do)."""
        n = len(state.ids)
        cap = n + (headroom or Engine.HEADROOM)
        kv = []
        for a, fx in zip(state.kv, state.fixed or (False,) * len(state.kv)):
            buf = np.empty((k, a.shape[1], a.shape[2] if fx else cap, a.shape[3]), dtype=a.dtype)
            buf[:, :, :n] = a[:, :, :n]
            kv.append(buf)
        return cls(kv, np.full(k, n, dtype=np.int64), state.fixed)

    def select(self, idx: list[int] | np.ndarray) -> "Rows":
        """Keep (or duplicate) rows by index into new buffers, e.g. to prune or branch candidates.

        ``ndarray.take`` along the batch axis: per layer buffer (6 of 10 rows, 3 x 162 x 64
        float16) 10.8 us, against 14.0 us for fancy indexing + ascontiguousarray and 49 us for
        a take of only the valid entries into a strided output (tried and dropped).
        """
        idx = np.asarray(idx, dtype=np.int64)
        return Rows([a.take(idx, axis=0) for a in self.kv], self.lengths[idx], self.fixed)

    def keep(self, idx: list[int] | np.ndarray) -> "Rows":
        """Like ``select``, for a caller that will decode the result and never this Rows again.

        When ``idx`` keeps the leading rows in order (``0..k-1``: the beam kept its best rows,
        or the endings still running are the first ones) nothing is copied: the result views
        the same buffers (a leading slice along the batch axis stays C-contiguous). Safe because
        the model writes each row's new entries at that row's own length, past every entry
        this Rows (or a word remembered from it) reads. Otherwise it is ``select``.
        """
        idx = np.asarray(idx, dtype=np.int64)
        k = int(idx.shape[0])
        if 0 < k <= self.size and np.array_equal(idx, np.arange(k)):
            return Rows([a[:k] for a in self.kv], self.lengths[:k].copy(), self.fixed)
        return self.select(idx)

    def width(self) -> int:
        """The attention mask's past width: the longest row's length."""
        return int(self.lengths.max()) if self.size else 0

    def ensure_room(self, extra: int, headroom: int) -> None:
        """Grow the non-pinned buffers if the longest row plus ``extra`` tokens would not fit."""
        need = self.width() + extra
        for li, (a, fx) in enumerate(zip(self.kv, self.fixed)):
            if need > a.shape[2]:
                if fx:
                    raise ValueError(f"rows of {need} tokens exceed this model's fixed KV buffer ({a.shape[2]})")
                buf = np.empty((a.shape[0], a.shape[1], need + headroom, a.shape[3]), dtype=a.dtype)
                buf[:, :, : a.shape[2]] = a
                self.kv[li] = buf


class Engine:
    """One ONNX session plus the tokenizer; remembers the last prefilled context for reuse.

    Not thread-safe: the prediction service runs all model calls on its own worker thread.
    """

    #: Spare KV slots a forked row gets beyond the context (a word plus its ending fit in it).
    HEADROOM = 32
    #: Tokens a prompt leaves free in the KV buffer for what is decoded after it (a word of a
    #: few tokens, an ending of up to 8, its previews); only Gemma 3's 512-token buffer is ever
    #: that close (see aac.predict.prompt.Prompt.fitted).
    DECODE_ROOM = 64

    def __init__(self, model_dir: Path | str, threads: int | None = None, spin: bool = True) -> None:
        os.environ["ORT_DISABLE_TELEMETRY"] = "1"  # no telemetry (see aac/__init__.py)
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
        # grow the footprint (measured: -40 MB peak without them, same speed).
        opts.enable_cpu_mem_arena = False
        opts.enable_mem_pattern = False
        # Spinning between the many small kernels of a one-token step: 6.5 -> 5.0 ms per step
        # at batch 1, 9.0 -> 6.3 at batch 2; the board's frame p95 while predicting went
        # 3.3 -> 5.0 ms (tests/bench/frame_time.py), far under a 60 fps frame. But only briefly
        # (SPIN_DURATION_US): see there.
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
        if spin:
            opts.add_session_config_entry("session.intra_op.spin_duration_us", str(SPIN_DURATION_US))
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
        self.kv_dtype = np.float16 if "float16" in inputs[self.past_names[0]].type else np.float32
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
        try:
            from onnxruntime.capi.onnxruntime_inference_collection import OrtDevice

            self._cpu_device = OrtDevice.make("cpu", 0)._get_c_device()
        except Exception:  # noqa: BLE001 - another onnxruntime layout: the public binding API is used
            self._cpu_device = None
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

    @property
    def prompt_budget(self) -> int:
        """The longest prompt (in tokens) :meth:`prefill` takes: the KV buffer less DECODE_ROOM
        for the words, endings and previews decoded after it."""
        return self.max_tokens - self.DECODE_ROOM

    def encode_prompt(self, text: str) -> list[int]:
        """The token ids of a whole prompt: the model's start tokens (if any) + the text."""
        return [*self.prompt_prefix, *self.encode(text)]

    def decode(self, ids: list[int]) -> str:
        return self.tokenizer.decode(ids, skip_special_tokens=False)

    # --- raw model call ------------------------------------------------------------------
    def _run(self, input_ids: np.ndarray, kv: list[np.ndarray], mask: np.ndarray) -> np.ndarray:
        """One model call that writes the new KV entries into ``kv`` in place; returns the logits.

        The past and present of each layer are bound to the same buffer: ONNX Runtime's
        GroupQueryAttention then appends at each row's own length (from the mask) instead of
        copying the whole cache into a fresh output (measured: 48 -> 28 ms per 10-row step).
        """
        io = self.session.io_binding()
        io.bind_cpu_input("input_ids", np.ascontiguousarray(input_ids, dtype=np.int64))
        io.bind_cpu_input("attention_mask", np.ascontiguousarray(mask, dtype=np.int64))
        if self.has_position_ids:  # other builders: positions follow each row's own length
            pos = np.cumsum(mask, axis=1) - 1
            io.bind_cpu_input("position_ids", np.ascontiguousarray(pos[:, -input_ids.shape[1]:], dtype=np.int64))
        io.bind_output("logits", "cpu")
        bind_in, bind_out = self._binders(io)
        for past, present, buf in zip(self.past_names, self.present_names, kv):
            if not buf.flags.c_contiguous:
                raise ValueError("KV buffers must be C-contiguous to be written in place")
            shape = list(buf.shape)
            bind_in(past, buf.dtype, shape, buf.ctypes.data)
            bind_out(present, buf.dtype, shape, buf.ctypes.data)
        self.session.run_with_iobinding(io)
        self.calls += 1
        return io.get_outputs()[0].numpy()

    def _binders(self, io: object) -> tuple[Callable[..., None], Callable[..., None]]:
        """Functions binding a CPU buffer as input / output of ``io``.

        Sixty KV buffers are bound per call; the public ``IOBinding.bind_input`` builds a device
        object for each (measured ~5 ms per request), so the pybind object is used with one
        cached CPU device when it is there, the public API otherwise.
        """
        raw = getattr(io, "_iobinding", None)
        if raw is not None and self._cpu_device is not None:
            dev = self._cpu_device
            return (lambda n, t, sh, p: raw.bind_input(n, dev, t, sh, p)), (lambda n, t, sh, p: raw.bind_output(n, dev, t, sh, p))
        return (lambda n, t, sh, p: io.bind_input(n, "cpu", 0, t, sh, p)), (lambda n, t, sh, p: io.bind_output(n, "cpu", 0, t, sh, p))

    def _empty_kv(self, capacity: int, batch: int = 1) -> list[np.ndarray]:
        return [np.zeros((batch, self.kv_heads, self.capacity if fx else capacity, self.head_size), self.kv_dtype) for fx in self.fixed]

    # --- context prefill with reuse -------------------------------------------------------
    def prefill(self, ids: list[int], cancel: CancelCheck | None = None, chunk: int = 64) -> ContextState:
        """The state after ``ids``, reusing the longest common prefix with the last context.

        The last context's buffers are reused in place (the new tokens overwrite whatever
        followed the common prefix), so the previous ContextState is spent: its ``kv`` is
        emptied to make any stale use fail loudly. Cancellation is checked between chunks of
        ``chunk`` tokens so a stale long prefill stops.
        """
        if not ids:
            raise ValueError("prefill needs at least one token")
        ids_t = tuple(ids)
        if len(ids_t) > self.prompt_budget:
            raise ValueError(f"prompt of {len(ids_t)} tokens is too long for this model's KV buffer ({self.max_tokens})")
        prev = self._state
        if prev is not None and prev.ids == ids_t and prev.logprobs.size:
            return prev
        keep = 0
        if prev is not None and prev.kv:
            n = min(len(prev.ids), len(ids_t))
            while keep < n and prev.ids[keep] == ids_t[keep]:
                keep += 1
            keep = min(keep, len(ids_t) - 1)  # always run >= 1 token to get its logits
        want = len(ids_t) + self.HEADROOM
        if keep > 0 and prev is not None:
            kv = prev.kv
            prev.kv = []
            grown = Rows(kv, np.array([keep]), self.fixed)
            grown.ensure_room(len(ids_t) - keep, 4 * self.HEADROOM)
            kv = grown.kv
        else:
            kv, keep = self._empty_kv(want + 3 * self.HEADROOM), 0
        self._state = None
        pos = keep
        logits = None
        while pos < len(ids_t):
            if cancel is not None and cancel():
                # what ran so far stays reusable (no logits: a request for exactly it reruns one token)
                self._state = ContextState(ids_t[:pos], kv, np.empty(0, np.float32), self.fixed) if pos else None
                raise Cancelled()
            step = ids_t[pos : pos + chunk]
            x = np.array([step], dtype=np.int64)
            mask = np.ones((1, pos + len(step)), dtype=np.int64)
            logits = self._run(x, kv, mask)
            pos += len(step)
        assert logits is not None
        state = ContextState(ids_t, kv, log_softmax(logits[:, -1, :])[0], self.fixed)
        self._state = state
        return state

    # --- batched decode -------------------------------------------------------------------
    #: First tokens remembered per context (Engine.first_step): ~220 KB each (49k float32
    #: log-probs + the KV entry). The hits come from the last one or two letters' requests (the
    #: tokens that fit "cou" are among those that fit "co"), 10 rows each. With 32 rows one
    #: `aac bench latency` run peaked at 506.6 MB (the next 485.6; base 497.2 / 482.9, load
    #: ~4): 20 rows (~4.4 MB) keep two requests and leave more room under the 500 MB budget.
    FIRST_STEP_ROWS = 20

    def first_step(self, state: ContextState, rows: Rows, tokens: np.ndarray) -> np.ndarray:
        """``step`` for rows freshly forked from ``state``, without re-running first tokens
        this context already ran.

        While the person types a word the context stays the same and each letter asks for the
        word-start tokens that fit the longer prefix: " could" is decoded for "", "c", "co" and
        "cou" alike (a third of the beam's rows on the warm requests of `aac bench latency`
        were repeats). A row after (context, token) depends on nothing else, so its log-probs
        and its one new KV entry are kept with the context and copied into the fork.

        Only rows decoded in a batch of at least 2 are kept or reused, and the rows still to
        run go as a batch of at least 2: ONNX Runtime gives bit-identical rows for batches of
        2..10 but takes another kernel for a single row (the int4 model's log-probs then differ
        by up to 0.5 nats, 0.23 among the ten likeliest tokens: measured in session 8), so the
        results equal those of ``step`` on the whole batch (tests/test_predict_rows_keep.py).
        """
        tokens = np.asarray(tokens, dtype=np.int64).reshape(-1)
        b = rows.size
        n = len(state.ids)
        if b < 2 or not (rows.lengths == n).all():
            return self.step(rows, tokens)
        cache = state.first
        toks = tokens.tolist()
        miss = [i for i, t in enumerate(toks) if t not in cache]
        if len(miss) == b:
            lps = self.step(rows, tokens)
            self._remember_first(state, toks, range(b), lps, rows, range(b))
            return lps
        rows.ensure_room(1, self.HEADROOM)
        hits = [i for i in range(b) if toks[i] in cache]
        got = [cache[toks[i]] for i in hits]  # read before remembering the misses can evict them
        for i in hits:
            cache.move_to_end(toks[i])
        out = np.empty((b, got[0][0].shape[0]), dtype=got[0][0].dtype)
        for i, (lp, _) in zip(hits, got):
            out[i] = lp
        entries = np.stack([e for _, e in got])  # [hits, layers, heads, head_size]
        run_entries: list[np.ndarray] = []
        if miss:
            # Every row of a fresh fork holds the same context, so the tokens still to run are
            # decoded on the leading rows in place (a view: no second copy of the context) and
            # their new entries moved to their own rows below (dev 1-20 jsonl: 58 of 186 requests).
            run = miss if len(miss) >= 2 else miss + [hits[0]]
            lead = Rows([a[: len(run)] for a in rows.kv], np.full(len(run), n, dtype=np.int64), rows.fixed)
            lp_run = self.step(lead, tokens[run])
            for j, i in enumerate(miss):
                out[i] = lp_run[j]
            self._remember_first(state, [toks[i] for i in miss], range(len(miss)), lp_run, lead, range(len(miss)))
            run_entries = [a[: len(miss), :, n].copy() for a in rows.kv]
        for li, a in enumerate(rows.kv):
            a[hits, :, n] = entries[:, li]
            if run_entries:
                a[miss, :, n] = run_entries[li]
        rows.lengths = rows.lengths + 1
        return out

    def _remember_first(self, state: ContextState, toks: list[int], lp_rows: Any, lps: np.ndarray, rows: Rows, kv_rows: Any) -> None:
        n = len(state.ids)
        cache = state.first
        for t, i, r in zip(toks, lp_rows, kv_rows):
            cache[t] = (lps[i].copy(), np.stack([a[r, :, n] for a in rows.kv]))
            cache.move_to_end(t)
        while len(cache) > self.FIRST_STEP_ROWS:
            cache.popitem(last=False)

    def step(self, rows: Rows, tokens: np.ndarray) -> np.ndarray:
        """Feed one token per row; returns log-probs [B, V] and grows every row by one."""
        b = rows.size
        rows.ensure_room(1, self.HEADROOM)
        width = rows.width()
        mask = (np.arange(width + 1)[None, :] <= rows.lengths[:, None]).astype(np.int64)
        logits = self._run(np.asarray(tokens, dtype=np.int64).reshape(b, 1), rows.kv, mask)
        rows.lengths = rows.lengths + 1
        return log_softmax(logits[:, -1, :])
