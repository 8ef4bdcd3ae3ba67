"""Voting devices kept in worker processes, for simulations that vote in parallel.

A device's Ed25519 key must exist before the key ceremony (its public key is part of the
election setup, election/setup.py), and must never be pickled (tests/security secret
hygiene).  So each device is created inside the process that will later sign its ballots:
a host is a pool of exactly one worker process, and both the creation and the voting of a
device are submitted to its host.  Only registrations, contexts, vote plans and the
devices' public output cross process boundaries.  With ``workers=1`` the devices live in
this process.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

from pilwu_crypto.election.context import ElectionContext
from pilwu_crypto.election.device import DeviceRegistration, VotingDevice
from pilwu_crypto.errors import InvalidParameters

if TYPE_CHECKING:
    from pilwu_crypto.election.simulation import DeviceVotes, Vote

_HOSTED: dict[str, VotingDevice] = {}
"""The devices of this process (a host worker, or the main process when workers=1)."""


def _create(device_ids: Sequence[str]) -> list[DeviceRegistration]:
    """Create devices here and return their public registrations."""
    registrations = []
    for did in device_ids:
        if did in _HOSTED:
            raise InvalidParameters(f"device {did}: already created in this process")
        device = VotingDevice.generate(did)
        _HOSTED[did] = device
        registrations.append(device.registration)
    return registrations


def _vote(context: ElectionContext, device_id: str, votes: Sequence[Vote],
          run: Callable[[ElectionContext, VotingDevice, Sequence[Vote]], DeviceVotes]) -> DeviceVotes:
    """Run the device's day with the device kept here; it is forgotten afterwards."""
    device = _HOSTED.pop(device_id, None)
    if device is None:
        raise InvalidParameters(f"device {device_id}: not created in this process")
    return run(context, device, votes)


class DeviceHosts:
    """``workers`` host processes (1: this process); device k lives on host k mod workers."""

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise InvalidParameters(f"device hosts: workers must be at least 1, not {workers}")
        spawn = multiprocessing.get_context("spawn")
        self._pools = [ProcessPoolExecutor(max_workers=1, mp_context=spawn) for _ in range(workers)] \
            if workers > 1 else []
        self._host: dict[str, int] = {}
        self._local: list[str] = []

    def create(self, device_ids: Sequence[str]) -> list[DeviceRegistration]:
        """Create the devices (each on its host) and return their registrations, in order."""
        if not self._pools:
            self._local.extend(device_ids)
            return _create(device_ids)
        for k, did in enumerate(device_ids):
            self._host[did] = k % len(self._pools)
        futures = [pool.submit(_create, [d for d in device_ids if self._host[d] == h])
                   for h, pool in enumerate(self._pools)]
        by_id = {r.device_id: r for f in futures for r in f.result()}
        return [by_id[d] for d in device_ids]

    def vote(self, context: ElectionContext, device_id: str, votes: Sequence[Vote],
             run: Callable[[ElectionContext, VotingDevice, Sequence[Vote]], DeviceVotes]) -> Future[DeviceVotes]:
        """The device's whole day (``run``, a module-level function) on its host."""
        if not self._pools:
            done: Future[DeviceVotes] = Future()
            done.set_result(_vote(context, device_id, votes, run))
            return done
        return self._pools[self._host[device_id]].submit(_vote, context, device_id, votes, run)

    def close(self) -> None:
        """Stop the host processes (and forget devices that never voted)."""
        for pool in self._pools:
            pool.shutdown(cancel_futures=True)
        for did in self._local:
            _HOSTED.pop(did, None)

    def __enter__(self) -> DeviceHosts:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
