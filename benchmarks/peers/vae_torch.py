#!/usr/bin/env python3
"""Peer baseline for govi's models/vae: the same VAE, trained and evaluated
the same way, in PyTorch.

Model (as models/vae with its defaults):
    z_n ~ N(0, I_L)
    x_n | z_n ~ prod_j Bernoulli(sigmoid(f(z_n)_j))      binarized pixels
    f = Linear(L, H) -> ReLU -> Linear(H, D)              decoder, ML weights
Encoder (guides.Amortized): h = ReLU(Linear(D, H)(x)),
    mu = Linear(H, L)(h), sigma = softplus(Linear(H, L)(h)),
    q(z|x) = N(mu, diag sigma^2).
Initialization: Glorot-uniform weights, zero biases, except the bias of the
sigma head at softplus^-1(0.1) (govi's DefaultInitScale).

Training: minibatches of B rows (a fresh random permutation every pass,
the N mod B rows left over skipped in that pass), loss
    -(N/B) sum_{n in batch} [log p(x_n | z_n) - KL(q(z_n|x_n) || N(0, I))]
with one reparameterized z per datum and the KL in closed form (govi's
svi.KLELBO), Adam(lr) with default betas; steps = epochs * (N // B).

Evaluation (float64): for each test image, 500 draws z_k ~ q(z|x);
log w_k = log p(x|z_k) + log N(z_k; 0, I) - log q(z_k|x); the ELBO is
mean_k log w_k and the bound L_K (Burda et al. 2016) is the mean over the
500/K disjoint groups of K of log mean exp(log w) -- as govi's
Net.Evaluate. Amortization gap (Cremer et al. 2018, as govi's
Net.AmortizationGap): per test image, a mean-field q_n fitted with the
decoder fixed, from the encoder's output, by Adam (lr 1e-2, KL in closed
form, one draw per step), iterates averaged over the second half; both
ELBOs then from 100 common draws per image; the approximation gap is
L_100 with the refitted q as proposal minus its ELBO.

Data: the digits CSV shipped in govi's data/digits_8x8 (header, 64 pixel
columns 0..16, label; every 5th row, i % 5 == 4, is the test set; pixel
binarized as value/16 >= 0.5) or a Fashion-MNIST folder (the four IDX .gz
files; 60k/10k; value/255 >= 0.5).

--bench times one training step at B = 128 (median of --repeats timings of
--bench-steps steps each, synthetic seeded binary data) for D = 64 and 784,
float32 and float64, and prints images/s per wall second and per CPU
second (the latter is the fairer figure on a machine shared with other
jobs).

Threads: torch's intra-op threads and OpenBLAS's pool are both set to
--threads (Debian's torch links the system OpenBLAS, whose pool ignores
torch.set_num_threads); see shared/peers/README.md.

Prints one JSON line of results at the end.
"""
import argparse
import gzip
import json
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


# ---------------------------------------------------------------------------
# threads and machine noise (as shared/peers/bnn_svi_torch.py)

from peerthreads import get_threads, set_threads  # noqa: E402


def _cpu_times():
    with open("/proc/stat") as f:
        v = [float(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0.0)
    return sum(v), idle


def others_busy(interval=0.5):
    try:
        t0, i0 = _cpu_times()
        time.sleep(interval)
        t1, i1 = _cpu_times()
        return max(0.0, 1.0 - (i1 - i0) / max(t1 - t0, 1e-9))
    except OSError:
        return None


# ---------------------------------------------------------------------------
# data

def read_digits(path):
    rows = np.loadtxt(path, delimiter=",", skiprows=1)
    assert rows.shape[1] == 65, rows.shape
    x = (rows[:, :64] / 16.0 >= 0.5).astype(np.float64)
    y = rows[:, 64].astype(int)
    idx = np.arange(len(rows))
    test = idx % 5 == 4
    return x[~test], x[test], y[test], "digits_8x8"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        magic, = struct.unpack(">I", f.read(4))
        nd = magic & 0xFF
        dims = struct.unpack(">" + "I" * nd, f.read(4 * nd))
        return np.frombuffer(f.read(), dtype=np.uint8).reshape(dims)


def read_fashion(folder):
    def imgs(name):
        a = read_idx(os.path.join(folder, name)).astype(np.float64) / 255.0
        return (a.reshape(len(a), -1) >= 0.5).astype(np.float64)
    xtr = imgs("train-images-idx3-ubyte.gz")
    xte = imgs("t10k-images-idx3-ubyte.gz")
    yte = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")).astype(int)
    return xtr, xte, yte, "fashion_mnist"


# ---------------------------------------------------------------------------
# model

INIT_SCALE = 0.1


def inv_softplus(s):
    return s + math.log(-math.expm1(-s))


def glorot(fan_in, fan_out, g, dtype):
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return ((torch.rand(fan_in, fan_out, generator=g, dtype=torch.float64) * 2 - 1) * a).to(dtype)


class VAE:
    """Weights as plain tensors, x @ W + b (W is [in, out], as govi's)."""

    def __init__(self, d, latent, hidden, seed, dtype):
        g = torch.Generator().manual_seed(seed)
        self.params = {}

        def lin(name, i, o, bias=0.0):
            self.params[name + ".w"] = glorot(i, o, g, dtype).requires_grad_()
            self.params[name + ".b"] = torch.full((o,), bias, dtype=dtype).requires_grad_()
        lin("enc0", d, hidden)
        lin("loc", hidden, latent)
        lin("rho", hidden, latent, inv_softplus(INIT_SCALE))
        lin("dec0", latent, hidden)
        lin("dec1", hidden, d)
        self.latent = latent

    def p(self, name):
        return self.params[name + ".w"], self.params[name + ".b"]

    def encode(self, x):
        w, b = self.p("enc0")
        h = torch.relu(x @ w + b)
        w, b = self.p("loc")
        mu = h @ w + b
        w, b = self.p("rho")
        sigma = F.softplus(h @ w + b)
        return mu, sigma

    def logits(self, z):
        w, b = self.p("dec0")
        h = torch.relu(z @ w + b)
        w, b = self.p("dec1")
        return h @ w + b


def bernoulli_loglik(x, logits):
    # x*l - softplus(l), summed over pixels
    return (x * logits - F.softplus(logits)).sum(-1)


def kl_std_normal(mu, sigma):
    return (0.5 * (sigma ** 2 + mu ** 2 - 1) - torch.log(sigma)).sum(-1)


def loss_fn(m, x, eps, scale):
    mu, sigma = m.encode(x)
    z = mu + sigma * eps
    elbo = bernoulli_loglik(x, m.logits(z)) - kl_std_normal(mu, sigma)
    return -scale * elbo.sum()


def train(m, xtr, epochs, batch, lr, seed, dtype, log_every=0):
    n = len(xtr)
    xt = torch.tensor(xtr, dtype=dtype)
    opt = torch.optim.Adam(list(m.params.values()), lr=lr)
    gen = torch.Generator().manual_seed(seed + 1)
    per_epoch = max(1, n // batch)
    steps = int(round(epochs * per_epoch))
    scale = n / batch
    losses = []
    perm = torch.randperm(n, generator=gen)
    pos = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    for s in range(steps):
        if pos + batch > n:
            perm = torch.randperm(n, generator=gen)
            pos = 0
        xb = xt[perm[pos:pos + batch]]
        pos += batch
        eps = torch.randn(batch, m.latent, generator=gen, dtype=dtype)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(m, xb, eps, scale)
        loss.backward()
        opt.step()
        losses.append(loss.item() / n)
        if log_every and (s + 1) % log_every == 0:
            print(f"step {s+1}/{steps} ELBO/image {-statistics.fmean(losses[-log_every:]):.4f}", file=sys.stderr)
    return steps, losses, time.perf_counter() - t0, time.process_time() - c0


@torch.no_grad()
def evaluate(m, x, ks, seed, draws=None, q=None):
    """Per-datum ELBO and L_K from max(ks) draws (float64)."""
    kmax = draws or max(ks)
    x = torch.tensor(x, dtype=torch.float64)
    g = torch.Generator().manual_seed(seed)
    if q is None:
        mu, sigma = m.encode(x)
    else:
        mu, sigma = q
    L = mu.shape[1]
    row_elbo = torch.empty(len(x), dtype=torch.float64)
    row_iwae = {k: torch.empty(len(x), dtype=torch.float64) for k in ks}
    chunk = max(1, 20000 // kmax)
    log2pi = math.log(2 * math.pi)
    for i0 in range(0, len(x), chunk):
        i1 = min(len(x), i0 + chunk)
        eps = torch.randn(i1 - i0, kmax, L, generator=g, dtype=torch.float64)
        mu_c, sd_c = mu[i0:i1, None, :], sigma[i0:i1, None, :]
        z = mu_c + sd_c * eps
        logq = (-0.5 * eps ** 2 - torch.log(sd_c) - 0.5 * log2pi).sum(-1)
        logp = (-0.5 * z ** 2 - 0.5 * log2pi).sum(-1)
        ll = bernoulli_loglik(x[i0:i1, None, :], m.logits(z))
        lw = ll + logp - logq  # [rows, kmax]
        row_elbo[i0:i1] = lw.mean(1)
        for k in ks:
            groups = kmax // k
            lwg = lw[:, :groups * k].reshape(i1 - i0, groups, k)
            row_iwae[k][i0:i1] = (torch.logsumexp(lwg, -1) - math.log(k)).mean(1)
    return row_elbo, row_iwae


def mean_se(v):
    v = v.numpy()
    return float(v.mean()), float(v.std(ddof=1) / math.sqrt(len(v))) if len(v) > 1 else 0.0


def refine_local(m, x, steps, lr, seed):
    """Per-datum mean-field q fitted with the decoder fixed, from the
    encoder's output; iterates averaged over the second half."""
    x = torch.tensor(x, dtype=torch.float64)
    with torch.no_grad():
        mu0, sd0 = m.encode(x)
    mu = mu0.clone().requires_grad_()
    rho = torch.log(torch.expm1(sd0)).clone().requires_grad_()
    opt = torch.optim.Adam([mu, rho], lr=lr)
    g = torch.Generator().manual_seed(seed)
    for p in m.params.values():
        p.requires_grad_(False)
    avg_mu, avg_rho, navg = torch.zeros_like(mu), torch.zeros_like(rho), 0
    for s in range(steps):
        eps = torch.randn(mu.shape, generator=g, dtype=torch.float64)
        sigma = F.softplus(rho)
        z = mu + sigma * eps
        loss = -(bernoulli_loglik(x, m.logits(z)) - kl_std_normal(mu, sigma)).sum()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if s >= steps // 2:
            avg_mu += mu.detach()
            avg_rho += rho.detach()
            navg += 1
    for p in m.params.values():
        p.requires_grad_(True)
    return avg_mu / navg, F.softplus(avg_rho / navg)


def to64(m):
    m64 = VAE.__new__(VAE)
    m64.latent = m.latent
    m64.params = {k: v.detach().to(torch.float64).clone() for k, v in m.params.items()}
    return m64


# ---------------------------------------------------------------------------
# speed

def bench(d, latent, hidden, batch, dtype, steps, repeats, threads, quiet_wait):
    set_threads(threads)
    g = torch.Generator().manual_seed(7)
    x = (torch.rand(batch, d, generator=g, dtype=torch.float64) < 0.3).to(dtype)
    m = VAE(d, latent, hidden, 1, dtype)
    opt = torch.optim.Adam(list(m.params.values()), lr=1e-3)
    scale = 10.0

    def step():
        eps = torch.randn(batch, latent, generator=g, dtype=dtype)
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(m, x, eps, scale)
        loss.backward()
        opt.step()
    for _ in range(20):
        step()
    rates, cpu_rates, busy = [], [], []
    for _ in range(repeats):
        b = others_busy() if quiet_wait >= 0 else None
        deadline = time.time() + max(quiet_wait, 0)
        while b is not None and b >= 0.15 and time.time() < deadline:
            time.sleep(2.0)
            b = others_busy()
        busy.append(b)
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(steps):
            step()
        rates.append(batch * steps / (time.perf_counter() - t0))
        cpu_rates.append(batch * steps / (time.process_time() - c0))
    return {"d": d, "latent": latent, "hidden": hidden, "batch": batch, "dtype": str(dtype).replace("torch.", ""),
            "threads": threads, "images_per_s": statistics.median(rates), "all": rates,
            "images_per_cpu_s": statistics.median(cpu_rates), "all_cpu": cpu_rates, "others_busy_before": busy}


# ---------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="?", help="digits CSV or Fashion-MNIST folder")
    ap.add_argument("--latent", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=200)
    ap.add_argument("--epochs", type=float, default=100)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--test-rows", type=int, default=0)
    ap.add_argument("--k", default="1,50,500")
    ap.add_argument("--gap-rows", type=int, default=100)
    ap.add_argument("--gap-steps", type=int, default=1000)
    ap.add_argument("--bench", action="store_true", help="speed reference only")
    ap.add_argument("--bench-steps", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quiet-wait", type=float, default=60)
    ap.add_argument("--log-every", type=int, default=0)
    a = ap.parse_args()
    set_threads(a.threads)
    torch.manual_seed(a.seed)

    if a.bench:
        res = []
        for d, latent in [(64, 2), (64, 10), (784, 10)]:
            for dt in [torch.float32, torch.float64]:
                r = bench(d, latent, a.hidden, a.batch, dt, a.bench_steps if d == 64 else max(10, a.bench_steps // 4),
                          a.repeats, a.threads, a.quiet_wait)
                print(json.dumps(r), file=sys.stderr)
                res.append(r)
        print(json.dumps({"bench": res, "threads": get_threads(), "torch": torch.__version__,
                          "loadavg": os.getloadavg()}))
        return

    if a.data is None:
        ap.error("data is required unless --bench")
    if os.path.isdir(a.data):
        xtr, xte, yte, name = read_fashion(a.data)
    else:
        xtr, xte, yte, name = read_digits(a.data)
    if a.test_rows > 0:
        xte, yte = xte[:a.test_rows], yte[:a.test_rows]
    dtype = torch.float32 if a.dtype == "float32" else torch.float64
    ks = sorted({int(k) for k in a.k.split(",") if k})
    busy = others_busy()
    m = VAE(xtr.shape[1], a.latent, a.hidden, a.seed, dtype)
    steps, losses, wall, cpu = train(m, xtr, a.epochs, min(a.batch, len(xtr)), a.lr, a.seed, dtype, a.log_every)
    m64 = to64(m)
    t0 = time.perf_counter()
    row_elbo, row_iwae = evaluate(m64, xte, ks, a.seed + 3)
    out = {"model": "vae_torch", "data": a.data, "dataset": name, "train_rows": len(xtr), "test_rows": len(xte),
           "latent": a.latent, "hidden": a.hidden, "batch": a.batch, "epochs": a.epochs, "steps": steps, "lr": a.lr,
           "seed": a.seed, "dtype": a.dtype, "threads": get_threads(), "torch": torch.__version__,
           "train_seconds": wall, "train_cpu_seconds": cpu, "images_per_second": steps * a.batch / wall,
           "others_busy_before": busy,
           "train_elbo": -statistics.fmean(losses[-max(1, len(xtr) // a.batch):])}
    out["test_elbo"], out["test_elbo_stderr"] = mean_se(row_elbo)
    out["test_iwae"], out["test_iwae_stderr"] = {}, {}
    for k in ks:
        out["test_iwae"][str(k)], out["test_iwae_stderr"][str(k)] = mean_se(row_iwae[k])
    if a.gap_rows > 0:
        n = min(a.gap_rows, len(xte))
        xs = xte[:n]
        q = refine_local(m64, xs, a.gap_steps, 1e-2, a.seed + 4)
        am, am_iw = evaluate(m64, xs, [100], a.seed + 5)
        lo, lo_iw = evaluate(m64, xs, [100], a.seed + 5, q=q)
        gm, gse = mean_se(lo - am)
        out["amortization_gap"] = {"rows": n, "amortized_elbo": float(am.mean()), "local_elbo": float(lo.mean()),
                                   "gap": gm, "gap_stderr": gse, "iwae": float(am_iw[100].mean()),
                                   "local_iwae": float(lo_iw[100].mean()),
                                   "steps": a.gap_steps, "draws": 100}
        out["approximation_gap"] = float(lo_iw[100].mean() - lo.mean())
    out["eval_seconds"] = time.perf_counter() - t0
    print(json.dumps(out))


if __name__ == "__main__":
    main()
