"""``kata-oci features``: the OCI runtime-spec features document of this runtime and configuration."""

from __future__ import annotations

import argparse

from . import common, output

HELP = (
    "Print the OCI runtime-spec features document: the runtime-spec versions read, every known "
    "annotation and what it does, the potentially unsafe ones, and (under org.kata-oci.) what the "
    "configuration enables."
)
EXAMPLE = "kata-oci features --config kata_oci/data/configuration.toml"
EPILOG = common.CONFIG_HELP


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.add_config(p)
    p.add_argument("--json", action="store_true", help="JSON output (what features always prints)")


def run(args: argparse.Namespace) -> int:
    from kata_oci.features import features_document

    engine = common.engine(False, plugins=True)
    choice, rc = common.runtime_choice(args.config, kata=args.kata, engine=engine)
    output.write_json(features_document(rc, config_path=choice.filename, engine=engine))
    return common.EXIT_OK
