"""A per-person pairwise reranker (scikit-learn ``SGDClassifier``, logistic loss, online).

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

import warnings
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # scikit-learn takes seconds to import: only training needs it
    from sklearn.linear_model import SGDClassifier

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
    _clf: SGDClassifier | None = None
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
    def _new_clf(self) -> SGDClassifier:
        from sklearn.linear_model import SGDClassifier

        return SGDClassifier(
            loss="log_loss", alpha=1e-3, fit_intercept=False, shuffle=False,
            learning_rate="optimal", random_state=0,
        )

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
            self._clf = self._new_clf()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._clf.partial_fit(np.asarray(xs), np.asarray(ys), classes=np.array([0, 1]))
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
