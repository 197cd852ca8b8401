"""From one machine to many: train in the engine, then on several processes with PyTorch's
DistributedDataParallel (DDP), and bring the trained model back into the engine.

    python examples/distributed.py                           # one process
    torchrun --nproc_per_node=2 examples/distributed.py      # two processes on this machine

    # several machines: the same command on each; HOST:29500 is an address and free port on
    # one of them that all can reach, and moons names the job (torchrun numbers the processes)
    torchrun --nnodes=2 --nproc_per_node=2 --rdzv-id=moons --rdzv-backend=c10d \\
        --rdzv-endpoint=HOST:29500 examples/distributed.py
    # or with the machines numbered by hand: --node_rank=0 on HOST, --node_rank=1 on the other
    torchrun --nnodes=2 --nproc_per_node=2 --node_rank=0 --master-addr=HOST \\
        --master-port=29500 examples/distributed.py

It needs the torch extra (`pip install -e ".[torch]"`). What happens:

1. Every process makes the same two moons (`nn.data.make_moons`, seeded). Process 0 (rank 0)
   trains `nn.MLP(2, [16, 16, 1])` in the scalar engine for --engine-epochs epochs of mini-batch
   SGD on the binary cross-entropy (`nn.fit(..., compile=True)`: the same steps as with Values,
   traced once and replayed), then exports it with `nn.to_torch`: a float64 Sequential.
2. The processes meet (`torch.distributed`: the nccl backend when the machine has a GPU for each
   of its processes, else gloo on the CPUs) and wrap their model in `DistributedDataParallel`,
   which copies rank 0's weights to all of them. (Across machines, if gloo picks a network
   interface the others cannot reach, name the right one: GLOO_SOCKET_IFNAME=eth0.)
3. Each epoch every process shuffles the data the same way (`DistributedSampler`: the same seed
   and epoch number) and cuts it into global batches of --batch-size. Of each global batch,
   process r of N takes every N-th sample from the r-th on: batch-size / N samples, its shard.
   (No shard is padded with repeated samples, and a tail shorter than a global batch is left
   to the next epoch's shuffle, so the shards of a global batch are exactly its samples.)
   It computes the mean loss over its shard and, by backpropagation, that loss's gradient. While
   backward runs, DDP all-reduces the gradients: it sums them over the processes and divides by
   N. The mean of N means over equal parts is the mean over the whole global batch, so every
   process holds the gradient that one process would have computed on the global batch, and all
   take the same SGD step. It is the engine's chain rule, split by samples: a batch's gradient is
   a sum over its samples, and a sum can be added up anywhere.
4. Rank 0 brings the model back with `nn.from_torch`, saves it as an engine model file (--out;
   --checkpoint also saves PyTorch's state_dict), and the engine loads it and evaluates it.

Only rank 0 prints, one fact per line, to be read or parsed: `engine epoch E loss L` (the mean
batch loss over the epoch, each measured before its step, as `nn.fit` records it), `hand-over
loss L` (the engine's, after its last step), `torch start loss L` (PyTorch's on the same
weights), `torch epoch E loss L`, `torch final loss L`, then the saved file and the engine's
loss on it. With --compare, rank 0 also trains a one-process copy on the whole global batches,
prints its losses beside DDP's (`torch epoch E loss L one-process L1`) and, at the end, the
largest difference between the two models' weights: float64 rounding, about 1e-16.
"""

from __future__ import annotations

import argparse
import copy
import gc
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

import nn

try:
    import torch
    import torch.distributed as dist
    import torch.nn.functional as F
    from torch.nn.parallel import DistributedDataParallel
    from torch.utils.data import DataLoader, DistributedSampler, TensorDataset
except ImportError:
    raise SystemExit('distributed.py needs PyTorch: pip install -e ".[torch]"') from None

SIZES = [16, 16, 1]  # nn.MLP(2, SIZES): tanh hidden layers, one raw score out
NOISE = 0.1  # of the moons
LOSS = "bce_with_logits"  # the engine's name for F.binary_cross_entropy_with_logits
DEFAULT_OUT = Path(__file__).resolve().parent / "output" / "distributed_moons.json"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--samples", type=int, default=200, help="moons points (default 200)")
    add("--batch-size", type=int, default=40, help="the GLOBAL batch, split over the processes")
    add("--engine-epochs", type=int, default=20, help="epochs in the engine first (default 20)")
    add("--epochs", type=int, default=20, help="epochs under DDP next (default 20)")
    add("--lr", type=float, default=0.2, help="SGD learning rate, in both (default 0.2)")
    add("--seed", type=int, default=0, help="for the data, the model and the shuffles")
    add("--out", type=Path, default=DEFAULT_OUT, help="the engine model file rank 0 writes")
    add("--checkpoint", type=Path, help="also save PyTorch's state_dict here (torch.save)")
    add("--compare", action="store_true", help="also train a one-process copy and compare")
    add("--backend", choices=["gloo", "nccl"], help="default: nccl with a GPU per process")
    return parser.parse_args(argv)


def check_args(args: argparse.Namespace, world: int) -> None:
    """Stop with a clear message (on every process alike) when the sizes cannot be split."""
    for name, least in (("samples", 1), ("batch_size", 1), ("epochs", 1), ("engine_epochs", 0)):
        if getattr(args, name) < least:
            flag = "--" + name.replace("_", "-")
            raise SystemExit(f"{flag} must be at least {least}, got {getattr(args, name)}")
    if not args.lr > 0:  # nan too
        raise SystemExit(f"--lr must be a positive number, got {args.lr}")
    if args.batch_size % world:
        raise SystemExit(
            f"--batch-size {args.batch_size} does not split over {world} processes: give a "
            f"multiple of {world}, so every shard is the same size and the mean of the shards' "
            "means is the global batch's mean"
        )
    if args.batch_size > args.samples:
        raise SystemExit(f"--batch-size {args.batch_size} is more than --samples {args.samples}")


# --- 1. one process, the scalar engine ----------------------------------------------------------


def train_in_engine(X: np.ndarray, y: np.ndarray, args: argparse.Namespace) -> nn.MLP:
    """Rank 0's model: trained in the engine for --engine-epochs, its losses printed."""
    model = nn.MLP(2, SIZES, seed=args.seed)
    if args.engine_epochs:
        history = nn.fit(
            model, X, y, loss=LOSS, optimizer=nn.SGD(model, lr=args.lr),
            epochs=args.engine_epochs, batch_size=args.batch_size, seed=args.seed, compile=True,
            progress=False,
        )  # fmt: skip
        for epoch, loss in enumerate(history.loss, 1):
            print(f"engine epoch {epoch} loss {loss!r}")
    print(f"hand-over loss {nn.evaluate(model, X, y, loss=LOSS).loss!r}", flush=True)
    return model


# --- 2. the processes meet ----------------------------------------------------------------------


def default_backend() -> str:
    """nccl (on the GPUs) when this machine has a GPU for each of its processes, else gloo."""
    here = int(os.environ.get("LOCAL_WORLD_SIZE", "1"))  # processes on this machine
    return "nccl" if torch.cuda.is_available() and torch.cuda.device_count() >= here else "gloo"


def join_group(backend: str) -> torch.device:
    """Join the process group and return the device this process trains on.

    torchrun sets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT for every process
    it starts. Started by plain `python`, the script is a group of one, with an in-memory store.
    """
    device = torch.device("cpu")
    if backend == "nccl":  # one GPU per process on this machine, by local rank
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    if "RANK" in os.environ:
        dist.init_process_group(backend)
    else:
        dist.init_process_group(backend, store=dist.HashStore(), rank=0, world_size=1)
    return device


def global_mean(total: torch.Tensor, count: int) -> float:
    """The mean over all processes of `count` numbers per process that sum to `total` here."""
    total = total.clone()
    dist.all_reduce(total)  # sum over the processes, the same answer on every one
    return total.item() / (count * dist.get_world_size())


# --- 3. many processes, PyTorch -------------------------------------------------------------------


def run_epoch(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: Iterable[tuple[torch.Tensor, torch.Tensor]],
) -> tuple[torch.Tensor, int]:
    """One SGD step per batch; return the sum of the batch losses (each before its step) and
    how many there were. Under DDP, `loss.backward()` also averages the gradients over the
    processes, so the step each takes is the global batch's."""
    total, steps = torch.zeros((), dtype=torch.float64, device=_device(model)), 0
    for xb, yb in batches:
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(xb).squeeze(1), yb)  # mean over xb
        loss.backward()
        optimizer.step()
        total += loss.detach()
        steps += 1
    return total, steps


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def global_batches(
    data: TensorDataset, batch_size: int, seed: int, epoch: int
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The epoch's global batches, whole, as one process takes them: the order a one-process
    DistributedSampler gives (the same permutation each shard is cut from), in batch_size
    pieces, the last partial one dropped as DDP drops it."""
    sampler = DistributedSampler(data, num_replicas=1, rank=0, shuffle=True, seed=seed)
    sampler.set_epoch(epoch)
    order = list(sampler)
    steps = len(order) // batch_size
    return [data[order[k * batch_size : (k + 1) * batch_size]] for k in range(steps)]


def loss_on(model: torch.nn.Module, data: TensorDataset) -> float:
    with torch.no_grad():
        X, y = data.tensors
        return F.binary_cross_entropy_with_logits(model(X).squeeze(1), y).item()


def train_distributed(
    ddp: DistributedDataParallel, data: TensorDataset, args: argparse.Namespace, rank: int
) -> torch.nn.Module | None:
    """Train `ddp` for --epochs on this process's shards; rank 0 prints the losses. With
    --compare, rank 0 also trains a one-process copy on whole global batches, and returns it."""
    world = dist.get_world_size()
    # shuffle=True: every process draws the same permutation (seed + epoch); drop_last=True:
    # no padding with repeated samples, so the shards of a global batch are exactly its samples
    sampler = DistributedSampler(
        data, num_replicas=world, rank=rank, shuffle=True, seed=args.seed, drop_last=True
    )
    loader = DataLoader(data, batch_size=args.batch_size // world, sampler=sampler, drop_last=True)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=args.lr)
    alone = copy.deepcopy(ddp.module) if args.compare and rank == 0 else None
    alone_optimizer = torch.optim.SGD(alone.parameters(), lr=args.lr) if alone else None
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)  # the same new permutation on every process
        total, steps = run_epoch(ddp, optimizer, loader)
        line = f"torch epoch {epoch} loss {global_mean(total, steps)!r}"
        if alone is not None and alone_optimizer is not None:
            batches = global_batches(data, args.batch_size, args.seed, epoch)
            total, steps = run_epoch(alone, alone_optimizer, batches)
            line += f" one-process {total.item() / steps!r}"
        if rank == 0:
            print(line, flush=True)
    return alone


# --- 4. back into the engine --------------------------------------------------------------------


def save_and_reload(
    module: torch.nn.Module, X: np.ndarray, y: np.ndarray, args: argparse.Namespace
) -> None:
    """Rank 0: the trained module as an engine model file, loaded back and evaluated."""
    model = nn.from_torch(module)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    model.save(args.out)
    if args.checkpoint is not None:
        torch.save({k: v.cpu() for k, v in module.state_dict().items()}, args.checkpoint)
        print(f"saved PyTorch's state_dict to {args.checkpoint}")
    loaded = nn.load(args.out)
    result = nn.evaluate(loaded, X, y, loss=LOSS)
    print(f"saved {args.out}")
    print(f"engine loads it: loss {result.loss!r} accuracy {result.accuracy!r}", flush=True)


def largest_difference(a: torch.nn.Module, b: torch.nn.Module) -> float:
    return max((p - q).abs().max().item() for p, q in zip(a.parameters(), b.parameters()))


def continue_in_torch(
    model: nn.MLP, X: np.ndarray, y: np.ndarray, args: argparse.Namespace, device: torch.device
) -> None:
    """Steps 2 to 4, on every process of the group."""
    world, rank = dist.get_world_size(), dist.get_rank()
    data = TensorDataset(
        torch.tensor(X, device=device), torch.tensor(y, dtype=torch.float64, device=device)
    )
    net = nn.to_torch(model).to(device)
    ddp = DistributedDataParallel(net, device_ids=[device] if device.type == "cuda" else None)
    if rank == 0:
        print(
            f"{world} process{'es' * (world > 1)}, backend {dist.get_backend()}: each takes "
            f"{args.batch_size // world} samples of every global batch of {args.batch_size}, "
            f"{args.samples // args.batch_size} steps per epoch"
        )
        print(f"torch start loss {loss_on(ddp.module, data)!r}", flush=True)
    alone = train_distributed(ddp, data, args, rank)
    if rank == 0:
        print(f"torch final loss {loss_on(ddp.module, data)!r}")
        if alone is not None:
            gap = largest_difference(ddp.module, alone)
            print(f"largest weight difference from one process: {gap!r}")
        save_and_reload(ddp.module, X, y, args)
    dist.barrier()  # every process leaves the group together, after rank 0 has saved


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    check_args(args, int(os.environ.get("WORLD_SIZE", "1")))
    X, y = nn.data.make_moons(args.samples, noise=NOISE, seed=args.seed)
    # Only rank 0 trains in the engine; the others build the same architecture, whose weights
    # DDP overwrites with rank 0's when it wraps the model.
    if os.environ.get("RANK", "0") == "0":
        model = train_in_engine(X, y, args)
    else:
        model = nn.MLP(2, SIZES, seed=args.seed)
    device = join_group(args.backend or default_backend())
    try:
        continue_in_torch(model, X, y, args, device)
    finally:
        # DDP's reducer sits in reference cycles: free it while its group is alive, not in the
        # interpreter's last collection after the group is gone (gloo can abort the process then)
        gc.collect()
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
