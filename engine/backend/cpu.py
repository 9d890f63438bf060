"""What the host's CPU offers, as Linux describes it in /proc/cpuinfo (nothing elsewhere)."""

from __future__ import annotations


def cpuinfo(field: str):
    """The value of the first `field` line of /proc/cpuinfo, or None where there is none."""
    try:
        with open("/proc/cpuinfo") as lines:
            for line in lines:
                if line.startswith(field):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return None


def cpu_flags() -> frozenset:
    """The CPU's feature flags (avx2, avx512f, ...); empty where Linux does not list them."""
    return frozenset((cpuinfo("flags") or "").split())
