"""`flask db upgrade` from an empty database produces exactly the models."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from tests.support import build_app, migrate_to_head


def test_upgrade_from_empty_matches_the_models_exactly(backend, request, instance_dir, tmp_path):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
    else:
        url = request.getfixturevalue("make_database")("postgresql")
    app = build_app(url, instance_dir)
    migrate_to_head(app)
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diff = compare_metadata(context, db.metadata)
        tables = set(sa.inspect(conn).get_table_names())
    db_tables = {t.name for t in db.metadata.sorted_tables}
    assert diff == []
    assert db_tables <= tables
    with app.app_context():
        db.engine.dispose()
