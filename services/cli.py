"""The ``tongxin`` command line: composes the API and the worker (they never import each other)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from pydantic import ValidationError

from shared.config import Settings, get_settings
from shared.observability import configure_logging

DEMO_PASSWORD = "tongxin-demo"


def _settings() -> Settings:
    """The settings, or an exit with one line per bad setting (no traceback: it is the
    operator's input that is wrong, not the program)."""
    try:
        return get_settings()
    except ValidationError as exc:
        sys.exit("\n".join(_reason(error) for error in exc.errors()))


def _reason(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    name = "_".join(map(str, error["loc"])).upper()
    # Checks across settings (the secret key in production) name their setting themselves.
    return f"tongxin: TONGXIN_{name}: {message}" if name else f"tongxin: {message}"


def alembic_config(database_url: str) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(Path(__file__).resolve().parent.parent / "migrations")
    )
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migrate(settings: Settings) -> None:
    from alembic import command

    # "heads": every context's branch, should two ever be open at once.
    command.upgrade(alembic_config(settings.database_url), "heads")


def build_app(settings: Settings) -> FastAPI:
    """The API with its worker link: arq when Redis is configured, else the embedded runner."""
    from services.api.app import create_app
    from shared.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    if settings.redis_url:
        from services.worker.arq_app import ArqWaker

        arq_waker = ArqWaker(settings.redis_url, settings.queue_name)

        @asynccontextmanager
        async def close_waker(app: FastAPI) -> AsyncIterator[None]:
            yield
            await arq_waker.close()

        return create_app(settings, engine=engine, waker=arq_waker, background=close_waker)

    from services.worker.embedded import EmbeddedRunner

    runner = EmbeddedRunner(make_sessionmaker(engine), settings.sweep_interval)

    @asynccontextmanager
    async def embedded_worker(app: FastAPI) -> AsyncIterator[None]:
        runner.start()
        yield
        await runner.stop()

    return create_app(settings, engine=engine, waker=runner, background=embedded_worker)


def app_factory() -> FastAPI:
    """For ``uvicorn --factory`` with several worker processes."""
    settings = _settings()
    configure_logging(settings.log_level)
    return _long_lived(build_app(settings))


def _long_lived(app: FastAPI) -> FastAPI:
    """Move everything built so far (modules, models, routes) out of the garbage collector's
    sight: a server keeps it all for its whole life, and without this each full collection
    walks it again, stalling requests for tens of milliseconds (the p99 of small reads)."""
    gc.collect()
    gc.freeze()
    return app


def _serve(args: argparse.Namespace, settings: Settings) -> None:
    import uvicorn

    print(
        f"Tongxin API on http://{args.host}:{args.port}  (docs: http://{args.host}:{args.port}/docs)",
        flush=True,
    )
    if not settings.redis_url:
        print("Worker: embedded (no TONGXIN_REDIS_URL set)", flush=True)
    if args.workers > 1:
        uvicorn.run(
            "services.cli:app_factory",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
            log_config=None,
        )
    else:
        app = _long_lived(build_app(settings))
        uvicorn.run(app, host=args.host, port=args.port, log_config=None)


def _worker(args: argparse.Namespace, settings: Settings) -> None:
    from services.worker.arq_app import build_worker

    if not settings.redis_url:
        sys.exit(
            "tongxin worker: set TONGXIN_REDIS_URL (without Redis, `tongxin serve` runs "
            "the embedded worker itself)"
        )
    build_worker(settings).run()


def _check(args: argparse.Namespace, settings: Settings) -> None:
    from shared.db import make_engine
    from shared.health import check_ready

    async def run() -> dict[str, bool]:
        engine = make_engine(settings.database_url)
        try:
            return await check_ready(engine, settings.redis_url)
        finally:
            await engine.dispose()

    checks = asyncio.run(run())
    for name, ok in checks.items():
        print(f"{name}: {'ok' if ok else 'DOWN'}")
    if not all(checks.values()):
        sys.exit(1)


def _init(args: argparse.Namespace, settings: Settings) -> None:
    from services.seed import init_organisation

    created = asyncio.run(init_organisation(settings, args.org, args.admin, args.password))
    print(
        f"organisation {args.org!r} {'created' if created else 'already exists'}; "
        f"admin login: {args.admin}"
    )


def _demo(args: argparse.Namespace, settings: Settings) -> None:
    from services.demo import DemoIncomplete
    from services.seed import load_demo

    try:
        logins = asyncio.run(load_demo(settings, args.password))
    except DemoIncomplete as exc:
        sys.exit(f"tongxin demo: {exc}")
    print(f"Demo organisation 鄞州区政协 is ready. Logins (password: {args.password}):")
    for username, role in logins:
        print(f"  {username:<18} {role}")


def _migrate(args: argparse.Namespace, settings: Settings) -> None:
    migrate(settings)
    print("database is at the latest migration")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tongxin", description="Tongxin (同心) platform")
    sub = parser.add_subparsers(dest="command", required=True)
    commands: dict[str, tuple[str, Callable[[argparse.Namespace, Settings], None]]] = {
        "migrate": ("apply database migrations (alembic upgrade head)", _migrate),
        "init": ("create an organisation with its admin (idempotent)", _init),
        "demo": ("load the demo organisation and one login per role (idempotent)", _demo),
        "serve": ("run the API (and the embedded worker when no Redis is configured)", _serve),
        "worker": ("run the arq worker (needs TONGXIN_REDIS_URL)", _worker),
        "check": ("readiness check for container health checks", _check),
    }
    parsers = {name: sub.add_parser(name, help=text) for name, (text, _) in commands.items()}
    for name, (_, handler) in commands.items():
        parsers[name].set_defaults(handler=handler)
    parsers["init"].add_argument("--org", required=True, help="organisation name")
    parsers["init"].add_argument("--admin", required=True, help="admin username")
    parsers["init"].add_argument("--password", required=True, help="admin password")
    parsers["demo"].add_argument("--password", default=DEMO_PASSWORD)
    parsers["serve"].add_argument("--host", default="127.0.0.1")
    parsers["serve"].add_argument("--port", type=int, default=8000)
    parsers["serve"].add_argument("--workers", type=int, default=1)
    return parser


def main(argv: list[str] | None = None) -> None:
    from services import contexts

    args = build_parser().parse_args(argv)
    settings = _settings()
    configure_logging(settings.log_level)
    # Every command runs the registered contexts: `init` their organisation defaults, `demo`
    # and `worker` their automations, `serve` their routes.
    contexts.install()
    args.handler(args, settings)


if __name__ == "__main__":
    main()
