"""Set metrics on CLIP embeddings: diversity, FID and KID (float64, on whatever device they live).

FID (Heusel et al. 2017) is the Fréchet distance between Gaussians fitted to two feature sets;
KID (Bińkowski et al. 2018) the unbiased MMD² with the cubic polynomial kernel, averaged over
random subsets. Both are computed on CLIP image embeddings instead of Inception's (no
torchvision; the same CLIP also gives the prompt scores), so their scale differs from published
Inception figures: compare them between runs with the same CLIP only.
"""
from __future__ import annotations

import torch

KID_SUBSETS = 50
KID_SUBSET_SIZE = 100


def diversity(features: torch.Tensor) -> float:
    """Mean pairwise cosine distance (1 − cos) of unit embeddings (N ≥ 2)."""
    f = features.double()
    n = f.shape[0]
    sims = f @ f.T
    off = (sims.sum() - sims.diagonal().sum()) / (n * (n - 1))
    return float(1.0 - off)


def _sqrt_psd(m: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh((m + m.T) / 2)
    return (vecs * vals.clamp(min=0).sqrt()) @ vecs.T


def fid(a: torch.Tensor, b: torch.Tensor) -> float:
    """Fréchet distance between the Gaussians of feature sets ``a`` and ``b`` (each N ≥ 2)."""
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    root_a = _sqrt_psd(cov_a)
    # tr(sqrt(A B)) = tr(sqrt(sqrt(A) B sqrt(A))): a symmetric PSD matrix, so eigh is stable.
    cross = torch.linalg.eigvalsh(root_a @ cov_b @ root_a).clamp(min=0).sqrt().sum()
    value = (mu_a - mu_b).square().sum() + cov_a.trace() + cov_b.trace() - 2 * cross
    return max(float(value), 0.0)


def kid(a: torch.Tensor, b: torch.Tensor, seed: int = 0) -> float:
    """Unbiased MMD² with k(x, y) = (x·y / d + 1)³, averaged over random subsets (each N ≥ 2)."""
    a, b = a.double(), b.double()
    d = a.shape[1]
    m = min(a.shape[0], b.shape[0], KID_SUBSET_SIZE)
    g = torch.Generator().manual_seed(seed)
    total = 0.0
    subsets = 1 if m == a.shape[0] == b.shape[0] else KID_SUBSETS
    for _ in range(subsets):
        x = a[torch.randperm(a.shape[0], generator=g)[:m].to(a.device)]
        y = b[torch.randperm(b.shape[0], generator=g)[:m].to(b.device)]
        kxx, kyy, kxy = ((x @ x.T / d + 1) ** 3, (y @ y.T / d + 1) ** 3, (x @ y.T / d + 1) ** 3)
        within = (kxx.sum() - kxx.diagonal().sum() + kyy.sum() - kyy.diagonal().sum()) / (m * (m - 1))
        total += float(within - 2 * kxy.mean())
    return total / subsets
