"""棚 (tana): the warehouse floor app. `create_app()` builds it; it never migrates."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import ROOT, Config, load_config
from app.database import configure_engine
from app.extensions import babel, compress, csrf, db, htmx, login_manager, migrate


def create_app(config: Config | str | None = None, **overrides) -> Flask:
    cfg = config if isinstance(config, Config) else load_config(config)
    app = Flask(
        __name__,
        instance_path=cfg.INSTANCE_PATH,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(cfg)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    init_extensions(app)
    register_blueprints(app)

    from app import audit, cli, floor
    from app.shell import web

    audit.init_app()
    web.init_app(app)
    floor.init_app(app)
    cli.init_app(app)
    return app


def init_extensions(app: Flask) -> None:
    from app import models  # noqa: F401  (every table is known before the engine is used)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    compress.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)

    from app.i18n import select_locale

    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "app" / "translations"),
    )
    with app.app_context():
        configure_engine(db.engine, app.config["SQLITE_SYNCHRONOUS"])


def register_blueprints(app: Flask) -> None:
    from app.api import web as api_web
    from app.api.admin import bp as api_admin_bp
    from app.api.routes import bp as api_bp
    from app.auth import throttle
    from app.auth.routes import bp as auth_bp
    from app.counts.routes import bp as counts_bp
    from app.labels.routes import bp as labels_bp
    from app.lookup.routes import bp as lookup_bp
    from app.masterdata.item_routes import bp as items_bp
    from app.masterdata.routes import bp as masterdata_bp
    from app.masterdata.warehouse_routes import bp as warehouses_bp
    from app.orders.routes import bp as orders_bp
    from app.packing.routes import bp as packing_bp
    from app.people.routes import bp as people_bp
    from app.picking.routes import bp as picking_bp
    from app.putaway.routes import bp as putaway_bp
    from app.receipts.routes import bp as receipts_bp
    from app.receiving.routes import bp as receiving_bp
    from app.returns.routes import bp as returns_bp
    from app.floor.routes import bp as floor_bp
    from app.shell.routes import bp as shell_bp
    from app.shipping.routes import bp as shipping_bp
    from app.supervisor.routes import bp as supervisor_bp
    from app.shell.routes import register_placeholders

    throttle.init_app(app)
    for blueprint in (auth_bp, shell_bp, floor_bp, lookup_bp, labels_bp, receiving_bp, putaway_bp, picking_bp, packing_bp,
                      shipping_bp, counts_bp, returns_bp,
                      masterdata_bp, items_bp, warehouses_bp, people_bp, receipts_bp, orders_bp, supervisor_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(api_admin_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the JSON API is authorised by bearer tokens, never by a login cookie
    api_web.init_app(app)
    register_placeholders(app)
    app.extensions["tana.health"] = decoder_health


def decoder_health() -> dict:
    """Which photo decoders serve (zxing-cpp always; ZBar when libzbar is installed)."""
    try:
        from app.barcodes.decode import decoder_status

        return {"decoder": decoder_status()}
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        return {"decoder": {"error": type(exc).__name__}}
