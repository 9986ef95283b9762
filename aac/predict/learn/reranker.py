"""A per-person pairwise reranker (logistic loss, online SGD: :class:`LogisticSGD`).

Training signal: a suggestion list (feature rows) and which row the person wanted. Each
(wanted, other) pair becomes two samples ``x_wanted - x_other -> 1`` and ``x_other - x_wanted ->
0`` (a linear RankNet), trained with ``partial_fit`` one list batch at a time. The score of a
candidate is then ``w . x``.

Why the model is *gated*: a new person has no data, and a young model can be worse than the
evidence-weighted base score. Before each batch trains the model, the batch is used to test it
(prequential evaluation): would the wanted item have been shown (top K) under the base order,
and under the model order? The model takes over only while it has been better than the base on
the recent window, so it can never make suggestions worse for long, and its influence grows with
evidence. With no data the base score rules, and with no personal evidence that is the model's
own order.

Why the weights can be rebuilt: the model state is a pure function of the stored examples
(``replay``), so forgetting a time range removes those examples and retrains from the rest; the
weights file is a plain JSON array used to score quickly after a restart.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: L2 strength of the reranker's logistic SGD (as the scikit-learn model it replaces).
ALPHA = 1e-3


class LogisticSGD:
    """Online binary logistic regression: the updates of scikit-learn's ``SGDClassifier(loss=
    "log_loss", penalty="l2", alpha=1e-3, learning_rate="optimal", fit_intercept=False,
    shuffle=False).partial_fit`` (scikit-learn 1.9 ``_plain_sgd``), in a few lines of numpy.

    Why not scikit-learn itself: importing it (with SciPy) cost the board process 82 MB of its
    500 MB budget and seconds of start-up on a loaded machine, for a 12-number linear model.
    ``tests/test_learn_reranker.py`` checks the weights against scikit-learn's when it is there.

    Per sample: ``eta = 1 / (alpha (t0 + t - 1))`` with Bottou's ``t0`` (the first step equals
    ``sqrt(1 / sqrt(alpha))``), ``w <- w (1 - eta alpha) - eta (sigmoid(w.x) - y) x``.
    """

    MAX_DLOSS = 1e12

    def __init__(self, n_features: int, alpha: float = ALPHA) -> None:
        self.alpha = alpha
        self.coef_ = np.zeros((1, n_features))
        self.t_ = 1.0
        typw = math.sqrt(1.0 / math.sqrt(alpha))
        eta0 = typw / max(1.0, self._gradient(1.0, -typw))
        self._optimal_init = 1.0 / (eta0 * alpha)

    @staticmethod
    def _gradient(y: float, p: float) -> float:
        """d(log loss)/dp for y in {0, 1} (scikit-learn's stable half-binomial form)."""
        if p > -37:
            e = math.exp(-p)
            return ((1 - y) - y * e) / (1 + e)
        return math.exp(p) - y

    def partial_fit(self, x: np.ndarray, y: np.ndarray, classes: Any = None) -> LogisticSGD:
        """One pass over the rows in order (labels 0/1)."""
        w = self.coef_[0].astype(float).tolist()
        n = len(w)
        alpha, init, t = self.alpha, self._optimal_init, self.t_
        for row, label in zip(np.asarray(x, dtype=float).tolist(), np.asarray(y, dtype=float).tolist()):
            p = sum(wi * xi for wi, xi in zip(w, row))
            eta = 1.0 / (alpha * (init + t - 1))
            g = min(self.MAX_DLOSS, max(-self.MAX_DLOSS, self._gradient(label, p)))
            decay = max(0.0, 1.0 - eta * alpha)
            update = -eta * g
            w = [w[i] * decay + update * row[i] for i in range(n)]
            t += 1
        self.t_ = t
        self.coef_ = np.asarray([w])
        return self

#: Lists kept for retraining (oldest dropped first); each is <= 10 rows of ~12 numbers.
MAX_EXAMPLES = 1000
#: Prequential window used to decide whether the model is trusted.
WINDOW = 300
#: The model must have trained on at least this many lists before it can be trusted.
MIN_LISTS = 40
#: How many items the board shows per kind (a hit is "the wanted item is among those").
SHOWN = {"word": 5, "ending": 3}


@dataclass
class Example:
    """One training list: feature rows (in list order), the wanted row, time, batch number."""

    t: float
    x: list[list[float]]
    picked: int
    batch: int

    def to_json(self) -> list[Any]:
        # values are rounded when the example is made (learner.make_example), not here: this
        # runs for every stored list on every save
        return [self.t, self.batch, self.picked, self.x]

    @classmethod
    def from_json(cls, item: Any, n_features: int) -> Example:
        t, batch, picked, rows = item
        rows = [[float(v) for v in row] for row in rows]
        if not rows or any(len(r) != n_features for r in rows) or not (0 <= int(picked) < len(rows)):
            raise ValueError("bad example shape")
        return cls(float(t), rows, int(picked), int(batch))


def _rank(scores: list[float], picked: int) -> int:
    """Position of ``picked`` when sorted by descending score, ties kept in list order."""
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    return order.index(picked)


@dataclass
class KindRanker:
    """The reranker for one kind of suggestion ("word" or "ending")."""

    kind: str
    features: list[str]
    examples: list[Example] = field(default_factory=list)
    coef: np.ndarray | None = None
    lists_trained: int = 0
    window: deque = field(default_factory=lambda: deque(maxlen=WINDOW))
    _clf: LogisticSGD | None = None
    _stale: bool = False  # weights loaded from disk, the SGD state must be replayed to continue
    _trusted: bool | None = None  # cached gate decision (recomputed after training)

    # ---------------------------------------------------------------- scoring
    @property
    def trusted(self) -> bool:
        """Use the model only while it has beaten the base order on recent lists."""
        if self._trusted is None:
            self._trusted = bool(
                self.coef is not None and self.lists_trained >= MIN_LISTS and self.window
                and sum(m for _, m in self.window) > sum(b for b, _ in self.window)
            )
        return self._trusted

    def scores(self, rows: list[list[float]]) -> list[float]:
        if self.coef is None:
            return [0.0] * len(rows)
        return (np.asarray(rows, dtype=float) @ self.coef).tolist()

    # --------------------------------------------------------------- training
    def _new_clf(self, n_features: int) -> LogisticSGD:
        return LogisticSGD(n_features, ALPHA)

    def _utility(self, scores: list[float], picked: int) -> float:
        r = _rank(scores, picked)
        return (1.0 if r < SHOWN.get(self.kind, 5) else 0.0) + 0.1 / (1 + r)

    def _train(self, batch: list[Example]) -> None:
        xs, ys = [], []
        for ex in batch:
            pos = np.asarray(ex.x[ex.picked], dtype=float)
            for j, row in enumerate(ex.x):
                if j == ex.picked:
                    continue
                d = pos - np.asarray(row, dtype=float)
                if not d.any():
                    continue
                xs.append(d)
                ys.append(1)
                xs.append(-d)
                ys.append(0)
        if not xs:
            return
        if self._clf is None:
            self._clf = self._new_clf(len(xs[0]))
        self._clf.partial_fit(np.asarray(xs), np.asarray(ys))
        self.coef = self._clf.coef_[0].copy()

    def observe(self, batch: list[Example], keep: bool = True) -> None:
        """Test the model on a batch of new lists, then learn from them."""
        batch = [ex for ex in batch if len(ex.x) > 1]
        if not batch:
            return
        if self._stale:
            self.replay(self.examples)
        for ex in batch:
            if self.coef is not None:
                base = [row[0] for row in ex.x]
                self.window.append((self._utility(base, ex.picked), self._utility(self.scores(ex.x), ex.picked)))
        self._train(batch)
        self.lists_trained += len(batch)
        self._trusted = None
        if keep:
            self.examples.extend(batch)
            if len(self.examples) > MAX_EXAMPLES:
                del self.examples[: len(self.examples) - MAX_EXAMPLES]

    def replay(self, examples: list[Example]) -> None:
        """Rebuild the model from ``examples`` exactly as if they had been learned online."""
        self._clf, self.coef, self.lists_trained, self._stale = None, None, 0, False
        self.window.clear()
        self._trusted = None
        self.examples = []
        batches: dict[int, list[Example]] = {}
        for ex in examples:
            batches.setdefault(ex.batch, []).append(ex)
        for b in sorted(batches):
            self.observe(batches[b])

    def forget_between(self, since: float, until: float) -> int:
        keep = [ex for ex in self.examples if not (since <= ex.t < until)]
        removed = len(self.examples) - len(keep)
        if removed:
            self.replay(keep)
        return removed

    def clear(self) -> None:
        self.replay([])

    # ------------------------------------------------------------ persistence
    def weights_json(self) -> dict[str, Any]:
        return {
            "features": self.features,
            "coef": None if self.coef is None else [float(v) for v in self.coef],
            "lists_trained": self.lists_trained,
            "window": [list(p) for p in self.window],
        }

    def load_weights(self, data: dict[str, Any]) -> None:
        """Restore weights and gate state; training later replays the examples first."""
        coef = data.get("coef")
        if coef is not None:
            arr = np.asarray([float(v) for v in coef], dtype=float)
            if arr.shape != (len(self.features),):
                raise ValueError("weights do not match the features")
            self.coef = arr
        self.lists_trained = int(data.get("lists_trained", 0))
        self.window = deque(((float(a), float(b)) for a, b in data.get("window", [])), maxlen=WINDOW)
        self._stale = True
        self._trusted = None
