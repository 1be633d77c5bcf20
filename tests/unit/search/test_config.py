"""Merchant-edited synonyms: from SEARCH_SYNONYMS and SEARCH_SYNONYMS_FILE."""

from app.domains.search import Analyzer, SearchConfig, parse_synonyms


def test_synonyms_come_from_the_setting_and_the_file(tmp_path, monkeypatch):
    f = tmp_path / "synonyms.txt"
    f.write_text("# our words\nsneaker, trainer\n", encoding="utf-8")
    monkeypatch.setenv("SEARCH_SYNONYMS", "sofa, couch; tee, t-shirt")
    monkeypatch.setenv("SEARCH_SYNONYMS_FILE", str(f))
    analyzer = Analyzer(parse_synonyms(SearchConfig().synonym_lines()))
    assert analyzer.query("trainers") == [frozenset({"sneaker", "trainer"})]
    assert analyzer.query("couch") == [frozenset({"sofa", "couch"})]
    assert analyzer.query("tee") == [frozenset({"tee", "tshirt"})]
