"""Service search indexes, dialect by dialect, and the default categories.

PostgreSQL: a GIN index over `to_tsvector('simple', name || ' ' || description)` (the
catalog repository repeats that exact expression so the planner uses it) and a
pg_trgm GIN index on `name` for typo-tolerant matching.

SQLite: an FTS5 table `services_fts` (unicode61, diacritics removed) kept in step
with `services` by triggers. Note for later migrations: a batch ("move and copy")
rebuild of `services` on SQLite drops these triggers; recreate them afterwards
(tests/catalog/test_search_index.py fails if they are missing at head).

The models do not describe these objects; `bookwell.migrations.include_name` keeps
autogenerate and the model comparison away from them.

Revision ID: 20261121_0003
Revises: 20261121_0002
Create Date: 2026-11-21 23:59:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "20261121_0003"
down_revision = "20261121_0002"
branch_labels = None
depends_on = None

# (id, names, descriptions); the icon is "<id>-icon.svg", the order is the list order.
CATEGORIES: list[tuple[str, dict[str, str], dict[str, str]]] = [
    (
        "consultation",
        {"en": "Consultation", "ru": "Консультация", "kk": "Кеңес беру"},
        {
            "en": "One-on-one consultation sessions",
            "ru": "Индивидуальные консультации",
            "kk": "Жеке кеңес беру сессиялары",
        },
    ),
    (
        "workshop",
        {"en": "Workshop", "ru": "Мастер-класс", "kk": "Шеберлік сабағы"},
        {
            "en": "Group workshops and masterclasses",
            "ru": "Групповые мастер-классы и практикумы",
            "kk": "Топтық шеберлік сабақтары мен практикумдар",
        },
    ),
    (
        "coaching",
        {"en": "Coaching", "ru": "Коучинг", "kk": "Коучинг"},
        {
            "en": "Personal and business coaching",
            "ru": "Личный и бизнес-коучинг",
            "kk": "Жеке және бизнес коучинг",
        },
    ),
    (
        "beauty",
        {"en": "Beauty", "ru": "Красота", "kk": "Сұлулық"},
        {
            "en": "Cosmetology, make-up and skin care",
            "ru": "Косметология, макияж и уход за кожей",
            "kk": "Косметология, макияж және тері күтімі",
        },
    ),
    (
        "hair",
        {"en": "Hair", "ru": "Волосы", "kk": "Шаш"},
        {
            "en": "Haircuts, colouring and styling",
            "ru": "Стрижки, окрашивание и укладки",
            "kk": "Шаш қию, бояу және сәндеу",
        },
    ),
    (
        "nails",
        {"en": "Nails", "ru": "Ногти", "kk": "Тырнақ"},
        {
            "en": "Manicure and pedicure",
            "ru": "Маникюр и педикюр",
            "kk": "Маникюр және педикюр",
        },
    ),
    (
        "massage",
        {"en": "Massage", "ru": "Массаж", "kk": "Массаж"},
        {
            "en": "Therapeutic and relaxing massage",
            "ru": "Лечебный и расслабляющий массаж",
            "kk": "Емдік және релакс массаж",
        },
    ),
    (
        "fitness",
        {"en": "Fitness", "ru": "Фитнес", "kk": "Фитнес"},
        {
            "en": "Personal training, yoga and sport",
            "ru": "Персональные тренировки, йога и спорт",
            "kk": "Жеке жаттығулар, йога және спорт",
        },
    ),
    (
        "health",
        {"en": "Health", "ru": "Здоровье", "kk": "Денсаулық"},
        {
            "en": "Doctors, therapists and wellbeing",
            "ru": "Врачи, терапевты и здоровье",
            "kk": "Дәрігерлер, терапевтер және саулық",
        },
    ),
    (
        "education",
        {"en": "Education", "ru": "Образование", "kk": "Білім беру"},
        {
            "en": "Tutoring, lessons and courses",
            "ru": "Репетиторство, уроки и курсы",
            "kk": "Репетиторлық, сабақтар және курстар",
        },
    ),
    (
        "legal",
        {"en": "Legal", "ru": "Юридические услуги", "kk": "Заң қызметтері"},
        {
            "en": "Lawyers and legal advice",
            "ru": "Юристы и правовые консультации",
            "kk": "Заңгерлер және құқықтық кеңес",
        },
    ),
    (
        "finance",
        {"en": "Finance", "ru": "Финансы", "kk": "Қаржы"},
        {
            "en": "Accounting, tax and financial advice",
            "ru": "Бухгалтерия, налоги и финансовые консультации",
            "kk": "Бухгалтерия, салық және қаржылық кеңес",
        },
    ),
]

_categories = sa.table(
    "categories",
    sa.column("id", sa.String),
    sa.column("names", sa.JSON),
    sa.column("descriptions", sa.JSON),
    sa.column("icon", sa.String),
    sa.column("sort_order", sa.Integer),
)

_SQLITE_UPGRADE = [
    """
    CREATE VIRTUAL TABLE services_fts USING fts5(
        service_id UNINDEXED,
        name,
        description,
        tokenize = 'unicode61 remove_diacritics 2'
    )
    """,
    "INSERT INTO services_fts (service_id, name, description) "
    "SELECT id, name, description FROM services",
    """
    CREATE TRIGGER services_fts_insert AFTER INSERT ON services BEGIN
        INSERT INTO services_fts (service_id, name, description)
        VALUES (new.id, new.name, new.description);
    END
    """,
    # Only when the searched text (or the key) changes; a price update costs nothing.
    """
    CREATE TRIGGER services_fts_update AFTER UPDATE OF id, name, description ON services
    BEGIN
        DELETE FROM services_fts WHERE service_id = old.id;
        INSERT INTO services_fts (service_id, name, description)
        VALUES (new.id, new.name, new.description);
    END
    """,
    """
    CREATE TRIGGER services_fts_delete AFTER DELETE ON services BEGIN
        DELETE FROM services_fts WHERE service_id = old.id;
    END
    """,
]

_SQLITE_DOWNGRADE = [
    "DROP TRIGGER IF EXISTS services_fts_delete",
    "DROP TRIGGER IF EXISTS services_fts_update",
    "DROP TRIGGER IF EXISTS services_fts_insert",
    "DROP TABLE IF EXISTS services_fts",
]

_POSTGRESQL_UPGRADE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_services_search_document ON services "
    "USING gin (to_tsvector('simple'::regconfig, name || ' ' || description))",
    "CREATE INDEX ix_services_name_trgm ON services USING gin (name gin_trgm_ops)",
]

# pg_trgm stays: it may have been installed before this migration and be used elsewhere.
_POSTGRESQL_DOWNGRADE = [
    "DROP INDEX IF EXISTS ix_services_name_trgm",
    "DROP INDEX IF EXISTS ix_services_search_document",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(_SQLITE_UPGRADE)
    elif dialect == "postgresql":
        _run(_POSTGRESQL_UPGRADE)

    existing = set(op.get_bind().scalars(sa.select(_categories.c.id)))
    rows = [
        {
            "id": category_id,
            "names": names,
            "descriptions": descriptions,
            "icon": f"{category_id}-icon.svg",
            "sort_order": (position + 1) * 10,
        }
        for position, (category_id, names, descriptions) in enumerate(CATEGORIES)
        if category_id not in existing
    ]
    if rows:
        op.bulk_insert(_categories, rows)


def downgrade() -> None:
    op.execute(_categories.delete().where(_categories.c.id.in_([c[0] for c in CATEGORIES])))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(_SQLITE_DOWNGRADE)
    elif dialect == "postgresql":
        _run(_POSTGRESQL_DOWNGRADE)
