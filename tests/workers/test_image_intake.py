"""Issue 13, intake: a zip of labelled images (a folder per class, or a CSV of paths) read into an image
`Dataset` — every format and mode, the unreadable files listed and left out, and every limit and unsafe
entry refused with its own code before anything is decompressed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import imagehash
import numpy as np
import pytest
from PIL import Image

from tests.images_zips import (
    PER_CLASS,
    bomb_members,
    encrypted,
    folder_members,
    image_bytes,
    with_symlink,
    write_zip,
    zip_bytes,
)
from workers.data.dataset import Dataset
from workers.data.images.image_set import MODEL_SIZE
from workers.data.images.limits import ImageLimits
from workers.data.images.loading import load_images
from workers.data.images.packing import image_path_column, pack_csv, pack_folder
from workers.data.loading import load_dataset
from workers.data.parsed import read_parsed, write_parsed
from workers.errors import ReadinessError, SingleClassTarget, UnknownTarget


def load(path: Path, *, target: str = "label", positive: str | None = None) -> Dataset:
    return load_dataset(path, target=target, positive=positive)


def test_a_folder_per_class_zip_is_an_image_dataset_with_the_folders_as_labels(tmp_path: Path) -> None:
    members = {f"photos/{name}": data for name, data in folder_members().items()}
    members |= {"photos/dogs/indoor/deep.png": image_bytes(7), "__MACOSX/photos/._x.png": b"junk"}
    members |= {"photos/cats/.DS_Store": b"junk", "photos/README.txt": b"about"}
    data = load_dataset(write_zip(tmp_path / "pets.zip", members), target="animal", positive="dogs")
    assert data.modality == "images" and data.columns == {}
    assert data.target == "animal" and data.classes == ["cats", "dogs"] and data.positive_label == "dogs"
    assert data.class_counts == {"cats": PER_CLASS, "dogs": PER_CLASS + 1}  # the deeper folder is a dog
    assert data.images is not None and data.images.geometry.channels == 1  # every image is grey
    assert data.features.shape == (2 * PER_CLASS + 1, MODEL_SIZE * MODEL_SIZE)
    assert "dogs/indoor/deep.png" in data.images.names  # the common top folder is stripped
    assert any("2 operating-system file(s)" in note for note in data.notes)
    assert any("README.txt" in note for note in data.notes)
    assert data.sha256 and data.file_bytes == (tmp_path / "pets.zip").stat().st_size


def test_pixels_hash_and_sizes_are_the_images_own(tmp_path: Path) -> None:
    members = folder_members()
    members["cats/000.png"] = image_bytes(1, size=(40, 20))
    data = load(write_zip(tmp_path / "a.zip", members))
    images = data.images
    assert images is not None
    i = images.names.index("cats/000.png")
    original = Image.open(io.BytesIO(members["cats/000.png"]))
    assert (images.widths[i], images.heights[i], images.modes[i], images.formats[i]) == (40, 20, "L", "PNG")
    assert int(images.phash[i]) == int(str(imagehash.phash(original)), 16)
    assert images.pixels.dtype == np.uint8 and images.pixels.shape[1:] == (1, MODEL_SIZE, MODEL_SIZE)


def test_mixed_modes_make_an_rgb_dataset_with_transparency_on_white(tmp_path: Path) -> None:
    members = folder_members()
    clear = Image.new("RGBA", (8, 8), (255, 0, 0, 0))  # fully transparent red: white once composited
    buffer = io.BytesIO()
    clear.save(buffer, format="PNG")
    members["cats/000.png"] = buffer.getvalue()
    members["cats/001.webp"] = image_bytes(3, mode="RGB", fmt="WEBP")
    members["cats/002.jpg"] = image_bytes(4, mode="RGB", fmt="JPEG")
    members["dogs/000.png"] = image_bytes(5, mode="P")
    members["dogs/001.jpg"] = image_bytes(6, mode="CMYK", fmt="JPEG")
    data = load(write_zip(tmp_path / "mixed.zip", members))
    images = data.images
    assert images is not None
    assert images.geometry.channels == 3
    white = images.pixels[images.names.index("cats/000.png")]
    assert (white == 255).all()
    grey = images.pixels[images.names.index("cats/003.png")]
    assert (grey[0] == grey[1]).all() and (grey[1] == grey[2]).all()  # a grey image repeated
    by_name = dict(zip(images.names, images.formats, strict=True))
    assert by_name["cats/001.webp"] == "WEBP" and by_name["cats/002.jpg"] == "JPEG"
    assert images.modes[images.names.index("dogs/001.jpg")] == "CMYK"


def test_the_exif_orientation_is_applied(tmp_path: Path) -> None:
    top_dark = np.full((16, 32), 255, dtype=np.uint8)
    top_dark[:8] = 0  # the stored picture: dark top half, 32 wide × 16 high
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to view"
    buffer = io.BytesIO()
    Image.fromarray(top_dark).save(buffer, format="JPEG", exif=exif.tobytes(), quality=95)
    members = folder_members() | {"cats/rotated.jpg": buffer.getvalue()}
    images = load(write_zip(tmp_path / "exif.zip", members)).images
    i = images.names.index("cats/rotated.jpg")
    assert (images.widths[i], images.heights[i]) == (16, 32)  # as a viewer shows it: upright
    upright = images.pixels[i, 0].astype(int)
    assert upright[:, MODEL_SIZE // 2 :].mean() < 60 < 200 < upright[:, : MODEL_SIZE // 2].mean()


def test_unreadable_and_unsupported_files_are_listed_and_left_out(tmp_path: Path) -> None:
    members = folder_members()
    members["cats/cut.png"] = image_bytes(9, size=(64, 64))[:200]
    members["cats/anim.gif"] = image_bytes(10, fmt="GIF")
    members["dogs/notes.png"] = b"not an image at all"
    members["dogs/old.bmp"] = image_bytes(11, fmt="BMP")
    data = load(write_zip(tmp_path / "bad.zip", members))
    images = data.images
    assert images is not None
    assert data.n_rows == 2 * PER_CLASS
    reasons = {item["name"]: item["reason"] for item in images.unreadable}
    assert set(reasons) == {"cats/cut.png", "cats/anim.gif", "dogs/notes.png", "dogs/old.bmp"}
    assert "cut off" in reasons["cats/cut.png"] and "GIF" in reasons["cats/anim.gif"]
    assert "BMP" in reasons["dogs/old.bmp"]
    assert any("4 image(s) could not be read" in note for note in data.notes)


def test_the_csv_layout_reads_paths_relative_to_the_csv(tmp_path: Path) -> None:
    images = {f"data/img/{i:02d}.png": image_bytes(i) for i in range(2 * PER_CLASS)}
    rows = ["file,Outcome,comment"] + [
        f"img/{i:02d}.png,{'sick' if i % 2 else 'well'},x" for i in range(2 * PER_CLASS)
    ]
    rows += ["img/missing.png,well,x", "img/00.png,,no label"]
    members = images | {"data/labels.csv": "\n".join(rows).encode(), "data/img/unnamed.png": image_bytes(99)}
    data = load(write_zip(tmp_path / "csv.zip", members), target="outcome", positive="sick")
    assert data.target == "Outcome" and data.classes == ["well", "sick"]  # matched case-insensitively
    assert data.n_rows == 2 * PER_CLASS
    assert data.images.names[:2] == ["img/00.png", "img/01.png"]
    assert list(data.y[:2]) == [0, 1]
    assert data.images.unreadable == [{"name": "img/missing.png", "reason": "not in the zip"}]
    assert any("1 file(s) in the zip" in note for note in data.notes)
    with pytest.raises(UnknownTarget, match="'file', 'Outcome', 'comment'"):
        load(tmp_path / "csv.zip", target="diagnosis")


@pytest.mark.parametrize(
    "members, words",
    [
        ({"a.png": image_bytes(1), "b.png": image_bytes(2)}, "outside any class folder"),
        ({"a.csv": b"p,l\nx.png,1", "b.csv": b"p,l\nx.png,1"}, "2 CSV files"),
        ({"a.csv": b"p,label\nx,1\ny,2", "x/1.png": image_bytes(1)}, "no column"),
    ],
)
def test_a_zip_in_neither_layout_says_which_layouts_are_read(
    tmp_path: Path, members: dict[str, bytes], words: str
) -> None:
    with pytest.raises(ReadinessError) as raised:
        load(write_zip(tmp_path / "odd.zip", members))
    assert raised.value.code == "unknown_image_layout"
    assert words in raised.value.detail and "a folder per class" in raised.value.detail


def test_labels_are_encoded_as_a_tables_are(tmp_path: Path) -> None:
    with pytest.raises(SingleClassTarget):
        load(write_zip(tmp_path / "one.zip", folder_members(("cats",))))
    data = load(write_zip(tmp_path / "three.zip", folder_members(("a", "b", "c"))), positive="a")
    assert data.classes == ["a", "b", "c"] and any("--positive is ignored" in n for n in data.notes)


# (members or zip bytes, limits, code, words of the message)
LIMIT_CASES = {
    "too_many_images": (
        folder_members(),
        ImageLimits(max_images=5),
        "too_many_images",
        "READINESS_MAX_IMAGES",
    ),
    "image_too_large": (
        folder_members() | {"cats/big.png": image_bytes(3, size=(256, 256))},
        ImageLimits(max_image_bytes=10_000),
        "image_too_large",
        "cats/big.png",
    ),
    "image_too_many_pixels": (
        folder_members() | {"cats/wide.png": image_bytes(3, size=(100, 10))},
        ImageLimits(max_image_pixels=900),
        "image_too_many_pixels",
        "100 × 10",
    ),
    "unzipped": (
        folder_members(),
        ImageLimits(max_unzipped_bytes=1000),
        "zip_too_large_unpacked",
        "unpacked",
    ),
    "ratio": (bomb_members(), ImageLimits(), "zip_ratio_too_high", "cats/bomb.png"),
    "absolute": (folder_members() | {"/etc/cron.png": b"x"}, ImageLimits(), "unsafe_zip_entry", "absolute"),
    "dotdot": (folder_members() | {"cats/../../evil.png": b"x"}, ImageLimits(), "unsafe_zip_entry", ".."),
    "drive": (folder_members() | {"C:/evil.png": b"x"}, ImageLimits(), "unsafe_zip_entry", "absolute"),
    "symlink": (with_symlink(folder_members()), ImageLimits(), "unsafe_zip_entry", "symbolic link"),
    "encrypted": (
        encrypted(zip_bytes(folder_members()), "dogs/001.png"),
        ImageLimits(),
        "encrypted_zip_entry",
        "dogs/001.png",
    ),
    "not_a_zip": (b"PK\x03\x04 but nothing else", ImageLimits(), "unreadable_zip", "not a readable zip"),
}


@pytest.mark.parametrize("case", LIMIT_CASES)
def test_every_limit_and_unsafe_entry_is_refused_with_its_own_code(tmp_path: Path, case: str) -> None:
    content, limits, code, words = LIMIT_CASES[case]
    path = tmp_path / "upload.zip"
    path.write_bytes(content if isinstance(content, bytes) else zip_bytes(content))
    with pytest.raises(ReadinessError) as raised:
        load_images(path, target="label", limits=limits, name="photos.zip")
    assert raised.value.code == code and raised.value.field == "file"
    assert 400 <= raised.value.http_status < 500
    assert words in raised.value.detail and "photos.zip" in raised.value.detail


def test_a_zip_is_read_by_its_content_whatever_its_name(tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(zip_bytes(folder_members()))
    assert load(path).modality == "images"


def test_the_stored_parse_round_trips_an_image_dataset(tmp_path: Path) -> None:
    members = folder_members(mode="RGB") | {"cats/gone.gif": image_bytes(1, fmt="GIF")}
    data = load(write_zip(tmp_path / "rgb.zip", members), positive="cats")
    write_parsed(data, tmp_path / "parsed.parquet")
    back = read_parsed(tmp_path / "parsed.parquet")
    assert back.images is not None and data.images is not None
    assert np.array_equal(back.images.pixels, data.images.pixels)
    assert back.features.equals(data.features) and list(back.features.columns) == list(data.features.columns)
    for field in ("names", "modes", "formats", "content_sha256", "unreadable"):
        assert getattr(back.images, field) == getattr(data.images, field), field
    for field in ("widths", "heights", "phash"):
        assert np.array_equal(getattr(back.images, field), getattr(data.images, field)), field
    assert (back.classes, back.positive_label, back.notes) == (data.classes, data.positive_label, data.notes)


def test_a_folder_packs_to_the_same_bytes_every_time(tmp_path: Path) -> None:
    folder = tmp_path / "photos"
    for name, data in folder_members().items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    (folder / ".DS_Store").write_bytes(b"junk")
    pack_folder(folder, tmp_path / "one.zip")
    for path in folder.rglob("*.png"):  # touched: a new modification time must not change the bytes
        path.write_bytes(path.read_bytes())
    (folder / ".DS_Store").write_bytes(b"other junk")
    pack_folder(folder, tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    assert load(tmp_path / "one.zip").n_rows == 2 * PER_CLASS


def test_a_csv_of_image_paths_packs_with_the_images_it_names(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    rows = ["path,label"]
    for i in range(2 * PER_CLASS):
        (tmp_path / "img" / f"{i}.png").write_bytes(image_bytes(i))
        rows.append(f"img/{i}.png,{i % 2}")
    (tmp_path / "img" / "unnamed.png").write_bytes(image_bytes(50))
    (tmp_path / "labels.csv").write_text("\n".join(rows))
    assert image_path_column(tmp_path / "labels.csv") == "path"
    pack_csv(tmp_path / "labels.csv", "path", tmp_path / "labels.zip")
    with zipfile.ZipFile(tmp_path / "labels.zip") as archive:
        assert "img/unnamed.png" not in archive.namelist() and "labels.csv" in archive.namelist()
    assert load(tmp_path / "labels.zip").n_rows == 2 * PER_CLASS


def test_the_example_digits_zip_reads_as_ten_classes_of_32_pixel_grey_images() -> None:
    data = load(Path(__file__).parents[2] / "examples" / "digits.zip")
    assert data.n_rows == 1797 and data.classes == [str(d) for d in range(10)]
    assert data.images.geometry.channels == 1 and not data.images.unreadable


def test_a_16_bit_greyscale_png_keeps_its_contrast(tmp_path: Path) -> None:
    ramp = np.tile(np.linspace(0, 65535, 16).astype(np.uint16), (16, 1))  # dark left, bright right
    buffer = io.BytesIO()
    Image.fromarray(ramp).save(buffer, format="PNG")
    images = load(
        write_zip(tmp_path / "deep.zip", folder_members() | {"cats/deep.png": buffer.getvalue()})
    ).images
    assert images is not None and images.geometry.channels == 1
    pixels = images.pixels[images.names.index("cats/deep.png"), 0].astype(int)
    assert pixels[:, :4].mean() < 40 and pixels[:, -4:].mean() > 215  # not clipped to white
