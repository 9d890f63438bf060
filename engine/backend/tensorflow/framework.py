"""TensorFlow, imported quietly and configured once for the engine.

Every module of this backend takes `tf` from here, so the configuration is in place before
any op runs: TF32 off (float32 matmuls and convolutions match the other backends), GPU
memory allocated as needed rather than all at once, ops placed on DEVICE, the first GPU
when one is visible, and on the CPU no remapper fusions (their relu hides NaNs) and tensors
from TensorFlow's own pooling allocator.
"""

from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def _native_stderr_silenced():
    """Send fd 2 to /dev/null: TF's C++ logging prints at import before its log level applies."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no usable stderr (embedded interpreters)
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# CPU tensors from TensorFlow's BFC allocator, which keeps freed memory in its pool, not from
# malloc: graph ops run on TensorFlow's own threads, and glibc drops a thread's extra heap as
# soon as it is free, so a step that needs more memory than the one before (a capture step
# among plain ones) faulted in tens of MB afresh each time (a CNN step with
# InspectionCallback(every=10) was 25% slower for it). Read when TensorFlow starts: a process
# that imported it first keeps what it had.
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
with _native_stderr_silenced():
    import tensorflow as tf

tf.config.experimental.enable_tensor_float_32_execution(False)
_GPUS = tf.config.list_physical_devices("GPU")
for _gpu in _GPUS:
    # RuntimeError: the GPUs were initialised before this backend was loaded.
    with contextlib.suppress(RuntimeError):
        tf.config.experimental.set_memory_growth(_gpu, True)

DEVICE = "/GPU:0" if _GPUS else "/CPU:0"
# Whether every compiled step uses XLA: on a GPU it fuses the step. On the CPU TensorFlow's own
# kernel for max pooling over overlapping windows is faster, so steps holding one run without
# it there (autodiff.py).
XLA = bool(_GPUS)
if not XLA:
    # Grappler's remapper fuses matmul + bias + relu into oneDNN kernels whose relu turns NaN
    # into 0, so a diverged model would train on with a finite loss and NaN weights.
    tf.config.optimizer.set_experimental_options({"remapping": False})


__all__ = ["DEVICE", "XLA", "tf"]
