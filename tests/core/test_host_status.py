"""An engine host's status is typed: it round-trips through its frame, reads damaged fields as defaults, and
several lanes' statuses add up to one."""
from __future__ import annotations

import json

from studio.core.protocol.status import HostStatus


def test_a_status_round_trips_through_json():
    status = HostStatus(device="cpu", memory_bytes=5, loaded=("a", "b"), loaded_bytes=3, budget_bytes=9, pid=42)
    assert HostStatus.from_dict(json.loads(json.dumps(status.to_dict()))) == status


def test_missing_or_ill_typed_fields_read_as_defaults():
    status = HostStatus.from_dict({"device": None, "memory_bytes": "lots", "loaded": "x", "budget_bytes": True})
    assert status == HostStatus()


def test_lanes_add_up_and_an_ended_host_counts_for_nothing():
    a = HostStatus(device="cuda:0", memory_bytes=10, loaded=("sd",), loaded_bytes=4, budget_bytes=8)
    b = HostStatus(device="cuda:0", memory_bytes=1, loaded=("llm",), loaded_bytes=2, budget_bytes=6)
    merged = HostStatus.merge([a, None, b])
    assert (merged.device, merged.memory_bytes, merged.loaded, merged.loaded_bytes, merged.budget_bytes,
            merged.hosts) == ("cuda:0", 11, ("sd", "llm"), 6, 8, 2)
    assert HostStatus.merge([None]) == HostStatus(hosts=0)
