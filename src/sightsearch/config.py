"""One typed settings object. Every field is read from ``SIGHTSEARCH_<NAME>`` or ``.env``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sightsearch.netaddr import is_loopback_host


class Settings(BaseSettings):
    """Runtime configuration. Defaults give a working embedded pipeline on SQLite with no services."""

    # Errors never echo the rejected value: it may be a password, a key or a URL with credentials in it.
    model_config = SettingsConfigDict(env_prefix="SIGHTSEARCH_", env_file=".env", extra="ignore",
                                      hide_input_in_errors=True)

    database_url: str = Field("sqlite:///sightsearch.db", description="SQLAlchemy URL of the product store.")

    # Crawling
    user_agent: str = Field("SightSearchBot/0.1 (+https://github.com/sightsearch)", description="User-Agent sent with every request.")
    max_pages: int = Field(10_000, ge=1, description="Default page budget per crawl run.")
    concurrency: int = Field(16, ge=1, le=1024, description="Maximum fetches in flight across all domains.")
    per_domain_concurrency: int = Field(8, ge=1, le=256, description="Maximum fetches in flight to one domain.")
    per_domain_delay: float = Field(0.0, ge=0, description="Minimum seconds between requests to one domain (robots Crawl-delay wins if larger).")
    request_timeout: float = Field(20.0, gt=0, description="Seconds before a request times out (connect, read, whole).")
    max_page_bytes: int = Field(5_000_000, ge=1024, description="Largest response body accepted; larger pages fail permanently.")
    max_redirects: int = Field(10, ge=0, description="Redirects followed before a fetch fails.")
    max_retries: int = Field(4, ge=0, description="Retries of a transient failure before it is dead-lettered.")
    backoff_base: float = Field(0.5, gt=0, description="First back-off delay in seconds; doubles each retry, with full jitter.")
    backoff_max: float = Field(60.0, gt=0, description="Largest back-off delay in seconds.")
    max_retry_after: float = Field(120.0, gt=0, description="Longest Retry-After honoured; longer waits fail the fetch as transient.")
    respect_robots: bool = Field(True, description="Obey robots.txt Disallow and Crawl-delay.")
    max_run_seconds: float = Field(0.0, ge=0, description="Seconds after which a run starts no new page: pages being fetched finish, what was fetched is loaded, the pages not started are counted as time_limit_skipped; 0: no limit. Set it on an API server so that a slow site cannot hold a run slot for days.")
    follow_sitemaps: bool = Field(False, description="Also queue the sitemaps that a seed site's robots.txt lists (its Sitemap lines; plain or gzipped, indexes followed), so that product pages no listing links to are found too. The page budget still applies.")
    max_crawl_delay: float = Field(60.0, gt=0, description="Longest robots.txt Crawl-delay honoured; a site asking for more is not crawled (its pages count as blocked by robots.txt).")
    parse_processes: int = Field(0, ge=0, le=64, description="Processes that parse pages and extract products in the embedded mode; 0: one per core beyond the first (none on one core).")
    parse_backlog_mb: int = Field(64, ge=1, description="Embedded mode, per run: most megabytes of fetched pages waiting for the parser processes (fetches under way counted at the recent pages' mean size); a fetch waits for room before it takes its site's turn.")

    # Browser rendering (crawl/browser: Selenium on Debian's chromium + chromium-driver)
    render: str = Field("auto", pattern="^(never|auto|always)$", description="never: HTTP only; auto: render app shells and sites that need it; always: render every page.")
    browser_binary: Path = Field(Path("/usr/bin/chromium"), description="Chromium executable (Debian package chromium); never downloaded at run time.")
    browser_driver: Path = Field(Path("/usr/bin/chromedriver"), description="ChromeDriver executable (Debian package chromium-driver).")
    browser_sessions: int = Field(2, ge=1, le=32, description="Browser sessions (isolated profiles) rendering at once.")
    browser_pages_per_session: int = Field(100, ge=1, description="Pages a session renders before it is replaced by a fresh one.")
    browser_max_memory_mb: int = Field(1024, ge=64, description="Private resident memory (MB) of one session's browser processes above which it is replaced after the page.")
    browser_wait_timeout: float = Field(10.0, gt=0, description="Seconds to wait for a page's content (spec wait_for, or network and DOM quiet).")
    browser_quiet_window: float = Field(0.3, ge=0, description="Seconds without DOM mutation, pending fetch/XHR or short timer that count as settled.")
    browser_load_images: bool = Field(False, description="Let the browser download images (off: faster; image URLs are still in the DOM).")
    render_evidence_pages: int = Field(3, ge=1, description="Pages of a site looked at in auto mode before deciding whether the site needs a browser.")

    # Images
    download_images: bool = Field(True, description="Download product images, hash them and find near-duplicates.")
    image_concurrency: int = Field(8, ge=1, description="Image downloads in flight.")
    max_image_bytes: int = Field(10_000_000, ge=1024, description="Largest image file accepted.")
    max_image_pixels: int = Field(40_000_000, ge=1024, description="Largest decoded image (width x height); more is treated as a bomb. A crawling process decodes its images within one budget the size of the largest such image (about 200 MB at the default), and refuses a decode over 16 MB that would expand its file more than 1000 times.")
    near_duplicate_distance: int = Field(6, ge=0, le=64, description="Largest pHash Hamming distance for two images to be near-duplicates (resized or re-encoded copies measure 0-4).")

    # Distributed mode (Celery workers on Redis)
    broker_url: str | None = Field(None, repr=False, description="Celery broker, redis://host:port/db; set it to run `sightsearch worker` and `crawl --distributed`.")
    redis_url: str | None = Field(None, repr=False, description="Redis for the fleet's shared state (dedup, politeness, run counts); defaults to broker_url.")
    broker_visibility_timeout: float = Field(30.0, gt=0, description="Seconds before the task of a dead worker is redelivered; longer than any task and retry countdown.")
    broker_restore_interval: float = Field(2.0, gt=0, description="Seconds between the workers' sweeps for tasks of dead workers.")
    domain_rate: float = Field(4.0, gt=0, description="Fleet-wide requests per second to one domain (per_domain_delay and robots Crawl-delay lower it).")
    domain_burst: int = Field(2, ge=1, description="Requests one domain may get at once when no delay applies.")
    rate_recovery_seconds: float = Field(30.0, gt=0, description="After a 429 a domain's rate halves; each quiet period this long doubles it back.")
    max_throttle_wait: float = Field(5.0, ge=0, description="Longest politeness wait a task sleeps; longer waits re-schedule the task.")
    dedup_error_rate: float = Field(1e-7, gt=0, lt=0.01, description="False-positive rate of the fleet-wide URL Bloom filter (sized from max_pages).")
    proxies: list[str] = Field(default_factory=list, repr=False, description='Proxy URLs as a JSON list, e.g. ["http://user:pass@10.0.0.1:3128"]; credentials are never logged.')
    proxy_sticky: bool = Field(False, description="One proxy per site (session) instead of a new one per request.")
    proxy_cooldown: float = Field(60.0, ge=0, description="Seconds a proxy rests after a ban (403, 429, captcha) or a connection failure.")
    proxy_max_failures: int = Field(5, ge=1, description="Consecutive failures after which a proxy is retired.")
    schedules: list[dict[str, object]] = Field(default_factory=list, description='Periodic re-crawls for `sightsearch beat`: JSON [{"name","seeds","cron"|"every","max_pages"}].')
    worker_concurrency: int = Field(2, ge=1, description="Default processes per `sightsearch worker`.")
    flower_user: str | None = Field(None, description="Flower basic-auth user.")
    flower_password: str | None = Field(None, repr=False, description="Flower basic-auth password, at least 12 characters and no comma (kept out of reprs and logs).")
    flower_address: str = Field("127.0.0.1", description="Flower bind address; a non-loopback address requires credentials.")
    flower_port: int = Field(5555, ge=1, le=65535, description="Flower port.")
    flower_allow_no_auth: bool = Field(False, description="Let Flower run without credentials, on loopback only.")

    # Data API (`sightsearch serve`)
    api_host: str = Field("127.0.0.1", description="Address `sightsearch serve` binds; a non-loopback one requires api_auth_enabled.")
    api_port: int = Field(8000, ge=1, le=65535, description="Port `sightsearch serve` listens on.")
    api_auth_enabled: bool = Field(True, description="Require an X-API-Key for writes and run submissions; off is refused on a non-loopback bind.")
    api_read_requires_key: bool = Field(False, description="Also require an X-API-Key for read endpoints and /metrics.")
    api_cors_origins: list[str] = Field(default_factory=list, description='Browser origins allowed by CORS, as a JSON list; empty keeps CORS off.')
    api_max_body_bytes: int = Field(1_048_576, ge=1024, description="Largest request body (JSON) accepted; larger ones get 413.")
    api_max_upload_bytes: int = Field(12_000_000, ge=1024, description="Largest multipart upload (search by image) accepted; larger ones get 413.")
    api_max_active_runs: int = Field(2, ge=1, description="Runs submitted through the API that may crawl at once in the API process; more get 429.")
    ssrf_allow: list[str] = Field(default_factory=list, description='Hosts or CIDRs seed URLs from API clients may reach although private or loopback, JSON list, e.g. ["127.0.0.1"] for the demo shop.')

    @model_validator(mode="after")
    def _refuse_public_bind_without_auth(self) -> Settings:
        # An open write API on a network address lets anyone start crawls from this host; refuse, do not warn.
        if not self.api_auth_enabled and not is_loopback_host(self.api_host):
            raise ValueError(f"api_auth_enabled=false with api_host={self.api_host!r}: bind 127.0.0.1 or enable API keys")
        if not self.api_auth_enabled and self.api_read_requires_key:
            # Keys off would leave the reads open that this setting asks to close: say so instead of serving them.
            raise ValueError("api_read_requires_key=true needs api_auth_enabled=true (with keys off no read can be "
                             "checked); enable API keys or drop api_read_requires_key")
        return self

    @model_validator(mode="after")
    def _refuse_flower_credentials_flower_would_split(self) -> Settings:
        problem = flower_credential_problem(self.flower_user, self.flower_password)
        if problem:
            raise ValueError(problem)
        return self

    # Pipeline
    batch_size: int = Field(100, ge=1, description="Records per ETL batch.")
    keep_inferred: bool = Field(True, description="Keep values extraction guessed rather than read (sources `inferred:...`, e.g. stock assumed from a shown price); false leaves them empty.")
    load_retries: int = Field(6, ge=0, description="Retries of a load during a database outage (back-off as for fetches) before the batch is parked on disk.")
    data_dir: Path = Field(Path(".sightsearch"), description="Folder for local state (event spool, caches).")

    # Event stream (Kafka); unset bootstrap keeps the local events table
    kafka_bootstrap: str | None = Field(None, description="Kafka bootstrap servers (host:port,...); set to publish events to Kafka.")
    kafka_topic_prefix: str = Field("sightsearch", min_length=1, description="Topic prefix: events go to <prefix>.<family> (run, page, record, stage, image).")
    kafka_idempotence: bool = Field(True, description="Ask for an idempotent producer; falls back to acks=all when the broker refuses.")
    event_buffer_size: int = Field(10_000, ge=1, description="Events held in memory for the sender; overflow goes to the disk spool.")
    event_spool_max_bytes: int = Field(100_000_000, ge=1024, description="Largest disk spool of undelivered events; beyond it events are dropped and counted.")
    event_flush_timeout: float = Field(10.0, gt=0, description="Seconds close() waits for delivery before leaving the rest in the disk spool.")
    alert_error_rate: float = Field(0.2, gt=0, le=1, description="Alert when a site's fetch error rate in the window exceeds this.")
    alert_window_minutes: int = Field(5, ge=1, description="Window of the error-rate and all-4xx rules, in minutes.")
    alert_min_events: int = Field(10, ge=1, description="Fewest page events in the window before the error-rate and all-4xx rules judge a site.")
    alert_stall_minutes: float = Field(10.0, gt=0, description="Alert when an unfinished run published no event for this many minutes.")
    alert_webhook_url: str | None = Field(None, description="POST every new alert as JSON to this URL (optional).")

    # API request guard and bounded work (issue 12)
    api_image_decode_mb: int = Field(256, ge=16, description="Megabytes of decoded pixels search-by-image uploads may hold at once; an upload needing more alone is refused from its header.")
    api_allowed_hosts: list[str] = Field(default_factory=list, description='Host names the API answers to, JSON list, e.g. ["api.example.com"]; empty: on a loopback bind, writes from a browser must name a loopback host; `serve` refuses a non-loopback bind.')
    # Ask the database (`sightsearch sql` / `ask`, /api/v1/sql and /api/v1/ask): the guard, the read-only role, the model
    llm_model: str | None = Field(None, pattern=r"^[A-Za-z0-9_.-]+:\S+$", description="Chat model for `ask` as provider:model (e.g. openai:gpt-4o-mini, needs the agent extra); unset: the offline question parser.")
    llm_base_url: str | None = Field(None, description="OpenAI-compatible base URL of the model server (Ollama, vLLM, llama.cpp), e.g. http://127.0.0.1:11434/v1.")
    llm_api_key: str | None = Field(None, repr=False, description="API key of the model server (kept out of reprs and logs).")
    agent_max_tool_calls: int = Field(8, ge=1, le=50, description="Tool calls the model may make for one question before it is stopped.")
    query_timeout: float = Field(5.0, gt=0, le=300, description="Seconds one read-only query may run before the database stops it.")
    query_max_rows: int = Field(200, ge=1, le=10_000, description="Rows a query returns at most (a LIMIT is injected or capped); the model sees fewer.")
    query_role: str = Field("sightsearch_reader", pattern=r"^[a-z_][a-z0-9_]{0,62}$", description="PostgreSQL login role the queries run as; `sightsearch db upgrade` creates it with SELECT on the allowlisted tables only.")
    query_role_password: str | None = Field(None, repr=False, description="Password of the read-only role; required to query a PostgreSQL store.")
    ask_rate_limit: int = Field(30, ge=1, description="Questions and queries one API key (or client address without a key) may send per minute.")
    # Deployment: production refuses placeholder or empty secrets (docker-compose.yml sets production)
    environment: str = Field("development", pattern="^(development|production)$", description="development, or production: then empty or placeholder secrets (Flower password, passwords in the store, broker and Redis URLs) stop the process.")
    # API response cache (issue 16): listing and detail answers kept until the next commit to the store
    api_response_cache_mb: int = Field(32, ge=0, description="Megabytes of product listing and detail answers the API keeps in memory, each until the next commit to the store (0: none kept; ETags and 304s still work).")
    api_inline_read_ms: float = Field(2.0, ge=0, le=100, description="On a SQLite store, the product listing and detail read the store on the API's event loop when the read takes less than this; a longer one is stopped and run in a database thread (0: always in a thread).")

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        # A stack started from a copied .env.example would run with passwords printed in the repository.
        from sightsearch.secret_checks import unsafe_secrets

        if self.environment == "production" and (unsafe := unsafe_secrets(self)):
            raise ValueError(f"environment=production with empty or placeholder secrets: {', '.join(unsafe)}; "
                             "set real ones in .env (openssl rand -hex 32)")
        return self


FLOWER_MIN_PASSWORD_LENGTH = 12


def flower_credential_problem(user: str | None, password: str | None) -> str | None:
    """Why Flower would not enforce these credentials as given, or None when they are usable.

    Flower splits ``FLOWER_BASIC_AUTH`` on ``,`` into several ``user:password`` pairs and each pair on ``:``, so a
    comma in a password would let in a shortened password *and* a password-less user; refuse instead. Never
    quotes the password.
    """
    if user is not None and (not user or ":" in user or "," in user):
        return "SIGHTSEARCH_FLOWER_USER must be non-empty and contain no ':' or ','"
    if password is not None:
        if "," in password:
            return "SIGHTSEARCH_FLOWER_PASSWORD must not contain ',' (Flower splits its credentials on commas)"
        if len(password) < FLOWER_MIN_PASSWORD_LENGTH:
            return f"SIGHTSEARCH_FLOWER_PASSWORD must be at least {FLOWER_MIN_PASSWORD_LENGTH} characters long"
    return None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
