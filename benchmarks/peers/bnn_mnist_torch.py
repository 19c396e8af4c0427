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

Training mode (--train DIR): trains the same network on the official
training images of MNIST or Fashion-MNIST in DIR (the IDX files
train-images-idx3-ubyte.gz, ... as `train bnn -idx DIR` reads them: pixels
/ 255, not standardized) for --epochs epochs and scores the official test
images; the PyTorch side of models/bnn/MNIST_RESULTS.md. It mirrors
`train bnn -idx DIR -hidden 400,400 -batch 128 -particles 1 -lr LR`:

  - q: every weight and bias N(loc, softplus(rho)^2); loc of a weight
    matrix He-initialized, N(0, 2/fan-in) for the hidden layers and
    N(0, 1/fan-in) for the output layer, biases 0, softplus(rho) = 0.01;
  - prior N(0, 1) on every weight and bias; the entropy estimator of the
    ELBO with S = 1 draw, the likelihood scaled by N/B;
  - with --local-reparam the likelihood's pre-activations are drawn per
    row from N(h M + m_b, h^2 S + s_b^2) (Kingma et al. 2015), as
    ops.LocalDense does, while log p(w) still uses one weight draw;
  - Adam (0.9, 0.999, 1e-8) at --lr, a tenth of it for the last --anneal
    fraction of the steps (govi's -anneal, default 0.25);
  - minibatches of B = 128 in a fresh random order each epoch, the
    N mod B rows left over skipped (468 steps an epoch for N = 60,000);
  - test metrics from --draws whole weight draws: the class probabilities
    averaged over draws (1,000 rows at a time), test error of their argmax
    and test LL, the mean log predictive probability of the label.

Differences: the noise comes from torch's generator, not govi's PCG
streams, and the random initial locs and minibatch order differ, so the
two fits agree in distribution, not bit for bit. govi's divergence guard
(roll back a non-finite step, halve the step size) has no counterpart
here. Seconds per epoch count the training steps only.

    /usr/bin/python3 benchmarks/peers/bnn_mnist_torch.py --train $GOVI_DATA/fashion_mnist --epochs 5 [--local-reparam] [--dtype float32]

Prints a line per epoch and one JSON line at the end.
"""
import argparse
import gzip
import json
import os
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


def read_idx(path, magic):
    """The uint8 array of an IDX file (gzipped when the name ends in .gz)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or int.from_bytes(raw[:4], "big") != magic:
        raise SystemExit(f"{path}: not an IDX file of magic {magic}")
    nd = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    data = raw[4 + 4 * nd:]
    if len(data) != math.prod(dims):
        raise SystemExit(f"{path}: {len(data)} data bytes for dimensions {dims}")
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).reshape(dims)


def load(directory, train, dtype):
    """Images (rows of pixels / 255) and labels of the official split."""
    pre = "train" if train else "t10k"
    img = read_idx(os.path.join(directory, f"{pre}-images-idx3-ubyte.gz"), 0x0803)
    lab = read_idx(os.path.join(directory, f"{pre}-labels-idx1-ubyte.gz"), 0x0801)
    if img.shape[0] != lab.shape[0]:
        raise SystemExit(f"{directory}: {lab.shape[0]} labels for {img.shape[0]} {pre} images")
    return img.reshape(img.shape[0], -1).to(dtype) / 255, lab.long()


def init_train(dtype, gen):
    """govi's initial q: He locs (gain 1 for the output layer), bias 0, sd 0.01."""
    params = []
    n_layers = len(SIZES) - 1
    rho0 = math.log(math.expm1(0.01))
    for k, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        gain = 1.0 if k == n_layers - 1 else 2.0
        wl = (torch.randn(fan_in, fan_out, generator=gen, dtype=dtype) * math.sqrt(gain / fan_in)).requires_grad_()
        bl = torch.zeros(fan_out, dtype=dtype, requires_grad=True)
        wr = torch.full((fan_in, fan_out), rho0, dtype=dtype, requires_grad=True)
        br = torch.full((fan_out,), rho0, dtype=dtype, requires_grad=True)
        params += [wl, wr, bl, br]
    return params


def train_loss(params, x, y, gen, n, local):
    """-ELBO by the entropy estimator, one draw; with local, the
    likelihood's pre-activations by the local reparameterization."""
    sp = torch.nn.functional.softplus
    h, logp, ent = x, 0.0, 0.0
    n_layers = len(SIZES) - 1
    for k in range(n_layers):
        wl, wr, bl, br = params[4 * k: 4 * k + 4]
        ws, bs = sp(wr), sp(br)
        w = wl + ws * torch.randn(wl.shape, generator=gen, dtype=wl.dtype)
        b = bl + bs * torch.randn(bl.shape, generator=gen, dtype=bl.dtype)
        logp = logp - 0.5 * (w.pow(2).sum() + b.pow(2).sum())
        ent = ent + torch.log(ws).sum() + torch.log(bs).sum()
        if local:
            mean = torch.addmm(bl, h, wl)
            var = torch.addmm(bs * bs, h * h, ws * ws)
            h = mean + var.sqrt() * torch.randn(mean.shape, generator=gen, dtype=mean.dtype)
        else:
            h = torch.addmm(b, h, w)
        if k < n_layers - 1:
            h = torch.relu(h)
    ll = -torch.nn.functional.cross_entropy(h, y, reduction="sum")
    return -(n / x.shape[0] * ll + logp + ent)


@torch.no_grad()
def evaluate(params, x, y, draws, gen, chunk=1000):
    """Test error and mean log predictive probability from draws whole
    weight draws, the class probabilities averaged over draws."""
    sp = torch.nn.functional.softplus
    probs = torch.zeros(x.shape[0], SIZES[-1], dtype=torch.float64)
    n_layers = len(SIZES) - 1
    for _ in range(draws):
        ws = []
        for k in range(n_layers):
            wl, wr, bl, br = params[4 * k: 4 * k + 4]
            ws.append((wl + sp(wr) * torch.randn(wl.shape, generator=gen, dtype=wl.dtype),
                       bl + sp(br) * torch.randn(bl.shape, generator=gen, dtype=bl.dtype)))
        for r0 in range(0, x.shape[0], chunk):
            h = x[r0:r0 + chunk]
            for k, (w, b) in enumerate(ws):
                h = torch.addmm(b, h, w)
                if k < n_layers - 1:
                    h = torch.relu(h)
            probs[r0:r0 + chunk] += torch.softmax(h.double(), dim=1) / draws
    err = (probs.argmax(dim=1) != y).double().mean().item()
    ll = torch.log(probs[torch.arange(x.shape[0]), y]).mean().item()
    return err, ll


def train(a):
    dtype = {"float32": torch.float32, "float64": torch.float64}[a.dtype]
    xtr, ytr = load(a.train, True, dtype)
    xte, yte = load(a.train, False, dtype)
    if a.rows:
        xtr, ytr, xte, yte = xtr[:a.rows], ytr[:a.rows], xte[:a.rows], yte[:a.rows]
    n = xtr.shape[0]
    gen = torch.Generator().manual_seed(a.seed)
    params = init_train(dtype, gen)
    opt = torch.optim.Adam(params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    spe = n // B if B < n else 1
    steps = a.epochs * spe
    anneal_at = steps - round(a.anneal * steps)
    step, per_epoch = 0, []
    for ep in range(a.epochs):
        perm = torch.randperm(n, generator=gen)
        t0, tot = time.perf_counter(), 0.0
        for i in range(spe):
            if step == anneal_at:
                for g in opt.param_groups:
                    g["lr"] = a.lr / 10
            rows = perm[i * B:(i + 1) * B]
            opt.zero_grad()
            loss = train_loss(params, xtr[rows], ytr[rows], gen, n, a.local_reparam)
            loss.backward()
            opt.step()
            tot += loss.item()
            step += 1
        per_epoch.append(time.perf_counter() - t0)
        print(f"epoch {ep + 1}/{a.epochs}: -loss {-tot / spe:.6g} (mean of its {spe} steps), {per_epoch[-1]:.1f} s", flush=True)
    t0 = time.perf_counter()
    err, ll = evaluate(params, xte, yte, a.draws, gen)
    return {"mode": "train", "data": a.train, "threads": peerthreads.get_threads(), "torch": torch.__version__,
            "dtype": a.dtype, "local_reparam": a.local_reparam, "sizes": SIZES, "B": B, "N": n, "test_rows": xte.shape[0],
            "epochs": a.epochs, "steps_per_epoch": spe, "lr": a.lr, "anneal": a.anneal, "draws": a.draws,
            "s_per_epoch": per_epoch, "s_per_epoch_median": statistics.median(per_epoch),
            "test_error": err, "test_ll": ll, "eval_seconds": time.perf_counter() - t0}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--train", metavar="DIR", help="train on the IDX files of MNIST or Fashion-MNIST in DIR")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--anneal", type=float, default=0.25)
    ap.add_argument("--draws", type=int, default=100, help="weight draws for the test metrics")
    ap.add_argument("--local-reparam", action="store_true")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--rows", type=int, default=0, help="keep the first rows training and test images (0: all)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warm", type=int, default=5)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    peerthreads.set_threads(a.threads)
    if a.train:
        print(json.dumps(train(a)))
        return
    out = {"threads": peerthreads.get_threads(), "torch": torch.__version__, "B": B, "sizes": SIZES}
    for name, dt in (("float64", torch.float64), ("float32", torch.float32)):
        ts = [time_steps(dt, a.steps, a.warm) for _ in range(a.repeats)]
        out[name] = {"s_per_step_median": statistics.median(ts), "min": min(ts), "max": max(ts)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
