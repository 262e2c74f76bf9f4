"""The demo catalogue as pure data: determinism, epochs, special products and the truth format."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from sightsearch.demo import DemoShop


def _by_key(truth: dict) -> dict[str, dict]:
    return {product["key"]: product for product in truth["products"]}


def test_same_seed_gives_identical_truth_and_another_seed_does_not() -> None:
    assert DemoShop(seed=7).truth() == DemoShop(seed=7).truth()
    assert DemoShop(seed=7).truth()["products"] != DemoShop(seed=8).truth()["products"]


def test_epoch_changes_only_the_listed_products_and_fields() -> None:
    before, after = _by_key(DemoShop(epoch=0).truth()), DemoShop(epoch=1).truth()
    listed = {change["key"]: change["fields"] for change in after["changed_since_epoch_0"]}
    assert 15 <= len(listed) <= 75  # ~10% price + ~5% stock of 300
    for key, product in _by_key(after).items():
        differing = {field for field in product if product[field] != before[key][field]}
        assert differing == set(listed.get(key, {})), key
        for field, change in listed.get(key, {}).items():
            assert (change["from"], change["to"]) == (before[key][field], product[field])
    assert DemoShop(epoch=0).truth()["changed_since_epoch_0"] == []


def test_special_products_are_present_and_disjoint() -> None:
    truth = DemoShop().truth()
    broken = Counter(product["broken"] for product in truth["products"] if product["broken"])
    assert set(broken) == {"missing price", "negative price", "garbage title", "empty title"}
    assert sum(broken.values()) == 6
    transient = truth["transient"]["503"] + truth["transient"]["429"]
    assert len(truth["transient"]["503"]) == len(truth["transient"]["429"]) == 5
    assert len(set(transient)) == 10
    assert 8 <= len(truth["near_duplicate_groups"]) <= 12
    assert {failure["image"] for failure in truth["image_failures"]} >= {"/img/bomb.png"}
    assert Counter(product["format"] for product in truth["products"]) == {"jsonld": 100, "microdata": 100, "html": 100}
    assert 5 <= sum(product["currency"] == "EUR" for product in truth["products"]) <= 40


def test_broken_products_carry_their_damage() -> None:
    for product in DemoShop().truth()["products"]:
        if product["broken"] == "missing price":
            assert product["price"] is None
        elif product["broken"] == "negative price":
            assert product["price"].startswith("-")
        elif product["broken"] == "empty title":
            assert product["title"] == ""


def test_truth_is_port_independent_json(tmp_path: Path) -> None:
    shop = DemoShop()
    shop.write_truth(tmp_path / "truth.json")
    text = (tmp_path / "truth.json").read_text(encoding="utf-8")
    assert json.loads(text) == json.loads(json.dumps(shop.truth()))
    assert "http://" not in text and "127.0.0.1" not in text
    assert all(product["path"].startswith("/p/") for product in shop.truth()["products"])


def test_small_shops_work_without_special_products() -> None:
    truth = DemoShop(products=12).truth()
    assert len(truth["products"]) == 12
    assert truth["transient"] == {"503": [], "429": []} and truth["near_duplicate_groups"] == []
