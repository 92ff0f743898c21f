#!/usr/bin/env python3
"""The reference TUF client's answer on a chain of roots (a differential check of ours).

Usage: tuf_root_check.py TRUSTED_ROOT [NEXT_ROOT ...]
Loads TRUSTED_ROOT as python-tuf's ngclient does (it must be signed by its own threshold),
then offers each NEXT_ROOT in turn to TrustedMetadataSet.update_root, and prints one line per
file: "accepted" or "refused: <python-tuf's reason>". Exits 0 whatever the answers are.
"""
import sys

from tuf.ngclient._internal.trusted_metadata_set import TrustedMetadataSet
from tuf.ngclient.config import EnvelopeType


def main() -> None:
    paths = sys.argv[1:]
    with open(paths[0], "rb") as f:
        data = f.read()
    try:
        trusted = TrustedMetadataSet(data, EnvelopeType.METADATA)
        print("accepted")
    except Exception as error:  # noqa: BLE001 - any refusal is an answer
        print(f"refused: {type(error).__name__}: {error}".replace("\n", " "))
        for _ in paths[1:]:
            print("refused: no trusted root")
        return
    for path in paths[1:]:
        with open(path, "rb") as f:
            data = f.read()
        try:
            trusted.update_root(data)
            print("accepted")
        except Exception as error:  # noqa: BLE001
            print(f"refused: {type(error).__name__}: {error}".replace("\n", " "))


if __name__ == "__main__":
    main()
