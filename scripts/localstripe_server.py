"""Run localstripe (a stateful fake Stripe server, dev/test only) on 127.0.0.1 with its store kept where we say.

    python scripts/localstripe_server.py --port 8420 [--store .local/localstripe-run.pickle]

localstripe itself binds every interface and pickles its whole store to /tmp/localstripe.pickle
after every write: shared between stacks and slower with every object. Here the store is pickled
to the given file (the `run` profile keeps it beside the emulator data) or not at all (tests).
"""

from __future__ import annotations

import argparse
import logging
import pickle

from aiohttp import web
from localstripe import resources, server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8420)
    parser.add_argument("--store", default="", help="pickle file to load and keep the store in (none: memory only)")
    args = parser.parse_args()
    store = resources.store

    if args.store:

        def dump_to_disk(self=store):
            with open(args.store, "wb") as f:
                pickle.dump(dict(self), f, protocol=pickle.HIGHEST_PROTOCOL)

        try:
            with open(args.store, "rb") as f:
                store.update(pickle.load(f))
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            pass
    else:

        def dump_to_disk(self=store):
            return None

    store.dump_to_disk = dump_to_disk
    logger = logging.getLogger("aiohttp.access")
    logger.setLevel(logging.INFO)
    logger.addHandler(logging.StreamHandler())
    web.run_app(server.app, host="127.0.0.1", port=args.port, access_log=logger, print=None)


if __name__ == "__main__":
    main()
