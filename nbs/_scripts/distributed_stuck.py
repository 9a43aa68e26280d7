"""A script for the timeout test of `learnlib.distributed` (nbs/12_distributed.ipynb).

Run with `torchrun --nproc_per_node=2 distributed_stuck.py TIMEOUT`: the process of rank 1 gets stuck (it sleeps for
two minutes) inside `distrib_ctx(timeout=TIMEOUT)`, while the main process fits. The main process must fail after
about TIMEOUT seconds with an error that says what happened, and `torchrun` then stops the other one."""
import sys, time
import torch
from torch import nn
from learnlib.all import *

timeout = float(sys.argv[1])
x = torch.randn(64, 4)
dls = DataLoaders(TensorLoader(x, x.sum(1, keepdim=True), bs=16, shuffle=True), TensorLoader(x, x.sum(1, keepdim=True), bs=16))
learn = Learner(dls, nn.Linear(4, 1), nn.MSELoss(), lr=1e-2)
with learn.distrib_ctx(timeout=timeout), learn.no_bar():
    if rank_distrib() == 1:
        print('rank 1: sleeping for two minutes', flush=True)
        time.sleep(120)
    start = time.perf_counter()
    try: learn.fit(1)
    finally: print(f'rank {rank_distrib()}: the fit ended after {time.perf_counter() - start:.1f} s', flush=True)
