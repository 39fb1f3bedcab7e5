"""Folders and archives of documents read as tables: classes from folders, stray files named."""

import shutil
import tarfile
import zipfile

import pytest

from mlwright.data.documents import is_document_collection, read_documents
from mlwright.data.readers import read_table
from mlwright.errors import DataError
from tests.text_fixtures import write_review_folder


def test_a_folder_of_class_subfolders_under_a_wrapper_gives_one_row_per_file(tmp_path):
    root = write_review_folder(tmp_path / "reviews", rows=40)
    frame = read_documents(root)
    assert len(frame) == 40 and set(frame.columns) == {"path", "text", "label"}
    assert set(frame["label"]) == {"pos", "neg"}
    assert all(path.startswith(f"corpus/{label}/") for path, label in zip(frame["path"], frame["label"]))
    assert frame.attrs["read_notes"] == ["1 file beside the class folders, not in one, left out: README.txt."]
    assert read_documents(root, label="sentiment").columns.tolist() == ["path", "text", "sentiment"]


@pytest.mark.parametrize("kind", ["zip", "gztar"])
def test_an_archive_reads_as_the_folder_it_holds(tmp_path, kind):
    root = write_review_folder(tmp_path / "reviews", rows=30)
    archive = shutil.make_archive(str(tmp_path / "reviews"), kind, root)
    assert is_document_collection(archive) and not is_document_collection(tmp_path / "table.csv.gz")
    from_archive, from_folder = read_documents(archive), read_documents(root)
    assert from_archive.sort_values("path").reset_index(drop=True).equals(
        from_folder.sort_values("path").reset_index(drop=True))
    assert read_table(archive).shape == (30, 3)


def test_empty_binary_and_latin1_files_are_named_never_fatal(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "good.txt").write_text("a fine and simple note", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff\x00\x10JFIF\x00\x01")
    (folder / "old.txt").write_bytes("caf\u00e9 cr\u00e8me".encode("cp1252"))
    (folder / ".DS_Store").write_bytes(b"\x00\x00")
    frame = read_documents(folder)
    assert sorted(frame["path"]) == ["good.txt", "old.txt"] and "label" not in frame  # files to score
    assert frame.set_index("path").loc["old.txt", "text"] == "caf\u00e9 cr\u00e8me"
    notes = " ".join(frame.attrs["read_notes"])
    assert "empty, left out: empty.txt" in notes and "binary, not text, left out: photo.jpg" in notes
    assert "not UTF-8, read as Windows-1252: old.txt" in notes and ".DS_Store" not in notes


def test_unreadable_collections_are_one_line_errors(tmp_path):
    (tmp_path / "blank").mkdir()
    (tmp_path / "blank" / "a.txt").write_bytes(b"  \n")
    with pytest.raises(DataError, match="no readable text files.*1 file empty") as caught:
        read_documents(tmp_path / "blank")
    assert str(tmp_path / "blank") in str(caught.value)
    (tmp_path / "broken.tar.gz").write_bytes(b"not an archive at all")
    with pytest.raises(DataError, match="cannot read the archive"):
        read_documents(tmp_path / "broken.tar.gz")
    with pytest.raises(DataError, match="file not found"):
        read_documents(tmp_path / "missing.zip")


def test_a_tar_archive_with_a_readme_beside_the_wrapper_folder(tmp_path):
    root = write_review_folder(tmp_path / "src", rows=20)
    archive = tmp_path / "reviews.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        for path in sorted(root.rglob("*")):
            handle.add(path, arcname=str(path.relative_to(root)), recursive=False)
    frame = read_documents(archive)
    assert len(frame) == 20 and frame["label"].value_counts().sum() == 20
    with zipfile.ZipFile(tmp_path / "flat.zip", "w") as handle:
        handle.writestr("one.txt", "first text here")
        handle.writestr("two.txt", "second text here")
    assert "label" not in read_documents(tmp_path / "flat.zip")
