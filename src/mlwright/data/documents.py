"""Folders of documents as tables: one row per file, its text, its path, and (for training) its class.

A collection is a folder, or a .zip / .tar(.gz|.bz2|.xz) archive holding one, laid out as people
lay them out: one subfolder per class (``reviews/pos/*.txt``, ``reviews/neg/*.txt``), possibly
under a single wrapping folder (``txt_sentoken/pos``), or plain files to score. Files that are
empty, binary or not UTF-8 get a warning naming them and never stop the reading: a folder of
thousands of documents with one stray image in it should train, and say so.
"""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from mlwright.errors import DataError

if TYPE_CHECKING:  # pandas loads when a collection is read, not when the command line asks what one is
    import pandas as pd

#: The columns of a collection read as a table.
TEXT_COLUMN, PATH_COLUMN, LABEL_COLUMN = "text", "path", "label"
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
#: Files no one means as a document: system litter and hidden files.
_IGNORED_NAMES = frozenset({".DS_Store", "Thumbs.db", "desktop.ini"})
_MAX_WARNINGS_NAMED = 5


@dataclass
class _Reading:
    """What reading found: rows, and the files set aside or read another way, by reason."""

    rows: list[dict] = field(default_factory=list)
    set_aside: dict[str, list[str]] = field(default_factory=dict)

    def note(self, reason: str, name: str) -> None:
        self.set_aside.setdefault(reason, []).append(name)

    def warnings(self) -> list[str]:
        lines = []
        for reason, names in self.set_aside.items():
            shown = ", ".join(names[:_MAX_WARNINGS_NAMED])
            more = f" and {len(names) - _MAX_WARNINGS_NAMED} more" if len(names) > _MAX_WARNINGS_NAMED else ""
            lines.append(f"{len(names)} file{'s' if len(names) != 1 else ''} {reason}: {shown}{more}.")
        return lines


def is_document_collection(source) -> bool:
    """A folder, or an archive of files (not a compressed table such as ``data.csv.gz``)."""
    if not isinstance(source, (str, os.PathLike)):
        return False
    path = Path(source)
    return path.is_dir() or path.name.lower().endswith(_ARCHIVE_SUFFIXES)


def read_documents(source: str | os.PathLike[str], *, label: str = LABEL_COLUMN) -> pd.DataFrame:
    """The collection at ``source`` as a frame with columns ``path``, ``text`` and, when the files
    sit in two or more class folders, ``label`` (named by ``label``). The warnings about files set
    aside or read as another encoding are in ``frame.attrs['read_notes']``."""
    import pandas as pd

    path = Path(source)
    if not path.exists():
        raise DataError("file not found.", where=str(path), fix="check the path.")
    files = _folder_files(path) if path.is_dir() else _archive_files(path)
    reading = _Reading()
    for name, data in files:
        text = _decode(name, data, reading)
        if text is not None:
            reading.rows.append({PATH_COLUMN: name, TEXT_COLUMN: text})
    if not reading.rows:
        raise DataError("no readable text files in the collection." + _set_aside_summary(reading), where=str(path),
                        fix="pass a folder (or archive) of text files, one subfolder per class for training.")
    frame = pd.DataFrame(reading.rows)
    classes = _class_folders(frame[PATH_COLUMN].tolist())
    if classes is not None:
        if label in (PATH_COLUMN, TEXT_COLUMN):
            raise DataError(f"the label column cannot be named {label!r}: the collection's {label!r} column holds "
                            "the files' own values.", where="--target", fix="name the label column 'label'.")
        outside = [name for name, cls in zip(frame[PATH_COLUMN], classes) if cls is None]
        for name in outside:
            reading.note("beside the class folders, not in one, left out", name)
        frame[label] = classes
        frame = frame[frame[label].notna()].reset_index(drop=True)
    frame.attrs["read_notes"] = reading.warnings()
    frame.attrs["documents"] = True
    return frame


def _set_aside_summary(reading: _Reading) -> str:
    warnings = reading.warnings()
    return (" " + " ".join(warnings)) if warnings else ""


def _folder_files(root: Path) -> list[tuple[str, bytes]]:
    files = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_file() and not _ignored(relative):
            files.append((relative, path.read_bytes()))
    return files


def _archive_files(path: Path) -> list[tuple[str, bytes]]:
    try:
        if path.name.lower().endswith(".zip"):
            with zipfile.ZipFile(path) as archive:
                return sorted((_clean(info.filename), archive.read(info)) for info in archive.infolist()
                              if not info.is_dir() and not _ignored(info.filename))
        with tarfile.open(path) as archive:
            members = [m for m in archive.getmembers() if m.isfile() and not _ignored(m.name)]
            return sorted((_clean(m.name), archive.extractfile(m).read()) for m in members)
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(f"cannot read the archive: {exc}", where=str(path),
                        fix="check that the archive is complete (a .zip or .tar, .tar.gz, .tgz file).") from None


def _clean(name: str) -> str:
    """A member's name as a folder's file would be named: ``./a/b.txt`` is ``a/b.txt``."""
    return PurePosixPath(name).as_posix().lstrip("/")


def _ignored(name: str) -> bool:
    parts = [p for p in PurePosixPath(name).parts if p not in (".", "/")]
    return (not parts or parts[-1] in _IGNORED_NAMES or any(p.startswith(".") or p == "__MACOSX" for p in parts))


def _decode(name: str, data: bytes, reading: _Reading) -> str | None:
    """The file's text, or None (with a note) when it is empty or not text. UTF-8 first (with or
    without a byte-order mark), then Windows-1252, which reads any byte: a file that needs it is
    named, so that its accents can be checked."""
    if not data.strip():
        reading.note("empty, left out", name)
        return None
    head = data[:4096]
    if b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > 0.01 * len(head):
        reading.note("binary, not text, left out", name)
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        reading.note("not UTF-8, read as Windows-1252", name)
        return io.TextIOWrapper(io.BytesIO(data), encoding="cp1252", errors="replace").read()


def _class_folders(paths: list[str]) -> list[str | None] | None:
    """Each file's class: its first folder below the collection's top, where the top is the root
    or, while the root holds a single folder (and at most a stray file or two, such as a README),
    that folder. A file directly in the top (a README beside the class folders) has no class
    (None). None for the whole collection when there are not two class folders: files to score."""
    parts = [PurePosixPath(p).parts for p in paths]
    inside = list(range(len(parts)))  # the files under the current top
    depth = 0
    while True:
        deeper = [i for i in inside if len(parts[i]) > depth + 1]
        folders = {parts[i][depth] for i in deeper}
        loose = len(inside) - len(deeper)
        if len(folders) == 1 and loose <= max(2, 0.01 * len(inside)) and len(deeper) > 1:
            inside, depth = deeper, depth + 1  # a wrapping folder ("txt_sentoken/"); stray files above it drop out
            continue
        break
    if len(folders) < 2:
        return None
    classes: list[str | None] = [None] * len(parts)
    for i in deeper:
        classes[i] = parts[i][depth]
    return classes
