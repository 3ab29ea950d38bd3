"""Rebuild ``source/pretrained/my_images/``: the starter photos of the ``pretrained`` assignment.

Every photo ships inside a package the course already installs (scikit-image,
scikit-learn, matplotlib); this script only shrinks them (longest side 400 px)
and saves them as JPEG so the repository stays small. Provenance and licences:
``source/pretrained/my_images/SOURCES.md``.

    python data/pretrained/make_starter_images.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

LONG_SIDE = 400
OUT = Path(__file__).resolve().parents[2] / "source" / "pretrained" / "my_images"


def _photos() -> dict[str, Image.Image]:
    import matplotlib.cbook
    import skimage.data
    import sklearn.datasets

    return {
        "camera.jpg": Image.fromarray(skimage.data.camera()),          # grayscale on purpose
        "cat.jpg": Image.fromarray(skimage.data.cat()),
        "china.jpg": Image.fromarray(sklearn.datasets.load_sample_image("china.jpg")),
        "coffee.jpg": Image.fromarray(skimage.data.coffee()),
        "flower.jpg": Image.fromarray(sklearn.datasets.load_sample_image("flower.jpg")),
        "grace_hopper.jpg": Image.open(matplotlib.cbook.get_sample_data("grace_hopper.jpg")),
        "motorcycle.jpg": Image.fromarray(np.asarray(skimage.data.stereo_motorcycle()[0])),
        "rocket.jpg": Image.fromarray(skimage.data.rocket()),
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, img in _photos().items():
        img = img.copy()
        img.thumbnail((LONG_SIDE, LONG_SIDE), Image.Resampling.LANCZOS)
        img.save(OUT / name, "JPEG", quality=88, optimize=True)
        print(f"{name}: {img.size[0]}x{img.size[1]} {img.mode}")


if __name__ == "__main__":
    main()
