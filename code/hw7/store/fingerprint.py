"""The machine fingerprint: what decides whether a recomputation can be bit-identical.

Two float32 (or BLAS float64) computations of the same config give the same bits only when they
ran the same kernels in the same order. That depends on more than the library versions: which
matrix-multiply kernels torch's BLAS picks depends on the CPU (model and instruction set: AVX2,
AVX-512, ...), and how a reduction is split depends on the number of threads. So every cache entry
written from now on records, in ``meta.machine``:

* ``cpu`` — the CPU model name (``/proc/cpuinfo``, else :func:`platform.processor`);
* ``cpu_capability`` — the instruction set torch dispatches to
  (:func:`torch.backends.cpu.get_cpu_capability`: ``DEFAULT``, ``AVX2``, ``AVX512``, ...);
* ``threads`` — torch's intra-op thread count when the result was computed;
* ``cuda_device`` — the GPU's name, for results computed on CUDA.

Together with ``meta.versions`` (python, numpy, torch) and ``meta.device`` this is the fingerprint.
The torch fields are recorded only when torch was loaded (Problem 1 is pure NumPy). An entry written
before fingerprints existed has no ``meta.machine``: it comes from an *unknown machine*, so
``hw7 verify`` never demands bit-identity of it. The fingerprint lives in ``meta``, which is not
part of the cache key: keys do not change.

Testing aid: ``HW7_SIMULATE_MACHINE=NAME`` makes this process report the CPU model
``NAME (simulated)``, i.e. a machine different from every recorded one. Tests and
``docs/instructors.md`` use it to show what ``verify`` says on another machine; never set it
when computing results.
"""

from __future__ import annotations

import os
import platform
import sys
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Mapping

SIMULATE_ENV = "HW7_SIMULATE_MACHINE"


@cache
def cpu_model() -> str:
    """The CPU's model name, e.g. ``AMD EPYC 9R14`` or ``Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz``."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def current(device: str = "cpu") -> dict[str, Any]:
    """This process's fingerprint (without versions and device, which ``meta`` records beside it).

    Taken when a result is produced: the thread count is the one in force at that moment (the
    optimizer-zoo runner trains with one thread).
    """
    machine: dict[str, Any] = {"cpu": cpu_model()}
    simulated = os.environ.get(SIMULATE_ENV)
    if simulated:
        machine["cpu"] = f"{simulated} (simulated)"
    torch = sys.modules.get("torch")
    if torch is not None:
        machine["cpu_capability"] = str(torch.backends.cpu.get_cpu_capability())
        machine["threads"] = int(torch.get_num_threads())
        if str(device).startswith("cuda") and torch.cuda.is_available():
            machine["cuda_device"] = torch.cuda.get_device_name(torch.device(device))
    return machine


@dataclass
class Match:
    """How the machine of a recomputation compares with the one recorded in an entry."""

    known: bool  # the entry records a fingerprint
    changes: list[str] = field(default_factory=list)  # "torch 2.13.0 -> 2.14.0", "cpu A -> B", ...

    @property
    def same(self) -> bool:
        """Same fingerprint: a recomputation of the same batch must give the same bits."""
        return self.known and not self.changes

    def describe(self) -> str:
        if self.same:
            return "same machine fingerprint and libraries"
        parts = ([] if self.known else ["unknown machine (the entry has no fingerprint)"]) + self.changes
        return "; ".join(parts)


def compare(meta: Mapping[str, Any], versions: Mapping[str, str], device: str,
            machine: Mapping[str, Any]) -> Match:
    """Compare an entry's ``meta`` with the current ``versions``, ``device`` and ``machine``.

    Only what the entry records is compared (a NumPy-only entry has no torch fields), plus the device.
    """
    changes = [f"{name} {was} -> {versions.get(name, 'absent')}"
               for name, was in sorted(meta.get("versions", {}).items()) if versions.get(name) != was]
    if str(meta.get("device", "cpu")) != device:
        changes.append(f"device {meta.get('device')} -> {device}")
    recorded = meta.get("machine")
    if not isinstance(recorded, Mapping):
        return Match(False, changes)
    for name, was in sorted(recorded.items()):
        now = machine.get(name, "absent")
        if now != was:
            changes.append(f"{name} {was} -> {now}")
    return Match(True, changes)
