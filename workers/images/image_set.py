"""`ImageSet` and the pixel columns live in `workers.data.image_set` (the data floor, which `Dataset` reads);
kept importable here until the image modules have moved to that name."""

from workers.data.image_set import (
    MODEL_SIZE,
    PIXEL_PREFIX,
    Geometry,
    ImageSet,
    geometry_of,
    pixel_columns,
)

__all__ = ["MODEL_SIZE", "PIXEL_PREFIX", "Geometry", "ImageSet", "geometry_of", "pixel_columns"]
