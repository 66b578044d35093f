"""Exact-on-a-lattice distributions of bookings: the open pipeline by dynamic programming, new business by
the characteristic function of a compound Poisson, combined with FFTs.

Owns the numerics. Amounts live on a lattice of step `h` taken modulo `size` points (a circular grid):
every law is exact modulo size*h, and a window of `size` points placed around each law's mean (wide
enough by Bernstein's inequality, see Lattice.choose) recovers it. Each deal moves to its nearest lattice
point with its probability rescaled, so every mean is kept exactly (see _snap).

Why not one FFT per deal: with thousands of deals that is an n x size complex product. Instead deals are
spread over blocks whose convolutions run side by side (one vectorised step per deal of the longest block,
on short rows), and only the block results go through the FFT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Lattice", "Law", "pipeline_spectra", "compound_poisson_log", "point_mass"]


@dataclass(frozen=True)
class Lattice:
    h: float
    size: int
    reach: float = math.inf  # how far below its mean a law may reach; inf: the window starts at 0

    @property
    def bins(self) -> int:
        return self.size // 2 + 1

    @staticmethod
    def choose(remaining: float, sd_max: float, jump_max: float, span_max: float, size: int = 8192) -> Lattice:
        """A step that resolves the widest law asked for in this request, with `remaining` (target minus
        booked) on a lattice point so that an atom exactly at the target counts as reaching it.

        The window must hold all but ~1e-9 of the mass. Bernstein's inequality for a sum of independent terms
        each moving by at most `jump_max` gives P(|V - mean| >= t) <= 2 exp(-t^2 / (2 (sd^2 + jump_max t / 3))),
        which is <= 1e-9 at t = 7 jump_max + sqrt(49 jump_max^2 + 42 sd^2): a handful of standard deviations for
        many small deals, up to the whole span when one whale deal dominates."""
        t = 7.0 * jump_max + math.sqrt(49.0 * jump_max**2 + 42.0 * sd_max**2)
        width = min(2.0 * t, span_max) if sd_max > 0 else 0.0
        reach = t if 2.0 * t < span_max else math.inf
        h = width / (0.9 * size) if width > 0 else max(abs(remaining), 1.0) / 1000.0
        if remaining > 0:
            m = max(1, round(remaining / h))
            if remaining / m < 1.5 * h:
                h = remaining / m
        return Lattice(h=h, size=size, reach=reach)


def _snap(amounts: np.ndarray, probs: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Move each deal to its nearest lattice point and rescale its probability so its mean is unchanged.

    Keeping a two-point law (nothing, or the snapped amount) adds no variance of its own; splitting the amount
    between two lattice points would add p*f*(1-f)*h^2 per deal, which over thousands of deals widens the law
    noticeably. An amount already on the lattice (such as one equal to the target gap) stays exact."""
    scaled = amounts / h
    k = np.rint(scaled)
    k[np.isclose(scaled, k, rtol=0.0, atol=1e-9)] = np.rint(scaled[np.isclose(scaled, k, rtol=0.0, atol=1e-9)])
    # Rounding down would need a probability above 1 (or an amount of zero): round up instead.
    up = (k < 1) | (probs * scaled > k + 1e-12)
    k[up] = np.ceil(scaled[up] - 1e-9)
    k = np.maximum(k, 1.0)
    adjusted = np.minimum(probs * scaled / k, 1.0)
    return k.astype(np.int64), adjusted


def pipeline_spectra(
    amounts: np.ndarray, probs: np.ndarray, bucket: np.ndarray, n_buckets: int, lattice: Lattice
) -> np.ndarray:
    """rfft of the law of the pipeline bookings counted by each week end (cumulative), shape (n_buckets, bins)."""
    size = lattice.size
    out = np.ones((n_buckets, lattice.bins), dtype=complex)
    live = probs > 0
    if not live.any():
        return out
    a, wk = amounts[live], bucket[live]
    k, p = _snap(a, probs[live], lattice.h)
    n = len(a)
    block = max(8, math.ceil(math.sqrt(n)))
    rows: list[np.ndarray] = []  # deal indices per block
    row_bucket: list[int] = []
    for w in range(n_buckets):
        idx = np.flatnonzero(wk == w)
        if idx.size == 0:
            continue
        idx = idx[np.argsort(-k[idx], kind="stable")]
        nb = math.ceil(idx.size / block)
        for r in range(nb):
            rows.append(idx[r::nb])  # round-robin by size keeps block totals even
            row_bucket.append(w)
    n_rows = len(rows)
    steps = max(len(r) for r in rows)
    K = np.zeros((n_rows, steps), dtype=np.int64)
    P = np.zeros((n_rows, steps))
    for r, idx in enumerate(rows):
        K[r, : idx.size] = k[idx]
        P[r, : idx.size] = p[idx]
    length = min(size, int(K.sum(axis=1).max()) + 1)
    pmf = np.zeros((n_rows, length))
    pmf[:, 0] = 1.0
    cols = np.arange(length)
    for s in range(steps):
        ps, ks = P[:, s], K[:, s]
        shifted = np.take_along_axis(pmf, (cols[None, :] - ks[:, None]) % length, axis=1)
        pmf = (1.0 - ps)[:, None] * pmf + ps[:, None] * shifted
    spectra = np.fft.rfft(pmf, n=size, axis=1)
    for r, w in enumerate(row_bucket):
        out[w] *= spectra[r]
    return np.cumprod(out, axis=0)


def point_mass(spectrum: np.ndarray, size: int, index: int) -> float:
    """One value of the inverse rfft (the probability at lattice point `index` modulo size), in O(bins)."""
    k = np.arange(spectrum.size)
    terms = spectrum * np.exp(2j * np.pi * k * (index % size) / size)
    weights = np.full(spectrum.size, 2.0)
    weights[0] = 1.0
    if size % 2 == 0:
        weights[-1] = 1.0
    return float(np.dot(weights, terms.real)) / size


def compound_poisson_log(size_bins: np.ndarray) -> np.ndarray:
    """phi_Y - 1 on the lattice: multiply by the Poisson mean and exponentiate for the compound law's rfft."""
    return np.fft.rfft(size_bins) - 1.0


@dataclass(frozen=True)
class Law:
    """A law of V (bookings above `booked`) on the lattice: pmf[j] = P(V = (lo + j) h)."""

    lo: int
    pmf: np.ndarray
    h: float

    @staticmethod
    def from_spectrum(spectrum: np.ndarray, lattice: Lattice, mean: float) -> Law:
        pmf = np.fft.irfft(spectrum, n=lattice.size)
        np.clip(pmf, 0.0, None, out=pmf)
        total = pmf.sum()
        if total > 0:
            pmf /= total
        # The window [lo, lo + size) holds [mean - reach, mean + reach]; a law that may span everything from
        # zero starts at zero (bookings above `booked` are never negative).
        lo = 0 if math.isinf(lattice.reach) else max(0, int(math.floor((mean - lattice.reach) / lattice.h)))
        return Law(lo=lo, pmf=np.roll(pmf, -(lo % lattice.size)), h=lattice.h)

    def p_at_least(self, amount: float, atom: float | None = None) -> float:
        """P(V >= amount); `amount` is on the lattice when it is the target (see Lattice.choose).

        A lattice point stands for its cell [x - h/2, x + h/2). Atoms (sums of deal amounts with no new win)
        sit exactly on the point, so they count whole; continuous mass (new wins) counts half, which removes
        the h/2 bias of counting the whole cell. `atom` is the atom mass at the point; None means all atoms."""
        m = math.ceil(amount / self.h - 1e-9) - self.lo
        if m <= 0:
            return 1.0
        if m >= self.pmf.size:
            return 0.0
        at = float(self.pmf[m])
        whole = at if atom is None else min(max(atom, 0.0), at)
        p = float(self.pmf[m + 1 :].sum()) + whole + 0.5 * (at - whole)
        return min(1.0, max(0.0, p))

    def quantiles(self, qs: tuple[float, ...], discrete: bool = False) -> list[float]:
        """Quantiles with the mass of each lattice point spread over its cell (new business is continuous);
        a `discrete` law (no new business) has only atoms, whose quantiles are the atoms themselves."""
        cdf = np.cumsum(self.pmf)
        out = []
        for q in qs:
            j = int(np.searchsorted(cdf, q, side="left"))
            j = min(j, self.pmf.size - 1)
            below = cdf[j - 1] if j > 0 else 0.0
            mass = self.pmf[j]
            frac = 0.5 if discrete or mass <= 0 else min(max((q - below) / mass, 0.0), 1.0)
            value = (self.lo + j - 0.5 + frac) * self.h
            out.append(max(0.0, value))
        return out
