"""engine/backend/cpu.py: the host CPU as /proc/cpuinfo describes it."""

from __future__ import annotations

import os

import pytest

from engine.backend import cpu


def test_a_field_the_cpu_does_not_list_is_none():
    assert cpu.cpuinfo("no such field") is None


@pytest.mark.skipif(not os.path.exists("/proc/cpuinfo"), reason="Linux lists the CPU there")
def test_the_flags_are_the_words_of_the_flags_line():
    with open("/proc/cpuinfo") as lines:
        line = next(line for line in lines if line.startswith("flags"))
    assert cpu.cpu_flags() == frozenset(line.split(":", 1)[1].split())
    assert cpu.cpuinfo("flags").split()[0] in cpu.cpu_flags()
