"""Declarative site specs: YAML files that say where a site keeps its fields, for sites automation gets wrong.

A spec's values override automatic extraction (their source is ``spec``). The crawler reads ``product_links`` and
``pagination``; the browser fetcher reads ``render`` and ``wait_for``. Field selectors run on the visible document:
``<script>`` and ``<style>`` elements are already removed, so a spec cannot select inside them.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from cssselect import GenericTranslator, SelectorError
from lxml import etree
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from sightsearch.errors import ConfigurationError

SPEC_FIELDS = frozenset({"title", "price", "old_price", "currency", "sku", "gtin", "mpn", "brand", "availability",
                         "description", "category", "images"})
_REGEX_MATCH = re.compile(r"^\^|\$$|^re:")


class Selector(BaseModel):
    """A CSS or XPath selector (exactly one), with an optional attribute to read and a regex to apply."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    css: str | None = None
    xpath: str | None = None
    attr: str | None = None
    regex: str | None = None
    multiple: bool = False

    @model_validator(mode="after")
    def _check(self) -> Selector:
        if (self.css is None) == (self.xpath is None):
            raise ValueError("give exactly one of 'css' or 'xpath'")
        try:
            etree.XPath(self.as_xpath())
        except (SelectorError, etree.XPathSyntaxError) as error:
            raise ValueError(f"invalid selector: {error}") from error
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as error:
                raise ValueError(f"invalid regex {self.regex!r}: {error}") from error
        return self

    def as_xpath(self) -> str:
        """The selector as XPath (CSS is translated with cssselect)."""
        return self.xpath if self.xpath is not None else GenericTranslator().css_to_xpath(self.css or "")


class SiteSpec(BaseModel):
    """One site's extraction rules; ``match`` is a host glob (``*.shop.com``) or a URL regex (``^https://...``)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    match: str
    fields: dict[str, Selector] = {}
    product_links: Selector | None = None
    pagination: Selector | None = None
    render: Literal["never", "auto", "always"] = "never"
    wait_for: str | None = None

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, fields: dict[str, Selector]) -> dict[str, Selector]:
        unknown = sorted(set(fields) - SPEC_FIELDS)
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(SPEC_FIELDS))}")
        return fields

    @field_validator("match")
    @classmethod
    def _valid_match(cls, match: str) -> str:
        if _REGEX_MATCH.search(match):
            try:
                re.compile(match.removeprefix("re:"))
            except re.error as error:
                raise ValueError(f"invalid regex: {error}") from error
        return match

    def matches(self, url: str) -> bool:
        """True when this spec applies to ``url``."""
        if _REGEX_MATCH.search(self.match):
            return re.search(self.match.removeprefix("re:"), url) is not None
        host = urlsplit(url).hostname or ""
        # "*.shop.com" also covers the bare "shop.com"; "shop.com" also covers its subdomains.
        bare = self.match.removeprefix("*.")
        return fnmatch.fnmatch(host, self.match) or fnmatch.fnmatch(host, bare) or fnmatch.fnmatch(host, "*." + bare)


def _describe(error: ValidationError) -> str:
    problems = []
    for issue in error.errors():
        location = ".".join(str(part) for part in issue["loc"]) or "(top level)"
        problems.append(f"{location}: {issue['msg']}")
    return "; ".join(problems)


def parse_spec(data: Any, origin: str = "site spec") -> SiteSpec:
    """Validate a spec already loaded from YAML/JSON; raises ``ConfigurationError`` naming the bad field."""
    if not isinstance(data, dict):
        raise ConfigurationError(f"{origin}: a site spec must be a mapping, got {type(data).__name__}")
    try:
        return SiteSpec.model_validate(data)
    except ValidationError as error:
        raise ConfigurationError(f"{origin}: invalid site spec: {_describe(error)}") from error


def load_spec(path: str | Path) -> SiteSpec:
    """Read and validate a YAML site spec; raises ``ConfigurationError`` naming the file and the bad field."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ConfigurationError(f"{path}: cannot read site spec: {error}") from error
    return parse_spec(data, str(path))
