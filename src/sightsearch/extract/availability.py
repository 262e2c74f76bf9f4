"""Map availability values and stock texts in many languages to schema.org ItemAvailability short names."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from sightsearch.vocabulary import AVAILABILITY_VALUES, stock_class

_BY_KEY = {value.casefold(): value for value in AVAILABILITY_VALUES}
_BY_KEY.update({"instock": "InStock", "in_stock": "InStock", "available": "InStock", "outofstock": "OutOfStock",
                "out_of_stock": "OutOfStock", "oos": "OutOfStock", "unavailable": "OutOfStock",
                "preorder": "PreOrder", "pre_order": "PreOrder", "backorder": "BackOrder", "soldout": "SoldOut",
                "available for order": "InStock", "availablefororder": "InStock", "limited": "LimitedAvailability"})

# Stock phrases, checked in order: negative and special phrases come first because they often contain a
# positive one ("not in stock", "nicht auf Lager", "no disponible").
_PHRASES: tuple[tuple[str, str], ...] = (
    ("PreOrder", r"pre-?order|vorbestell|precommand|pr[ée]-?commande|pre-?venta|preventa|prenota|pré-?venda|"
                 r"pre-?sale|przedsprzeda"),
    ("BackOrder", r"back-?order|auf bestellung|sur commande|bajo pedido|su ordinazione|op bestelling"),
    ("Discontinued", r"discontinued|no longer (available|sold|made)|nicht mehr (erhältlich|lieferbar|verfügbar)|"
                     r"plus (disponible|fabriqué)|descatalogad|fuori produzione|uitlopend|wycofan[ya]|"
                     r"снят с производства"),
    ("OutOfStock", r"(will be|when( it is)?|once) back in stock|sera de nouveau|wieder (auf lager|verfügbar) sein|"
                   r"out of stock|out-of-stock|sold out|sold-out|currently unavailable|not available|unavailable|"
                   r"not in stock|no stock|temporarily out|ausverkauft|nicht (auf lager|verfügbar|lieferbar|vorrätig)|"
                   r"derzeit nicht|vergriffen|[ée]puis[ée]|rupture de stock|en rupture|indisponible|"
                   r"(pas|plus) (en stock|disponible)|agotad[oa]|sin stock|no disponible|sin existencias|"
                   r"esaurit[oa]|non disponibile|non più disponibile|uitverkocht|niet (op voorraad|leverbaar|"
                   r"beschikbaar)|esgotad[oa]|indisponível|sem estoque|fora de estoque|niedostępn|wyprzedan|"
                   r"brak (w magazynie|towaru)|slutsåld|ej i lager|ikke på lager|udsolgt|utsolgt|loppu|"
                   r"nav pieejam|izpārdots|нет в наличии|закончил|распродан|немає в наявності|nie ma|"
                   r"在庫切れ|売り切れ|缺货|售罄|품절|غير متوفر|نفذت"),
    ("LimitedAvailability", r"limited (stock|availability)|only \d+ left|few left|nur noch \d+|"
                            r"plus que \d+|últimas unidades|ultimi \d+|solo \d+ disponibil"),
    ("InStoreOnly", r"in[- ]store only|nur im (markt|geschäft|laden)|uniquement en magasin"),
    ("InStock", r"in stock|in-stock|available|add to (cart|basket|bag|trolley)|buy now|auf lager|lieferbar|"
                r"verfügbar|vorrätig|sofort|in den warenkorb|jetzt kaufen|en stock|disponible|ajouter au panier|"
                r"en existencia|añadir al (carrito|carro|cesta)|agregar al carr|comprar|in magazzino|disponibil|"
                r"aggiungi al carrello|op voorraad|leverbaar|in winkelwagen|em estoque|disponível|adicionar|"
                r"dostępn|w magazynie|do koszyka|i lager|på lager|lägg i varukorg|köp|pieejams|noliktavā|"
                r"grozā|в наличии|есть в наличии|в корзину|купить|на складі|в наявності|在庫あり|カートに入れる|"
                r"有货|加入购物车|有現貨|재고 있음|متوفر|أضف إلى|skladom|na sklade|do košíka|na skladě|do košíku|"
                r"na stanju|u košaric|raktáron|kosárba|stokta|sepete ekle|varastossa|ostoskoriin"),
)
_PHRASE_PATTERNS = tuple((value, re.compile(rf"(?<!\w)(?:{pattern})", re.IGNORECASE)) for value, pattern in _PHRASES)
# One search that says whether any phrase is there: most texts (link labels) state none, and then one search
# replaces seven.
STOCK_WORDS = "|".join(pattern for _, pattern in _PHRASES)
"""Every stock phrase as one alternation (no flags, no anchors), for callers that fold it into a prefilter."""
_ANY_PHRASE = re.compile(rf"(?<!\w)(?:{STOCK_WORDS})", re.IGNORECASE)


def _schema_value(value: str) -> str | None:
    """Read ``http://schema.org/InStock``, ``schema:InStock``, ``instock`` or ``in_stock`` style values."""
    tail = re.split(r"[/#:]", value.strip())[-1].strip()
    key = tail.casefold().replace("-", "").replace(" ", "") if len(tail) < 24 else tail.casefold()
    return _BY_KEY.get(tail.casefold()) or _BY_KEY.get(key)


@lru_cache(maxsize=4096)  # a site repeats its button labels and stock texts on every page
def stock_phrase(text: str) -> str | None:
    """The availability a short stock text or button label states, or ``None`` when it states none."""
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    if not _ANY_PHRASE.search(text):
        return None
    return _first_phrase(text)


def _first_phrase(text: str) -> str | None:
    for value, pattern in _PHRASE_PATTERNS:
        if pattern.search(text):
            return value
    return None


def normalize_availability(value: str | None) -> str | None:
    """Map an availability value to a schema.org short name (``InStock``, ``OutOfStock``, ``PreOrder``...).

    Accepts schema.org URLs and names, common feed values (``in_stock``, ``oos``) and stock texts in English,
    German, French, Spanish, Italian, Dutch, Portuguese, Polish, Swedish, Latvian and more. ``None`` when unknown.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    return _schema_value(text) or stock_phrase(text)


__all__ = ["normalize_availability", "stock_class", "stock_phrase"]
