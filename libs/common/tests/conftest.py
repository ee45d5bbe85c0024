import pytest

from libs.common.broker import EmbeddedBroker, free_port


@pytest.fixture(scope="session")
def broker(tmp_path_factory):
    """A real embedded broker (Tansu) on a spare port, for the infrastructure tests."""
    with EmbeddedBroker(port=free_port(39300), log_path=tmp_path_factory.mktemp("broker") / "broker.log") as b:
        yield b
