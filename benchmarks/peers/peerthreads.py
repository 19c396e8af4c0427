"""Thread control shared by the PyTorch peers: torch's intra-op pool and the
OpenBLAS pool torch links, found in the process's memory map (so that a
one-thread run is one thread)."""

import torch

_BLAS = []


def _openblas():
    if not _BLAS:
        import ctypes
        import re
        h = None
        try:
            with open("/proc/self/maps") as f:
                libs = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", f.read())))
        except OSError:
            libs = []
        for lib in libs:
            try:
                cand = ctypes.CDLL(lib)
                cand.openblas_set_num_threads
                cand.openblas_get_num_threads
                h = cand
                break
            except (OSError, AttributeError):
                continue
        _BLAS.append(h)
    return _BLAS[0]


def set_threads(n):
    torch.set_num_threads(n)
    h = _openblas()
    if h is not None:
        h.openblas_set_num_threads(n)


def get_threads():
    h = _openblas()
    return {"torch": torch.get_num_threads(),
            "openblas": None if h is None else int(h.openblas_get_num_threads())}
