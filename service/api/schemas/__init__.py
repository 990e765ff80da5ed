"""Request and response models per resource: `…Create` in, `…Public` out, `…sPublic{data, count}` lists."""
