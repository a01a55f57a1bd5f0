"""What reading a census imports: defusedxml only for a file it is needed for (one declaring a
DTD, refused, or one whose prolog cannot be checked), not for a plain census, which every
board with a census reads at start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lif_dfe.fake import write_cin

CODE = """
import sys
from pathlib import Path
from lif_core import LifError
from lif_dfe import CinCensusAdapter
adapter = CinCensusAdapter()
plain, dtd = map(Path, sys.argv[1:])
assert sum(1 for _ in adapter.read(plain, {})) > 0
print("after a plain census:", "defusedxml" in sys.modules)
try:
    list(adapter.read(dtd, {}))
except LifError as exc:
    print("a DTD:", "refused" in str(exc), "defusedxml" in sys.modules)
"""


def test_defusedxml_is_imported_only_for_a_file_that_needs_it(tmp_path: Path) -> None:
    plain = tmp_path / "cin-census-2019.xml"
    write_cin(plain, 5, 2019)
    dtd = tmp_path / "dtd-2019.xml"
    dtd.write_text('<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY a "b">]>\n<Message>&a;</Message>\n')
    done = subprocess.run(
        [sys.executable, "-c", CODE, str(plain), str(dtd)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["after a plain census: False", "a DTD: True True"]
