"""The office's tables in SQLAlchemy Core; only central.db imports them; migrations/ follow."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Times are naive UTC everywhere: SQLite has no time zones, and one rule beats two.
metadata = MetaData()

# SQLite makes only INTEGER PRIMARY KEY an auto-incrementing rowid.
Id = BigInteger().with_variant(Integer(), "sqlite")

screens = Table(
    "screens",
    metadata,
    Column("player", String(128), primary_key=True),
    Column("group", String(128)),
    Column("version", String(64)),
    Column("first_seen", DateTime, nullable=False),
    Column("last_seen", DateTime, nullable=False),
    Column("online", Boolean, nullable=False, default=False),
    Column("online_since", DateTime),  # or offline since, when `online` is false
    Column("offline_reason", Text),
    Column("status", Text),  # the latest status message, JSON
    Column("dropped", BigInteger, nullable=False, default=0),  # plays lost to the player's cap
)

status_changes = Table(
    "status_changes",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("player", String(128), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("status", Text, nullable=False),  # JSON, only when more than the clock changed
    Index("ix_status_changes_player_at", "player", "at"),
)

online_periods = Table(
    "online_periods",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("player", String(128), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime),  # NULL while online
    Column("end_reason", Text),  # "connection lost" (the last will), "stopped", …
    Index("ix_online_periods_player_started", "player", "started_at"),
)

errors = Table(
    "errors",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("player", String(128), nullable=False),
    Column("first_at", DateTime, nullable=False),
    Column("last_at", DateTime, nullable=False),
    Column("level", String(16)),
    Column("where", String(128)),
    Column("message", Text, nullable=False),
    Column("count", BigInteger, nullable=False, default=1),
    Index("ix_errors_player_last", "player", "last_at"),
)

plays = Table(
    "plays",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("player", String(128), nullable=False),
    Column("store", String(64), nullable=False),
    Column("record_id", BigInteger, nullable=False),
    Column("group", String(128)),
    Column("item_id", String(256), nullable=False),
    Column("media", String(64)),
    Column("playlist", String(256)),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=False),
    Column("duration", Float, nullable=False),
    Column("completed", Boolean, nullable=False),
    Column("received_at", DateTime, nullable=False),
    # Exactly once: a resent batch finds its plays here and adds nothing.
    UniqueConstraint("player", "store", "record_id", name="uq_plays_record"),
    Index("ix_plays_started", "started_at"),
)
alert_plays = Table(
    "alert_plays",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("player", String(128), nullable=False),
    Column("store", String(64), nullable=False),
    Column("record_id", BigInteger, nullable=False),  # the player's alert record ids
    Column("group", String(128)),
    Column("alert_id", String(256), nullable=False),
    Column("issued_at", DateTime),  # the version on screen
    Column("level", String(16)),
    Column("headline", String(256)),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=False),
    Column("duration", Float, nullable=False),
    Column("pages", Integer, nullable=False),
    Column("pages_shown", Integer, nullable=False),
    Column("completed", Boolean, nullable=False),
    Column("received_at", DateTime, nullable=False),
    # Exactly once, as plays: a resent batch finds its alert records here and adds nothing.
    UniqueConstraint("player", "store", "record_id", name="uq_alert_plays_record"),
    Index("ix_alert_plays_started", "started_at"),
)

# The wall's brightness on each screen: a span per level held, cut by the player at each UTC
# hour's end, so an hour's spans lie within it.
brightness_spans = Table(
    "brightness_spans",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("player", String(128), nullable=False),
    Column("store", String(64), nullable=False),
    Column("record_id", BigInteger, nullable=False),  # the player's brightness span ids
    Column("group", String(128)),
    Column("level", Integer, nullable=False),  # percent
    Column("source", String(16)),  # plan, sensor, failsafe, none
    Column("via", String(32)),  # novastar, software
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=False),
    Column("received_at", DateTime, nullable=False),
    # Exactly once, as plays: a resent batch finds its spans here and adds nothing.
    UniqueConstraint("player", "store", "record_id", name="uq_brightness_spans_record"),
    Index("ix_brightness_spans_player_started", "player", "started_at"),
)

# Plays summed per screen, item and UTC hour, kept with every new play in the same
# transaction: a month's proof-of-play report sums these (a few per item and hour)
# instead of every play. `group` is "" when the player sent none (NULLs are not equal
# in a unique key).
play_hours = Table(
    "play_hours",
    metadata,
    Column("hour", BigInteger, nullable=False),  # hours since 1970-01-01 00:00 UTC
    Column("player", String(128), nullable=False),
    Column("group", String(128), nullable=False),
    Column("item_id", String(256), nullable=False),
    Column("plays", BigInteger, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("completed", BigInteger, nullable=False),
    UniqueConstraint("hour", "player", "group", "item_id", name="uq_play_hours"),
)

# The same sums per local day in the office's time zone (console.timezone): a month's
# report reads 30 rows per screen and item instead of 540. `play_day_zone` holds the one
# zone they are in; with no row there, or another zone, reports read `play_hours`.
play_days = Table(
    "play_days",
    metadata,
    Column("day", String(10), nullable=False),  # YYYY-MM-DD, local in play_day_zone.zone
    Column("player", String(128), nullable=False),
    Column("group", String(128), nullable=False),
    Column("item_id", String(256), nullable=False),
    Column("plays", BigInteger, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("completed", BigInteger, nullable=False),
    UniqueConstraint("day", "player", "group", "item_id", name="uq_play_days"),
)

play_day_zone = Table(
    "play_day_zone",
    metadata,
    Column("zone", String(64), primary_key=True),
)

screenshots = Table(
    "screenshots",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("player", String(128), nullable=False),
    Column("taken_at", DateTime, nullable=False),
    Column("received_at", DateTime, nullable=False),
    Column("item", String(256)),
    Column("playlist", String(256)),
    Column("width", Integer),
    Column("height", Integer),
    Column("jpeg", LargeBinary, nullable=False),
    Index("ix_screenshots_player_id", "player", "id"),
)

# One row per health sample a screen sent (every minute), pruned after
# collector.health_kept. The columns are the status message's `machine` fields of the same
# name (player/wire/status.py MachineSection).
health_samples = Table(
    "health_samples",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("player", String(128), nullable=False),
    Column("at", DateTime, nullable=False),  # the sample's time, as the screen's clock said
    Column("temp_c", Float),
    Column("throttled", Boolean),
    Column("under_voltage", Boolean),
    Column("load_1m", Float),
    Column("mem_available_bytes", BigInteger),
    Column("mem_total_bytes", BigInteger),
    Column("disk_free_bytes", BigInteger),
    Column("disk_total_bytes", BigInteger),
    Column("sd_read_only", Boolean),
    Column("io_errors", BigInteger),
    Column("uptime_s", Float),
    Column("wifi_signal_dbm", Float),
    Column("modem_signal_percent", Integer),
    Index("ix_health_samples_player_at", "player", "at"),
    Index("ix_health_samples_at", "at"),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    # A console login, "cap-watch", "command line (USER)", "console" (the server itself).
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(256)),
    Column("detail", Text),  # JSON
    Index("ix_audit_at", "at"),
)

# The console's accounts and sessions (`videotron console`).
console_users = Table(
    "console_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # central.console.accounts.ROLES
    Column("password_hash", String(256), nullable=False),  # argon2id, with its parameters
    Column("created_at", DateTime, nullable=False),
    Column("partner", String(128)),  # a partner account's partner, as its campaigns name it
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie: a stolen
    Column("user", String(64), nullable=False),  # database row cannot be replayed
    Column("csrf", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Index("ix_console_sessions_expires", "expires_at"),
)

# Attempt limits (central/db/limits.py): a row per counter key, written first by each
# reservation so that it holds the key's lock while it counts, and a row per slot taken.
limit_keys = Table(
    "limit_keys",
    metadata,
    Column("kind", String(32), primary_key=True),  # which limit: "login-user", ...
    Column("key", String(128), primary_key=True),  # whose: an account, an address
    Column("used_at", DateTime, nullable=False),
)

limit_attempts = Table(
    "limit_attempts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("key", String(128), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_limit_attempts_kind_key_at", "kind", "key", "at"),
)

# The content workflow (issue 27): the media library, who may submit for which group, and
# each submitted change set with its decision.
library_media = Table(
    "library_media",
    metadata,
    Column("sha256", String(64), primary_key=True),  # the file is library/<sha256>
    Column("name", String(256), nullable=False),  # as uploaded, for people only
    Column("type", String(8), nullable=False),  # image | video
    Column("codec", String(32), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("duration", Float),  # seconds, videos only
    Column("size", BigInteger, nullable=False),
    Column("uploader", String(64), nullable=False),
    Column("uploaded_at", DateTime, nullable=False),
    Column("tags", String(512), nullable=False, default=""),
    Column("valid_from", DateTime),  # "show from": the default of a new playlist item
    Column("valid_until", DateTime),
    Column("warnings", Text),  # JSON list: what some screens cannot play
    Column("thumbnail", LargeBinary),  # a small JPEG (a video's poster frame)
)

submit_scopes = Table(
    "submit_scopes",
    metadata,
    Column("user", String(64), primary_key=True),
    Column("group", String(128), primary_key=True),
)

submissions = Table(
    "submissions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("group", String(128), nullable=False),
    Column("submitter", String(64), nullable=False),
    Column("submitted_at", DateTime, nullable=False),
    Column("state", String(16), nullable=False),  # pending | approved | sent_back
    Column("items", Text, nullable=False),  # JSON list of playlist items (with approvals)
    Column("layout", Text),  # JSON: the group's ticker and clock; NULL: neither
    Column("decided_by", String(64)),
    Column("decided_at", DateTime),
    Column("reason", Text),  # why it was sent back
    Column("sequence", BigInteger),  # of the publish an approval made
    Column("restored_from", BigInteger),  # the earlier approved submission brought back
    Index("ix_submissions_group_state", "group", "state"),
)

# A campaign edited in the console (central/content/campaign.py): one change set per row,
# approved by a second person like a playlist; its approval publishes the campaign's groups.
campaign_submissions = Table(
    "campaign_submissions",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("campaign", String(128), nullable=False),  # the campaign's id in the manifest
    Column("submitter", String(64), nullable=False),
    Column("submitted_at", DateTime, nullable=False),
    Column("state", String(16), nullable=False),  # pending | approved | sent_back
    Column("body", Text, nullable=False),  # JSON: the campaign as the editor keeps it
    Column("decided_by", String(64)),
    Column("decided_at", DateTime),
    Column("reason", Text),  # why it was sent back
    Index("ix_campaign_submissions_campaign_state", "campaign", "state"),
)

# What the office was told of its screens (central/notifications/): one row per incident,
# so a collector restarted mid-incident neither tells it again nor forgets its recovery.
incidents = Table(
    "incidents",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # screen-offline, screen-hot, ...
    Column("subject", String(400), nullable=False),  # a player id, or alert id @ group
    Column("group", String(128), nullable=False),
    Column("started_at", DateTime, nullable=False),  # when the condition began
    Column("facts", Text),  # JSON: what the message said (temperature, alert, ...)
    Column("told_at", DateTime),  # NULL until the office was told
    Column("ended_at", DateTime),  # NULL while it lasts
    Column("told_end_at", DateTime),  # the recovery notice; NULL until sent or not due
    Index("ix_incidents_open", "kind", "subject", "ended_at"),
)
