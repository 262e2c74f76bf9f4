"""One router per resource; each carries its full path, so route templates in metrics read as clients see them."""

API_PREFIX = "/api/v1"
