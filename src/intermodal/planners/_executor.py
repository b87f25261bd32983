"""Where independent tasks run: in this process (the default), or as Ray tasks on a Ray cluster.

A planner hands :meth:`Executor.map` one function, one ``shared`` value every task needs (a bundle, say) and
the items, one task each; it gets the results back in the items' order. In process, the tasks run one after
another. On Ray, ``shared`` goes into the object store once (``ray.put``) and every task gets a reference to
it, so a 200 KB bundle is not pickled once a task; the function must be importable by the workers (a module
level function of the ``intermodal`` package, installed on every node).

Ray is imported only when asked for: it is an optional extra (``pip install intermodal[ray]``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from intermodal.exceptions import InputError, Problem

__all__ = ["EXECUTORS", "Executor", "InProcess", "RayExecutor", "make_executor"]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

#: the names ``--executor`` takes
EXECUTORS = ("local", "ray")


class Executor(Protocol):
    """Runs ``fn(shared, item)`` for every item and returns the results in the items' order."""

    name: str

    def map(
        self,
        fn: Callable[[S, T], R],
        shared: S,
        items: Sequence[T],
        progress: Callable[[int, int], None] | None = None,
    ) -> list[R]: ...


class InProcess:
    """Every task in this process, one after another."""

    name = "local"

    def map(
        self,
        fn: Callable[[S, T], R],
        shared: S,
        items: Sequence[T],
        progress: Callable[[int, int], None] | None = None,
    ) -> list[R]:
        out = []
        for item in items:
            out.append(fn(shared, item))
            if progress is not None:
                progress(len(out), len(items))
        return out


def _call(fn: Callable[[Any, Any], Any], shared: Any, item: Any) -> Any:
    # Ray resolves an object reference passed as a top-level argument to its value before the call
    return fn(shared, item)


class RayExecutor:
    """Every task a Ray task: on the cluster at ``address`` (``HOST:PORT``), or a local Ray started here.

    Parameters
    ----------
    address
        A running cluster's address (``ray start --head`` prints it); ``None`` joins the one
        ``RAY_ADDRESS`` names, or starts a local instance with ``num_cpus``.
    num_cpus
        CPUs of a local instance (ignored when joining a cluster).
    """

    name = "ray"

    def __init__(self, address: str | None = None, *, num_cpus: int | None = None) -> None:
        if address is None and not os.environ.get("RAY_ADDRESS"):
            # a local instance's workers run this interpreter: without this, a driver started by `uv run`
            # makes Ray start every worker through `uv run` too (minutes of start-up here, measured). Ray
            # reads it when first imported
            os.environ.setdefault("RAY_ENABLE_UV_RUN_RUNTIME_ENV", "0")
        try:
            import ray
        except ImportError:
            raise InputError(
                Problem(
                    "Ray is not installed",
                    field="executor",
                    found="ray",
                    expected="pip install 'intermodal[ray]', or --executor local",
                )
            ) from None
        self._ray = ray
        if not ray.is_initialized():
            try:
                ray.init(
                    address=address,
                    num_cpus=None if address else num_cpus,
                    include_dashboard=False,
                    log_to_driver=False,
                    configure_logging=False,
                )
            except (ConnectionError, ValueError, RuntimeError) as error:
                raise InputError(
                    Problem(
                        f"cannot join the Ray cluster: {error}"[:300],
                        field="address",
                        found=address or "(a local instance)",
                        expected="HOST:PORT of a running Ray head (ray start --head)",
                    )
                ) from None
        self._call = ray.remote(_call)

    def map(
        self,
        fn: Callable[[S, T], R],
        shared: S,
        items: Sequence[T],
        progress: Callable[[int, int], None] | None = None,
    ) -> list[R]:
        ray = self._ray
        ref = ray.put(shared)  # once: every task reads the same object
        pending = [self._call.remote(fn, ref, item) for item in items]
        index = {p: i for i, p in enumerate(pending)}
        out: list[Any] = [None] * len(items)
        done = 0
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for r in ready:
                out[index[r]] = ray.get(r)
                done += 1
            if progress is not None:
                progress(done, len(items))
        return out


def make_executor(name: str = "local", address: str | None = None) -> Executor:
    """The executor ``--executor NAME [--address HOST:PORT]`` asks for.

    Raises
    ------
    InputError
        An unknown name, an address without Ray, or a cluster that does not answer.
    """
    if name not in EXECUTORS:
        raise InputError(
            Problem("unknown executor", field="executor", found=name, expected=" | ".join(EXECUTORS))
        )
    if name == "local":
        if address is not None:
            raise InputError(
                Problem("an address is for Ray", field="address", found=address, expected="--executor ray")
            )
        return InProcess()
    return RayExecutor(address)
