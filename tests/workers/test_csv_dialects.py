"""Files as people's tools save them: Excel's semicolons and decimal commas, tabs, and tables named .txt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workers.data.loading import load_dataset, read_table
from workers.errors import NoUsableFeatures

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _breast_cancer() -> pd.DataFrame:
    return pd.read_csv(EXAMPLES / "breast_cancer.csv")


def test_an_excel_export_with_semicolons_and_decimal_commas_reads_as_numbers(tmp_path: Path) -> None:
    frame = _breast_cancer()
    path = tmp_path / "excel.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)
    assert "," in path.read_text().splitlines()[1]  # the file really has decimal commas

    data = load_dataset(path, target="diagnosis", positive="malignant")
    numeric = [c for c, p in data.columns.items() if p.kind == "numeric"]
    assert len(numeric) == frame.shape[1] - 1  # every measurement, none read as an ID or text
    first = frame.columns[0]
    np.testing.assert_allclose(data.features[first].to_numpy(), frame[first].to_numpy())
    assert any("semicolon-separated, decimal commas" in note for note in data.notes)


def test_thousands_dots_and_decimal_commas_read_the_european_way(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("price;rooms;sold\n1.234,5;3;yes\n987,25;2;no\n2.000.000;5;yes\n15,5;1;no\n")
    frame = read_table(path)
    assert frame["price"].tolist() == [1234.5, 987.25, 2_000_000.0, 15.5]
    assert "decimal commas (1 column)" in frame.attrs["readiness_dialect"]


def test_a_comma_separated_file_keeps_its_quoted_text(tmp_path: Path) -> None:
    path = tmp_path / "plain.csv"
    path.write_text('city,size,label\n"1,5",1,a\n"2,5",2,b\n"3,5",3,a\n')
    assert read_table(path)["city"].tolist() == ["1,5", "2,5", "3,5"]  # a comma file's commas are not decimals


@pytest.mark.parametrize("name", ["data.tsv", "data.txt", "data.tab"])
def test_tab_separated_tables_are_read_by_their_content(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    _breast_cancer().to_csv(path, sep="\t", index=False)
    data = load_dataset(path, target="diagnosis", positive="malignant")
    assert data.features.shape == (569, 30)
    assert any("tab-separated" in note for note in data.notes)


def test_parquet_under_a_text_name_is_read_as_parquet(tmp_path: Path) -> None:
    path = tmp_path / "exported.txt"
    _breast_cancer().to_parquet(path)
    assert read_table(path).shape == (569, 31)


def test_a_failure_says_how_the_file_was_read(tmp_path: Path) -> None:
    path = tmp_path / "constant.csv"
    path.write_text("a;b;label\n" + "1;x;yes\n1;x;no\n" * 20)
    with pytest.raises(NoUsableFeatures, match="read as semicolon-separated, UTF-8"):
        load_dataset(path, target="label")
