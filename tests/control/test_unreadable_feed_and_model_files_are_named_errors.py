"""Indicator feeds and model files that cannot be read — a folder, UTF-16 or binary text, a file whose
later lines are not in the encoding of its start, ten thousand unknown columns, TOML nested 30,000
deep — end in the control package's own error naming the file, in a message of readable length,
never a traceback (found by the hostile-input harness, tests/hostile/control_parsers.py)."""

import pytest

from fugong.control.feeds import FeedError, read_feed
from fugong.control.model import ModelError, load_model

HEADER = "region_code,date,indicator,value,flag\n"


def test_a_folder_is_not_a_feed_or_a_model(tmp_path):
    (tmp_path / "feed.csv").mkdir()
    (tmp_path / "model.toml").mkdir()
    with pytest.raises(FeedError, match="feed.csv: is a folder"):
        read_feed(tmp_path / "feed.csv")
    with pytest.raises(ModelError, match="folder"):
        load_model(tmp_path / "model.toml")


@pytest.mark.parametrize("data", [
    (HEADER + "330106,2020-02-20,C1,2,0\n").encode("utf-16"),
    bytes(range(256)) * 4,
    (HEADER + "330106,2020-02-20,C1,2,0\n" * 200).encode() + "330106,2020-02-20,C1,2,说明\n".encode("gbk")[:-3] + b"\x80\n",
])
def test_text_that_is_not_in_one_readable_encoding_is_refused_naming_the_file(tmp_path, data):
    path = tmp_path / "feed.csv"
    path.write_bytes(data)
    with pytest.raises(FeedError, match="feed.csv"):
        read_feed(path).rows  # noqa: B018 - reading is the point


def test_ten_thousand_unknown_columns_make_a_short_message(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(HEADER.strip() + "," + ",".join(f"extra{i}" for i in range(10_000)) + "\n", encoding="utf-8")
    with pytest.raises(FeedError) as caught:
        read_feed(path)
    assert "and 9,995 more" in str(caught.value) and len(str(caught.value)) < 600


def test_a_model_nested_too_deeply_is_refused(tmp_path):
    path = tmp_path / "model.toml"
    path.write_text('name = "x"\nx = ' + "[" * 30_000 + "]" * 30_000 + "\n", encoding="utf-8")
    with pytest.raises(ModelError, match="nested too deeply"):
        load_model(path)
