"""Will a file fit in memory for training? Asked before reading it, because the answer after is
the operating system killing the process without a word.

The estimate is the table's size as stored (Parquet's uncompressed size; a text file's size,
tripled when compressed) times what training in memory was measured to need for each byte of
it: the table as read, its cleaned copy, the search's copy and the encoded matrices of the
folds. When it does not fit, the error says to train by sample (``sample_rows``), which keeps
memory bounded by the sample, not the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlwright.data.readers import is_compressed
from mlwright.errors import ConfigError

#: Peak memory of training in memory per byte of the table as stored: 9.1 GB for a 1.07 GB
#: table of 5 million rows and 30 columns (benchmarks/large_training.py), rounded up.
TRAINING_BYTES_PER_TABLE_BYTE = 9.0
#: A compressed text file holds about this many times its size in text.
COMPRESSION_RATIO = 3.0


def table_bytes(path: Path) -> int:
    """The table's size as stored, uncompressed."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        return sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    size = path.stat().st_size
    return int(size * COMPRESSION_RATIO) if is_compressed(path) else size


def check_fits_in_memory(path: str | os.PathLike, available: int | None = None) -> None:
    """Refuse, naming the file and the way out, a table that training in memory would not fit."""
    path = Path(path)
    if not path.is_file():
        return  # the reader names a missing file
    try:
        stored = table_bytes(path)
    except Exception:  # an unreadable file is the reader's to name, with its own message
        return
    if available is None:
        import psutil

        available = psutil.virtual_memory().available
    needed = stored * TRAINING_BYTES_PER_TABLE_BYTE
    if needed <= available:
        return
    share = max(0.01, min(0.5, 0.25 * available / needed))
    raise ConfigError(f"training on this table in memory needs about {needed / 2 ** 30:.1f} GB "
                      f"({stored / 2 ** 30:.2f} GB stored, times {TRAINING_BYTES_PER_TABLE_BYTE:g}), and "
                      f"{available / 2 ** 30:.1f} GB are free.", where=str(path),
                      fix=f"train by sample: --sample-rows N (sample_rows=N) searches on N rows and fits the best "
                          f"model on every row, streamed; about {share:.0%} of the rows fits comfortably.")
