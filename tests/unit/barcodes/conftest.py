"""Fixtures for the photo decoder's tests: generated phone photos with known ground truth."""

from __future__ import annotations

import pytest

from tests import photos

ACCURACY_SET_SIZE = 288  # 12 kinds (NW-7 slips included) x 3 resolutions x 8 photos
ACCURACY_SET_SEED = 7  # not a seed the decoder's retries were tuned on (1 and 2)


@pytest.fixture(scope="session")
def accuracy_photos() -> list[photos.Photo]:
    return photos.photo_set(ACCURACY_SET_SIZE, seed=ACCURACY_SET_SEED)
