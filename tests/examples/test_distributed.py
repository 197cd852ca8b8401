"""examples/distributed.py, launched for real: one process by plain `python`, two by torchrun on
the loopback interface, side by side.

The two processes take the steps one process takes, to float64 rounding; PyTorch starts from
the engine's loss; the file rank 0 saves is the model PyTorch trained. The engine's side is
recomputed here with eager Values (the script trains compiled), and PyTorch's saved weights are
read into a Sequential built here, so no number is taken on the script's word alone.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import nn
from tests.conftest import needs
from tests.kernel import ROOT

pytestmark = pytest.mark.slow  # starts processes: left out of the fast loop

SCRIPT = ROOT / "examples" / "distributed.py"
# 199 samples: odd and not a multiple of the batch, so a sampler that padded the shards or a
# loader that kept the short last batch would take other steps on two processes than on one
SEED, SAMPLES, BATCH, LR, ENGINE_EPOCHS, EPOCHS = 3, 199, 40, 0.2, 3, 3
ARGS = [
    f"--seed={SEED}", f"--samples={SAMPLES}", f"--batch-size={BATCH}", f"--lr={LR}",
    f"--engine-epochs={ENGINE_EPOCHS}", f"--epochs={EPOCHS}",
]  # fmt: skip
TIMEOUT = 120  # seconds for each launch; both take a few seconds


@dataclass
class Run:
    stdout: str
    model: Path  # the engine model file rank 0 saved
    checkpoint: Path  # PyTorch's state_dict, saved beside it

    def number(self, prefix: str) -> float:
        """The number after `prefix` on its line of the output."""
        found = re.findall(rf"^{re.escape(prefix)} (\S+)", self.stdout, re.MULTILINE)
        assert len(found) == 1, f"want one line starting {prefix!r}:\n{self.stdout}"
        return float(found[0])

    def losses(self, phase: str, column: str = "loss") -> list[float]:
        """The per-epoch losses of `phase` ("engine", "torch"), epochs 1, 2, ... in order."""
        rows = re.findall(rf"^{phase} epoch (\d+) .*\b{column} (\S+)", self.stdout, re.MULTILINE)
        assert [int(e) for e, _ in rows] == list(range(1, len(rows) + 1)), self.stdout
        return [float(loss) for _, loss in rows]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def finish(proc: subprocess.Popen[str], what: str) -> str:
    """Wait for a launch; kill it and all it started if it runs past TIMEOUT."""
    try:
        stdout, stderr = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        stdout, stderr = proc.communicate()
        pytest.fail(f"{what} ran past {TIMEOUT} s:\n{stdout}\n{stderr[-3000:]}")
    assert proc.returncode == 0, (
        f"{what} exited with {proc.returncode}:\n{stdout[-2000:]}\n{stderr[-3000:]}"
    )
    return stdout


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """ "one": plain `python` (a group of one); "two": torchrun --nproc_per_node=2 --compare."""
    needs(importlib.util.find_spec("torch") is not None, "torch (the `torch` extra)")
    folder = tmp_path_factory.mktemp("distributed")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1"}  # tracebacks on a crash
    if Path("/sys/class/net/lo").exists():
        env["GLOO_SOCKET_IFNAME"] = "lo"  # gloo's connections on the loopback interface too
    torchrun = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
        "--master-addr=127.0.0.1", f"--master-port={free_port()}",
    ]  # fmt: skip
    commands = {"one": [sys.executable], "two": torchrun}
    procs, result = {}, {}
    for name, launch in commands.items():
        out, checkpoint = folder / f"{name}.json", folder / f"{name}.pt"
        extra = ["--compare"] if name == "two" else []
        command = [
            *launch,
            str(SCRIPT),
            *ARGS,
            *extra,
            f"--out={out}",
            f"--checkpoint={checkpoint}",
        ]
        procs[name] = subprocess.Popen(
            command, cwd=folder, env=env, text=True, start_new_session=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        result[name] = Run("", out, checkpoint)
    for name, proc in procs.items():
        result[name].stdout = finish(proc, " ".join(commands[name]))
    return result


@pytest.fixture(scope="module")
def engine() -> tuple[nn.MLP, nn.History, float]:
    """The script's engine phase, redone here with eager Values: the model, its history and its
    loss after the last step."""
    X, y = nn.data.make_moons(SAMPLES, noise=0.1, seed=SEED)
    model = nn.MLP(2, [16, 16, 1], seed=SEED)
    history = nn.fit(
        model, X, y, loss="bce_with_logits", optimizer=nn.SGD(model, lr=LR),
        epochs=ENGINE_EPOCHS, batch_size=BATCH, seed=SEED, progress=False,
    )  # fmt: skip
    return model, history, nn.evaluate(model, X, y, loss="bce_with_logits").loss


def test_the_launches_split_each_global_batch_as_asked(runs: dict[str, Run]) -> None:
    assert (
        "1 process, backend gloo: each takes 40 samples of every global batch of 40, 4 steps"
        in (runs["one"].stdout)
    )
    assert "2 processes, backend gloo: each takes 20 samples of every global batch of 40, 4 " in (
        runs["two"].stdout
    )


def test_pytorch_carries_on_where_the_engine_stopped(runs: dict[str, Run], engine) -> None:
    _, history, handover = engine
    for name, run in runs.items():
        assert run.losses("engine") == pytest.approx(history.loss, rel=1e-10, abs=0), name
        assert run.number("hand-over loss") == pytest.approx(handover, rel=1e-10, abs=0), name
        # measured by PyTorch on the weights DDP gave every process: the engine's, exactly
        assert run.number("torch start loss") == pytest.approx(handover, rel=1e-12, abs=0), name
        torch_losses = run.losses("torch")
        assert len(torch_losses) == EPOCHS
        # the first epoch's steps start from there (a restart would be near log 2 = 0.69)
        assert abs(torch_losses[0] - handover) < 0.1 * handover, (name, torch_losses, handover)
        assert torch_losses[-1] < torch_losses[0] and run.number("torch final loss") < handover


def test_two_processes_take_the_steps_of_one(runs: dict[str, Run], engine) -> None:
    one, two = runs["one"], runs["two"]
    assert two.losses("torch") == pytest.approx(one.losses("torch"), rel=0, abs=1e-12)
    trained_one = nn.load(one.model).state_dict()
    trained_two = nn.load(two.model).state_dict()
    assert trained_one.keys() == trained_two.keys()
    assert max(abs(trained_one[k] - trained_two[k]) for k in trained_one) <= 1e-12
    handed_over = engine[0].state_dict()
    assert max(abs(trained_one[k] - handed_over[k]) for k in trained_one) > 1e-3  # it trained
    # --compare: the two-process run's own one-process copy took the one-process run's steps
    assert two.losses("torch", "one-process") == pytest.approx(one.losses("torch"), abs=1e-12)
    assert two.number("largest weight difference from one process:") <= 1e-12


def test_the_engine_loads_the_model_pytorch_trained(runs: dict[str, Run]) -> None:
    import torch
    import torch.nn.functional as F

    X, y = nn.data.make_moons(SAMPLES, noise=0.1, seed=SEED)
    for name, run in runs.items():
        loaded = nn.load(run.model)
        assert isinstance(loaded, nn.MLP) and loaded.sizes == [2, 16, 16, 1]
        net = torch.nn.Sequential(
            torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh(),
            torch.nn.Linear(16, 1),
        ).double()  # fmt: skip
        net.load_state_dict(torch.load(run.checkpoint, weights_only=True))
        with torch.no_grad():
            scores = net(torch.tensor(X)).squeeze(1)
            torch_loss = F.binary_cross_entropy_with_logits(scores, torch.tensor(y, dtype=float))
        gap = np.abs(np.array(nn.predict(loaded, X)) - scores.numpy()).max()
        assert gap <= 1e-12, name
        engine_loss = nn.evaluate(loaded, X, y, loss="bce_with_logits").loss
        assert engine_loss == pytest.approx(torch_loss.item(), rel=1e-12, abs=0), name
        assert run.number("torch final loss") == pytest.approx(engine_loss, rel=1e-12, abs=0)
        assert run.number("engine loads it: loss") == pytest.approx(engine_loss, rel=1e-12, abs=0)


@pytest.mark.parametrize(
    ("argv", "world", "message"),
    [
        (
            ["--batch-size=41"],
            2,
            "--batch-size 41 does not split over 2 processes: give a multiple",
        ),
        (["--batch-size=300"], 1, "--batch-size 300 is more than --samples 200"),
        (["--epochs=0"], 1, "--epochs must be at least 1, got 0"),
        (["--lr=nan"], 1, "--lr must be a positive number, got nan"),
    ],
)
def test_sizes_that_cannot_be_split_are_refused(argv: list[str], world: int, message: str) -> None:
    needs(importlib.util.find_spec("torch") is not None, "torch (the `torch` extra)")
    spec = importlib.util.spec_from_file_location("example_distributed", SCRIPT)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    with pytest.raises(SystemExit, match=re.escape(message)):
        script.check_args(script.parse_args(argv), world)
    script.check_args(script.parse_args(["--batch-size=42"]), 2)  # a multiple of 2 is fine


def test_the_guide_quotes_the_script_as_it_is() -> None:
    """The guide's excerpt of the script (a block titled with its path) has only its lines."""
    guide = (ROOT / "docs" / "guide" / "outgrow.md").read_text(encoding="utf-8")
    blocks = re.findall(r'```python title="examples/distributed.py"\n(.*?)```', guide, re.S)
    assert blocks, "docs/guide/outgrow.md shows no excerpt of examples/distributed.py"
    script = {line.strip() for line in SCRIPT.read_text(encoding="utf-8").splitlines()}
    for line in filter(str.strip, "".join(blocks).splitlines()):
        assert line.strip() in script, (
            f"docs/guide/outgrow.md quotes a line the script lacks: {line!r}"
        )
