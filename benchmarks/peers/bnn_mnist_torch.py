#!/usr/bin/env python3
"""PyTorch peer of govi's BenchmarkBNNStepDType/mnist: the time of one SVI
step of a mean-field Gaussian BNN 784-400-400-10 (ReLU, categorical
likelihood) on a minibatch of B = 128 seeded random images out of N =
60,000, S = 1 draw of the weights, in float32 and float64.

The step is govi's with the entropy estimator: every weight and bias has
q = N(loc, softplus(rho)^2) and prior N(0, 1); the loss is
    -( N/B * sum_b log softmax(f(x_b; w))[y_b] + log p(w) + H[q] )
with w = loc + softplus(rho) * eps, H[q] = sum log softplus(rho) + const;
Adam (lr 1e-3) updates loc and rho. Noise eps is drawn by torch.randn
each step (govi draws it on the host as well). Only steps are timed, after
warm-up steps; the figure is the median over --repeats runs.

    /usr/bin/python3 benchmarks/peers/bnn_mnist_torch.py [--threads 1] [--steps 50] [--repeats 5]

Prints one JSON line: seconds per step for each dtype.
"""
import argparse
import json
import math
import statistics
import time

import torch

import peerthreads

SIZES = [784, 400, 400, 10]
B, N = 128, 60000


def make(dtype, gen):
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        wl = (torch.randn(fan_in, fan_out, generator=gen, dtype=dtype) * math.sqrt(2.0 / fan_in)).requires_grad_()
        bl = torch.zeros(fan_out, dtype=dtype, requires_grad=True)
        rho0 = math.log(math.expm1(0.01))
        wr = torch.full((fan_in, fan_out), rho0, dtype=dtype, requires_grad=True)
        br = torch.full((fan_out,), rho0, dtype=dtype, requires_grad=True)
        params += [wl, wr, bl, br]
    return params


def loss_fn(params, x, y, gen):
    h = x
    logp = 0.0
    ent = 0.0
    n_layers = len(SIZES) - 1
    for k in range(n_layers):
        wl, wr, bl, br = params[4 * k: 4 * k + 4]
        ws, bs = torch.nn.functional.softplus(wr), torch.nn.functional.softplus(br)
        w = wl + ws * torch.randn(wl.shape, generator=gen, dtype=wl.dtype)
        b = bl + bs * torch.randn(bl.shape, generator=gen, dtype=bl.dtype)
        logp = logp - 0.5 * (w.pow(2).sum() + b.pow(2).sum())
        ent = ent + torch.log(ws).sum() + torch.log(bs).sum()
        h = torch.addmm(b, h, w)
        if k < n_layers - 1:
            h = torch.relu(h)
    ll = -torch.nn.functional.cross_entropy(h, y, reduction="sum")
    return -(N / B * ll + logp + ent)


def time_steps(dtype, steps, warm):
    gen = torch.Generator().manual_seed(1)
    params = make(dtype, gen)
    x = torch.randn(B, SIZES[0], generator=gen, dtype=dtype)
    y = torch.randint(0, SIZES[-1], (B,), generator=gen)
    opt = torch.optim.Adam(params, lr=1e-3)
    for i in range(warm + steps):
        if i == warm:
            t0 = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(params, x, y, gen)
        loss.backward()
        opt.step()
    return (time.perf_counter() - t0) / steps


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warm", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    peerthreads.set_threads(a.threads)
    out = {"threads": peerthreads.get_threads(), "torch": torch.__version__, "B": B, "sizes": SIZES}
    for name, dt in (("float64", torch.float64), ("float32", torch.float32)):
        ts = [time_steps(dt, a.steps, a.warm) for _ in range(a.repeats)]
        out[name] = {"s_per_step_median": statistics.median(ts), "min": min(ts), "max": max(ts)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
