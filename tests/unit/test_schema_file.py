from pathlib import Path

from app.cli import main
from app.schema import schema_sdl

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_the_code():
    committed = (ROOT / "schema.graphql").read_text()
    assert committed == schema_sdl(), "schema.graphql drifted: run `emporium schema --write`"


def test_schema_check_command_fails_on_drift(tmp_path, monkeypatch, capsys):
    import app.cli as cli

    stale = tmp_path / "schema.graphql"
    stale.write_text("type Query { stale: Int }\n")
    monkeypatch.setattr(cli, "SCHEMA_FILE", stale)
    assert main(["schema", "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert main(["schema", "--write"]) == 0
    assert main(["schema", "--check"]) == 0
