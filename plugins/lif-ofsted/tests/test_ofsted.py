"""lif-ofsted: its frameworks, the coverage it computes (figures checked by hand against the
Croydon register), and its command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import lif_ofsted
from click.testing import CliRunner
from lif_ofsted.coverage import coverage

from lif_core import Plugins, open_board
from lif_core.cli import make_cli
from lif_core.model import Strength

CROYDON = Path(__file__).resolve().parents[3] / "examples" / "croydon"


def test_frameworks_are_versioned_and_distinct() -> None:
    names = [f.name for f in lif_ofsted.FRAMEWORKS]
    assert names == ["ofsted-sif-lscb-review", "ofsted-ilacs-2018", "ofsted-ilacs-2023", "ofsted-jtai"]
    for framework in lif_ofsted.FRAMEWORKS:
        ids = [a.id for a in framework.areas]
        assert len(ids) == len(set(ids)), framework.name


def test_coverage_of_croydon_by_hand() -> None:
    plugins = Plugins.create()
    loaded = open_board(CROYDON, plugins)
    rows = {c.recommendation.number: c for c in coverage(loaded, plugins, dt.date(2018, 7, 1))}
    # [113]: sections 3, 4, 9; the Executive answers it; nothing evidences it yet.
    assert [s.split(" ")[0] for s in rows["113"].sections] == ["3", "4", "9"]
    assert rows["113"].groups == ("CSCB Executive",)
    assert rows["113"].gaps == ("no evidence",)
    # [114]: one completed action (VAC terms of reference), evidenced only by a policy document.
    assert [a.id for a in rows["114"].actions] == ["a-vac-tor"]
    assert rows["114"].strongest is Strength.WEAK
    assert rows["114"].gaps == ("evidence of activity only: nothing moderate or strong shows impact",)
    # [115]: the dataset action is done and the Q4 dataset is moderate evidence: no gap.
    assert [e.id for e in rows["115"].evidence] == ["e-dataset-q4"]
    assert rows["115"].gaps == ()
    # [116]: answered by sections 7 and 8 and the Executive, but no evidence.
    assert rows["116"].gaps == ("no evidence",)
    # [117]: the audit programme (due 2018-04-30, in progress) is overdue on 1 July 2018 ...
    assert [a.id for a in rows["117"].overdue] == ["a-audit-programme"]
    assert rows["117"].gaps == ("1 action overdue",)
    # ... and not on 1 April 2018.
    early = {c.recommendation.number: c for c in coverage(loaded, plugins, dt.date(2018, 4, 1))}
    assert early["117"].gaps == ()


def test_inspection_command() -> None:
    cli = make_cli(Plugins.create())
    result = CliRunner().invoke(cli, ["inspection", "--as-of", "2018-07-01", str(CROYDON)])
    assert result.exit_code == 0, result.output
    assert "Coverage as at 2018-07-01" in result.stdout
    data = json.loads(
        CliRunner().invoke(cli, ["inspection", "--as-of", "2018-07-01", "-f", "json", str(CROYDON)]).stdout
    )
    table = data["sections"][0]["blocks"][0]
    assert table["columns"][0] == "No." and table["rows"][4][4] == "0/1/1"
    bad = CliRunner().invoke(cli, ["inspection", "--as-of", "1 July", str(CROYDON)])
    assert bad.exit_code == 2
    assert "'1 July' does not match the format '%Y-%m-%d'" in bad.stderr


def test_working_together_editions_are_inspection_frameworks_only() -> None:
    """The editions are here for mapping; their rules belong to the statutory frameworks in
    lif-england, which run only on English boards."""
    plugins = Plugins.create()
    for edition in ("2015", "2018", "2023"):
        assert plugins.inspection_frameworks.plugin_of(f"working-together-{edition}") == "ofsted"
    assert not any(plugins.checks.plugin_of(c.name) == "ofsted" for c in plugins.checks)
    assert plugins.inspection_frameworks.get("ofsted-jtai").area("front-door") is not None
