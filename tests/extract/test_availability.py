"""Availability values and stock texts in many languages."""

from __future__ import annotations

import pytest

from sightsearch.extract import normalize_availability
from sightsearch.extract.availability import stock_class


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://schema.org/InStock", "InStock"),
        ("https://schema.org/OutOfStock", "OutOfStock"),
        ("schema:PreOrder", "PreOrder"),
        ("in_stock", "InStock"),
        ("oos", "OutOfStock"),
        ("In stock.", "InStock"),
        ("Currently unavailable.", "OutOfStock"),
        ("We don't know when or if this item will be back in stock.", "OutOfStock"),
        ("Auf Lager", "InStock"),
        ("Nicht auf Lager", "OutOfStock"),
        ("Ausverkauft", "OutOfStock"),
        ("En stock", "InStock"),
        ("Épuisé", "OutOfStock"),
        ("Disponible", "InStock"),
        ("No disponible", "OutOfStock"),
        ("Agotado", "OutOfStock"),
        ("Esaurito", "OutOfStock"),
        ("Op voorraad", "InStock"),
        ("Esgotado", "OutOfStock"),
        ("Niedostępny", "OutOfStock"),
        ("I lager", "InStock"),
        ("Noliktavā", "InStock"),
        ("Add to basket", "InStock"),
        ("Sold out", "SoldOut"),
        ("Pre-order now", "PreOrder"),
    ],
)
def test_normalize(value: str, expected: str) -> None:
    assert normalize_availability(value) == expected


@pytest.mark.parametrize("value", [None, "", "blue", "Free delivery"])
def test_unknown_is_none(value: str | None) -> None:
    assert normalize_availability(value) is None


def test_stock_class_folds_to_two_values() -> None:
    assert stock_class("SoldOut") == "OutOfStock"
    assert stock_class("LimitedAvailability") == "InStock"
    assert stock_class("PreOrder") is None
