"""The one analysis both backends rely on."""

from app.domains.search.analysis import Analyzer, fold, index_terms, one_edit, parse_synonyms


def test_folding_lowercases_and_strips_accents():
    assert fold("Café Crème ÅNGSTRÖM") == "cafe creme angstrom"


def test_plural_and_singular_stem_alike():
    assert index_terms("shirts") == index_terms("shirt") == ["shirt"]


def test_compounds_are_indexed_joined_and_by_part():
    assert index_terms("T-Shirts") == ["tshirt", "shirt"]
    assert Analyzer().query("t-shirt") == Analyzer().query("tshirt") == [frozenset({"tshirt"})]


def test_synonyms_expand_both_ways_through_the_same_analysis():
    a = Analyzer(parse_synonyms(["sofa, Couch", "# comment", "tee, t-shirt", "lonely"]))
    assert a.query("couches") == [frozenset({"sofa", "couch"})]
    assert a.query("sofa") == [frozenset({"sofa", "couch"})]
    assert a.query("tees") == [frozenset({"tee", "tshirt"})]


def test_symbols_only_give_no_terms_and_long_queries_are_bounded():
    assert Analyzer().query("!!! %_* ()") == []
    assert len(Analyzer().query(" ".join(f"w{i}" for i in range(500)))) == 16


def test_prefix_splits_finished_words_from_the_one_being_typed():
    assert Analyzer().prefix("leather bo") == ([("leather", frozenset({"leather"}))], "bo")
    assert Analyzer().prefix("leathers ") == ([("leathers", frozenset({"leather"}))], "")


def test_one_edit_covers_the_four_kinds_of_typo():
    edits = one_edit("shirt")
    assert {"shrt", "hsirt", "shart", "shirts"} <= edits and "shirt" not in edits
