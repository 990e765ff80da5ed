"""Where the deep model runs, and in which precision."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import torch

from workers.errors import InvalidOption

DEVICE_CHOICES = ("auto", "cpu", "cuda")
MIXED_PRECISION_CHOICES = ("auto", True, False)


def resolve_device(requested: str) -> torch.device:
    """Turn the `device` option into a `torch.device`.

    "auto" picks CUDA when torch can see a GPU and the CPU otherwise; "cuda" on a machine without
    one is an `InvalidOption` rather than a silent fall-back, so a user who asked for a GPU learns
    they are not getting it.
    """
    if requested == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if requested == "cpu":
        return torch.device("cpu")
    if requested == "cuda":
        if not torch.cuda.is_available():
            raise InvalidOption(
                "device='cuda' was requested but torch cannot see a CUDA GPU on this machine "
                f"(torch {torch.__version__}); use device='auto' or device='cpu'."
            )
        return torch.device("cuda")
    raise InvalidOption(f"device must be one of {', '.join(map(repr, DEVICE_CHOICES))}, got {requested!r}.")


def resolve_mixed_precision(requested: str | bool, device: torch.device) -> bool:
    """Decide whether to train under bf16 autocast.

    Mixed precision is a GPU speed-up only: on the CPU, bf16 matmuls are not reliably faster and
    change the numbers, so "auto" turns it on exactly when the device is a CUDA GPU that supports
    bf16, and an explicit True on any other device is refused.
    """
    if requested not in MIXED_PRECISION_CHOICES or not isinstance(requested, str | bool):
        raise InvalidOption(f"mixed_precision must be 'auto', True or False, got {requested!r}.")
    bf16_ok = device.type == "cuda" and torch.cuda.is_bf16_supported()
    if requested == "auto":
        return bf16_ok
    if requested is True and not bf16_ok:
        raise InvalidOption(
            f"mixed_precision=True needs a CUDA GPU with bf16 support; the model runs on {device.type}. "
            "Use mixed_precision='auto' to enable it only where it helps."
        )
    return bool(requested)


def autocast(device: torch.device, enabled: bool) -> AbstractContextManager[object]:
    """bf16 autocast on the device when `enabled`, a no-op otherwise."""
    if not enabled:
        return nullcontext()
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
