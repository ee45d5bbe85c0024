"""``ipp``: run the platform, its services, migrations, tokens and demo data."""
from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from ipp.registry import SERVICES, WORKER_METRICS_PORT

app = typer.Typer(help="湖北省企业知识产权工作平台 — Hubei enterprise IP programmes platform", no_args_is_help=True,
                  add_completion=False)


def _spec(name: str):
    if name not in SERVICES:
        raise typer.BadParameter(f"unknown service {name!r}; one of: {', '.join(SERVICES)}")
    return SERVICES[name]


@app.command()
def serve(service: str, host: str = "127.0.0.1", port: int | None = None,
          log_level: str = typer.Option("warning", help="uvicorn log level")) -> None:
    """Run one service's HTTP API."""
    import uvicorn

    spec = _spec(service)
    settings = spec.load_settings()
    uvicorn.run(spec.create_app(settings), host=host, port=port or spec.port, log_level=log_level,
                timeout_graceful_shutdown=5)


@app.command()
def migrate(service: str = typer.Argument("all", help="a service name or 'all'")) -> None:
    """Run Alembic migrations (a step before start)."""
    from libs.common.migrations import upgrade

    for spec in (SERVICES.values() if service == "all" else [_spec(service)]):
        settings = spec.load_settings()
        upgrade(spec.migrations, settings.database_url)
        typer.echo(f"migrated {spec.name}")


@app.command()
def worker(service: str = typer.Argument("reporting"), metrics_port: int = WORKER_METRICS_PORT,
           log_level: str = "warning") -> None:
    """Run the reporting stream worker."""
    if service != "reporting":
        raise typer.BadParameter("only the reporting service has a stream worker")
    from services.reporting.worker import run_worker

    run_worker(metrics_port=metrics_port, loglevel=log_level)


@app.command()
def token(role: str = typer.Option(..., help="province-admin | city-officer | bank | agency | viewer | integration"),
          city: str | None = typer.Option(None, help="city code, for city-officer"),
          org: str | None = typer.Option(None, help="organisation id, for bank"),
          sub: str | None = typer.Option(None, help="subject (user id)"),
          ttl: int = typer.Option(12 * 3600, help="lifetime in seconds")) -> None:
    """Print a bearer token signed with the configured key (the development key by default)."""
    from libs.common.auth import Role, issue_token
    from libs.common.config import CommonSettings
    from libs.common.divisions import validate_city
    from libs.common.identifiers import IdentifierError

    settings = CommonSettings()
    try:
        r = Role(role)
    except ValueError:
        raise typer.BadParameter(f"unknown role {role!r}; one of: {', '.join(x.value for x in Role)}") from None
    if city:
        try:
            validate_city(city)
        except IdentifierError as exc:
            raise typer.BadParameter(exc.message) from exc
    try:
        typer.echo(issue_token(settings.jwt_secret.get_secret_value(), role=r, sub=sub or f"{r.value}-cli",
                               city=city, org=org, issuer=settings.jwt_issuer, ttl_seconds=ttl))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc


@app.command()
def replay(service: str, since_id: int = typer.Option(0, help="republish from this outbox id")) -> None:
    """Mark a service's outbox for republishing (its running relay sends it again, in order)."""
    from libs.common.db import create_engine, session_factory
    from libs.common.outbox import mark_for_replay

    settings = _spec(service).load_settings()

    async def _run() -> int:
        engine = create_engine(settings.database_url)
        try:
            return await mark_for_replay(session_factory(engine), since_id)
        finally:
            await engine.dispose()

    typer.echo(f"{asyncio.run(_run())} events of {service} marked for replay")


@app.command()
def demo(enterprises: int = typer.Option(300, help="how many enterprises"),
         host: str = typer.Option("127.0.0.1", help="host the services listen on (default ports)"),
         only_enterprises: bool = typer.Option(False, "--only-enterprises", help="skip the programme services"),
         seed: int = 20251) -> None:
    """Load the demo data set into a running platform, through its APIs."""
    from ipp.demo import PROGRAMMES, load_demo
    from ipp.registry import SERVICES

    urls = {name: f"http://{host}:{spec.port}" for name, spec in SERVICES.items()}
    summary = load_demo(urls, enterprises=enterprises, seed=seed, programmes=() if only_enterprises else PROGRAMMES,
                        progress=True, wait_for_indicators=True,
                        worker_metrics_url=f"http://{host}:{WORKER_METRICS_PORT}")
    typer.echo(summary)


@app.command()
def up(demo_data: bool = typer.Option(False, "--demo", help="also load the demo data set"),
       var_dir: Path = typer.Option(Path("var"), help="where SQLite files and logs go")) -> None:
    """Start the embedded platform: broker, migrations, every service as its own process."""
    from ipp.launcher import Platform

    platform = Platform(var_dir=var_dir)
    code = platform.run(demo=demo_data)
    raise typer.Exit(code)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
